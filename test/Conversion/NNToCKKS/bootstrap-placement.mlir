// Bootstrap placement. The program squares x twice (a: 2 levels spent of the
// 3 a ciphertext may spend between refreshes at bootstrap-levels=4), then
// uses a on two branches that each need 2 more levels (p*p and q*q).
// On demand (greedy), each branch is refreshed when it runs out: 2
// bootstraps. The whole-program placement (default) sees that one refresh
// of their common operand a serves both: 1 bootstrap, of a at level 2.
// RUN: rm -rf %t && mkdir %t
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=4" --aegis-nn-place-bootstraps="placement=greedy" --aegis-nn-to-ckks --aegis-ckks-report 2>&1 | FileCheck %s --check-prefix=GREEDY
// GREEDY: bootstraps 2 (refresh to level 4 of 19, messages divided by 2^0 around them; lower bound 1: the longest path spends 4 levels, 3 per refresh; on demand (bootstrap-placement=greedy))
// GREEDY-COUNT-2: ckks.bootstrap %{{.*}} : !ct_L1_S42 -> !ct_L4_S42
// GREEDY-NOT: ckks.bootstrap
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=4" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-report 2>&1 | FileCheck %s --check-prefix=MINCUT
// MINCUT: bootstraps 1 (refresh to level 4 of 19, messages divided by 2^0 around them; lower bound 1: the longest path spends 4 levels, 3 per refresh; placed over the whole program by minimum cuts in 1 stages)
// MINCUT: %[[S:.*]] = ckks.rescale %{{.*}} : !ct_L4_S84 -> !ct_L3_S42
// MINCUT: %[[A:.*]] = ckks.rescale %{{.*}} : !ct_L3_S84 -> !ct_L2_S42
// MINCUT-NEXT: %[[B:.*]] = ckks.bootstrap %[[A]] : !ct_L2_S42 -> !ct_L4_S42
// MINCUT-NEXT: ckks.mul %[[B]], %[[B]] : (!ct_L4_S42, !ct_L4_S42)
// MINCUT-NOT: ckks.bootstrap
// Both programs compute the same function: encrypted (toy) within 1e-3 of
// the cleartext interpreter.
// RUN: aegis-opt %S/Inputs/placement-input.mlir --aegis-nn-interpret="outputs=%t/x.npy" -o /dev/null
// RUN: aegis-opt %s --aegis-nn-interpret="inputs=%t/x.npy outputs=%t/ref.npy" -o /dev/null
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=4" --aegis-nn-place-bootstraps --aegis-nn-to-ckks --aegis-ckks-emit-artifact="output=%t/mincut.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-run %t/mincut.aegis --input %t/x.npy --reference %t/ref.npy --no-progress 2>&1 | FileCheck %s --check-prefix=ENC
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=4" --aegis-nn-place-bootstraps="placement=greedy" --aegis-nn-to-ckks --aegis-ckks-emit-artifact="output=%t/greedy.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-run %t/greedy.aegis --input %t/x.npy --reference %t/ref.npy --no-progress 2>&1 | FileCheck %s --check-prefix=ENC
// ENC: output 'y' [1x4x8]: max abs error {{[0-9]\.[0-9]+}}e-0{{[4-9]}}
// An unknown placement is refused.
// RUN: not aegis-opt %s --aegis-nn-select-parameters --aegis-nn-place-bootstraps="placement=ilp" --aegis-nn-to-ckks 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: aegis-nn-place-bootstraps: placement must be mincut or greedy, got 'ilp'
module {
  func.func @main(%x: tensor<1x4x8xf32> {nn.name = "x"}) -> (tensor<1x4x8xf32> {nn.name = "y"}) {
    %s = nn.mul %x, %x : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %a = nn.mul %s, %s : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %p = nn.mul %a, %a : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %q = nn.mul %a, %x : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %pp = nn.mul %p, %p : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %qq = nn.mul %q, %q : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %r = nn.add %pp, %qq : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %u = nn.add %r, %x : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    return %u : tensor<1x4x8xf32>
  }
}
