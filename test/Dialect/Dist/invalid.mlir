// Verifier messages of the dist dialect.
// RUN: aegis-opt %s --split-input-file --verify-diagnostics

!ct = !ckks.ct<slots = 8, level = 2, logScale = 30>
shard.grid @devices(shape = 1x2)
func.func @f(%x: !ct) {
  // expected-error @+1 {{lists bytes for 3 devices; the grid @devices has 2}}
  %r = dist.all_gather_start %x on @devices {sent = array<i64: 1, 2, 3>, source = "keyswitch"} : !ct
  return
}

// -----
!ct = !ckks.ct<slots = 8, level = 2, logScale = 30>
func.func @f(%x: !ct) {
  // expected-error @+1 {{refers to @nowhere, which is not a shard.grid}}
  %r = dist.all_gather_start %x on @nowhere {sent = array<i64: 1, 2>, source = "keyswitch"} : !ct
  return
}

// -----
!ct = !ckks.ct<slots = 8, level = 2, logScale = 30>
shard.grid @devices(shape = 1x2)
func.func @f(%x: !ct) {
  // expected-error @+1 {{source 'weather' is not one of keyswitch, rescale, model, bootstrap, io}}
  %r = dist.broadcast_start %x on @devices {sent = array<i64: 1, 2>, source = "weather"} : !ct
  return
}

// -----
!ct = !ckks.ct<slots = 8, level = 2, logScale = 30>
shard.grid @devices(shape = 1x2)
func.func @f(%x: !ct) {
  // expected-error @+1 {{sends a negative byte count (-2)}}
  %r = dist.all_to_all_start %x on @devices {sent = array<i64: 1, -2>, source = "io"} : !ct
  return
}

// -----
!ct = !ckks.ct<slots = 8, level = 2, logScale = 30>
shard.grid @devices(shape = 1x2)
func.func @f(%x: !ct) {
  // expected-error @+1 {{moves 3 polynomials of a ciphertext of 2}}
  %r = dist.all_gather_start %x on @devices {polys = 3, sent = array<i64: 1, 2>, source = "bootstrap"} : !ct
  return
}

// -----
!ct = !ckks.ct<slots = 8, level = 2, logScale = 30>
shard.grid @devices(shape = 2x1)
func.func @f(%x: !ct) {
  // expected-error @+1 {{needs the groups it moves between (from, to)}}
  %r = dist.transfer_start %x on @devices {sent = array<i64: 1, 2>, source = "model"} : !ct
  return
}

// -----
!ct = !ckks.ct<slots = 8, level = 2, logScale = 30>
shard.grid @devices(shape = 2x1)
func.func @f(%x: !ct) {
  // expected-error @+1 {{moves a ciphertext from group 1 to itself}}
  %r = dist.transfer_start %x on @devices {from = 1, to = 1, sent = array<i64: 1, 2>, source = "model"} : !ct
  return
}

// -----
!ct = !ckks.ct<slots = 8, level = 2, logScale = 30>
shard.grid @devices(shape = 2x1)
func.func @f(%x: !ct) {
  // expected-error @+1 {{names group 2; the grid has 2 along its model axis}}
  %r = dist.transfer_start %x on @devices {from = 0, to = 2, sent = array<i64: 1, 2>, source = "model"} : !ct
  return
}

// -----
!ct = !ckks.ct<slots = 8, level = 2, logScale = 30>
!ct1 = !ckks.ct<slots = 8, level = 1, logScale = 30>
shard.grid @devices(shape = 1x2)
func.func @f(%x: !ct) {
  %r = dist.all_gather_start %x on @devices {sent = array<i64: 1, 2>, source = "keyswitch"} : !ct
  // expected-error @+1 {{yields '!ckks.ct<slots = 8, level = 1, logScale = 30>' but the collective moves '!ckks.ct<slots = 8, level = 2, logScale = 30>'}}
  %w = dist.wait %r : !ct1
  return
}

// -----
!ct = !ckks.ct<slots = 8, level = 2, logScale = 30>
shard.grid @devices(shape = 1x2)
func.func @f(%x: !ct) {
  %r = dist.all_gather_start %x on @devices {sent = array<i64: 1, 2>, source = "keyswitch"} : !ct
  // expected-error @+1 {{waits on a request that is waited on more than once}}
  %w = dist.wait %r : !ct
  %v = dist.wait %r : !ct
  return
}
