// RUN: aegis-opt %s --split-input-file --verify-diagnostics

// Every verifier message of the ckks dialect.

// expected-error @+1 {{slot count must be a power of two, got 12}}
func.func @slots_not_pow2(%a: !ckks.ct<slots = 12, level = 1, logScale = 40>)

// -----

// expected-error @+1 {{logScale must be in [1, 256], got 0}}
func.func @zero_scale(%a: !ckks.pt<slots = 8, level = 1, logScale = 0>)

// -----

// expected-error @+1 {{ciphertext size must be 2 or 3 polynomials, got 4}}
func.func @bad_size(%a: !ckks.ct<slots = 8, level = 1, logScale = 40, size = 4>)

// -----

// expected-error @+1 {{logN must be in [10, 17], got 9}}
module attributes {ckks.params = #ckks.params<logN = 9, logQ = [60], logP = [60], dnum = 1>} {}

// -----

// expected-error @+1 {{prime sizes must be in [18, 60] bits, got 61}}
module attributes {ckks.params = #ckks.params<logN = 12, logQ = [61], logP = [60], dnum = 1>} {}

// -----

// expected-error @+1 {{dnum must be in [1, 2] (the number of Q primes), got 3}}
module attributes {ckks.params = #ckks.params<logN = 12, logQ = [60, 40], logP = [60], dnum = 3>} {}

// -----

// expected-error @+1 {{the special primes (60 bits) must cover the largest key-switching digit (100 bits with dnum = 2); raise dnum or add special primes}}
module attributes {ckks.params = #ckks.params<logN = 13, logQ = [60, 40, 40, 40], logP = [60], dnum = 2>} {}

// -----

// expected-error @+1 {{'ckks.params' must be a #ckks.params attribute}}
module attributes {ckks.params = 3 : i64} {}

// -----

// expected-error @+1 {{unknown ckks attribute 'ckks.bogus'}}
module attributes {ckks.bogus = 3 : i64} {}

// -----

// expected-error @+1 {{'ckks.bootstrap_transform_levels' must be an integer level count in 1..4}}
module attributes {ckks.bootstrap_transform_levels = 5 : i32} {}

// -----

// The decisions of aegis-nn-select-parameters and aegis-nn-place-bootstraps.
// expected-error @+1 {{'ckks.packing' needs a field 'token_tile' of the right kind}}
module attributes {ckks.packing = {slots = 64 : i64}} {}

// -----

// expected-error @+1 {{'ckks.approximation' must be a dictionary}}
module attributes {ckks.approximation = 0.25 : f64} {}

// -----

// expected-error @+1 {{'ckks.choices' needs a field 'ring' of the right kind}}
module attributes {ckks.choices = {ring = 16 : i64, bootstrapping = "off"}} {}

// -----

// expected-error @+1 {{'ckks.security' must be "128" or "toy"}}
module attributes {ckks.security = "80"} {}

// -----

// expected-error @+1 {{'ckks.bootstrap_levels' must be an integer level count in 3..60}}
module attributes {ckks.bootstrap_levels = 2 : i32} {}

// -----

// expected-error @+1 {{'ckks.bootstrap_plan' with placement "mincut" needs refresh (array<i32>), values and stages}}
module attributes {ckks.bootstrap_plan = {placement = "mincut", why = "", depth = 4 : i64, lower_bound = 1 : i64, values = 21 : i64, stages = 1 : i64}} {}

// -----

// expected-error @+1 {{'ckks.bootstrap_plan' needs a field 'depth' of the right kind}}
module attributes {ckks.bootstrap_plan = {placement = "none", why = ""}} {}

// -----

module {
  func.func @f() {
    // expected-error @+1 {{'ckks.refresh_depth' must be a non-negative integer}}
    func.return {ckks.refresh_depth = -1 : i64}
  }
}

// -----

module {
  // expected-error @+1 {{'ckks.params' may only be attached to a builtin.module}}
  func.func @f() attributes {ckks.params = #ckks.params<logN = 12, logQ = [60], logP = [60], dnum = 1>} {
    return
  }
}

// -----

// expected-error @+1 {{'ckks.rotation_keys' must be an array<i64: ...>}}
module attributes {ckks.rotation_keys = [1, 2]} {}

// -----

// expected-error @+1 {{'ckks.needs_conjugation_key' must be a unit attribute}}
module attributes {ckks.needs_conjugation_key = 1 : i64} {}

// -----

module attributes {ckks.params = #ckks.params<logN = 12, logQ = [60, 40], logP = [60], dnum = 2>} {
  func.func @level_beyond_chain(%a: !ckks.ct<slots = 8, level = 2, logScale = 40>) {
    // expected-error @+1 {{'ckks.negate' op operand level 2 exceeds the maximum level 1 of the module's ckks.params}}
    %0 = ckks.negate %a : !ckks.ct<slots = 8, level = 2, logScale = 40> -> !ckks.ct<slots = 8, level = 2, logScale = 40>
    return
  }
}

// -----

module attributes {ckks.params = #ckks.params<logN = 10, logQ = [60, 40], logP = [60], dnum = 2>} {
  func.func @too_many_slots(%a: !ckks.ct<slots = 1024, level = 1, logScale = 40>) {
    // expected-error @+1 {{'ckks.negate' op operand slot count 1024 exceeds N/2 = 512 of the module's ckks.params}}
    %0 = ckks.negate %a : !ckks.ct<slots = 1024, level = 1, logScale = 40> -> !ckks.ct<slots = 1024, level = 1, logScale = 40>
    return
  }
}

// -----

func.func @encode_too_long(%v: tensor<16xf64>) {
  // expected-error @+1 {{'ckks.encode' op expects at most 8 values (the slot count), got 16}}
  %0 = ckks.encode %v : tensor<16xf64> -> !ckks.pt<slots = 8, level = 1, logScale = 40>
  return
}

// -----

func.func @encode_2d(%v: tensor<2x4xf64>) {
  // expected-error @+1 {{'ckks.encode' op expects a static 1-D tensor, got 'tensor<2x4xf64>'}}
  %0 = ckks.encode %v : tensor<2x4xf64> -> !ckks.pt<slots = 8, level = 1, logScale = 40>
  return
}

// -----

func.func @encode_int(%v: tensor<8xi32>) {
  // expected-error @+1 {{'ckks.encode' op operand #0 must be tensor of 32-bit float or 64-bit float or complex type with 32-bit float elements or complex type with 64-bit float elements values}}
  %0 = ckks.encode %v : tensor<8xi32> -> !ckks.pt<slots = 8, level = 1, logScale = 40>
  return
}

// -----

func.func @decode_too_long(%p: !ckks.pt<slots = 4, level = 1, logScale = 40>) {
  // expected-error @+1 {{'ckks.decode' op expects at most 4 values (the slot count), got 8}}
  %0 = ckks.decode %p : !ckks.pt<slots = 4, level = 1, logScale = 40> -> tensor<8xf64>
  return
}

// -----

func.func @add_level_mismatch(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>, %b: !ckks.ct<slots = 8, level = 2, logScale = 40>) {
  // expected-error @+1 {{'ckks.add' op expects operands at the same level, got 3 and 2}}
  %0 = ckks.add %a, %b : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.ct<slots = 8, level = 2, logScale = 40>) -> !ckks.ct<slots = 8, level = 3, logScale = 40>
  return
}

// -----

func.func @sub_scale_mismatch(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>, %b: !ckks.ct<slots = 8, level = 3, logScale = 30>) {
  // expected-error @+1 {{'ckks.sub' op expects operands with the same logScale, got 40 and 30}}
  %0 = ckks.sub %a, %b : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.ct<slots = 8, level = 3, logScale = 30>) -> !ckks.ct<slots = 8, level = 3, logScale = 40>
  return
}

// -----

func.func @add_slots_mismatch(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>, %b: !ckks.ct<slots = 16, level = 3, logScale = 40>) {
  // expected-error @+1 {{'ckks.add' op expects operands with the same slot count, got 8 and 16}}
  %0 = ckks.add %a, %b : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.ct<slots = 16, level = 3, logScale = 40>) -> !ckks.ct<slots = 8, level = 3, logScale = 40>
  return
}

// -----

func.func @add_wrong_size(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>, %b: !ckks.ct<slots = 8, level = 3, logScale = 40, size = 3>) {
  // expected-error @+1 {{'ckks.add' op expects result type '!ckks.ct<slots = 8, level = 3, logScale = 40, size = 3>', got '!ckks.ct<slots = 8, level = 3, logScale = 40>'}}
  %0 = ckks.add %a, %b : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.ct<slots = 8, level = 3, logScale = 40, size = 3>) -> !ckks.ct<slots = 8, level = 3, logScale = 40>
  return
}

// -----

func.func @mul_size3(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>, %b: !ckks.ct<slots = 8, level = 3, logScale = 40, size = 3>) {
  // expected-error @+1 {{'ckks.mul' op expects a size-2 ciphertext, got size 3; relinearize it before multiplying again}}
  %0 = ckks.mul %a, %b : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.ct<slots = 8, level = 3, logScale = 40, size = 3>) -> !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3>
  return
}

// -----

func.func @mul_bad_scale(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>, %b: !ckks.ct<slots = 8, level = 3, logScale = 30>) {
  // expected-error @+1 {{'ckks.mul' op expects result type '!ckks.ct<slots = 8, level = 3, logScale = 70, size = 3>', got '!ckks.ct<slots = 8, level = 3, logScale = 80, size = 3>'}}
  %0 = ckks.mul %a, %b : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.ct<slots = 8, level = 3, logScale = 30>) -> !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3>
  return
}

// -----

func.func @mul_level_mismatch(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>, %b: !ckks.ct<slots = 8, level = 1, logScale = 40>) {
  // expected-error @+1 {{'ckks.mul' op expects operands at the same level, got 3 and 1}}
  %0 = ckks.mul %a, %b : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.ct<slots = 8, level = 1, logScale = 40>) -> !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3>
  return
}

// -----

func.func @negate_changes_type(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>) {
  // expected-error @+1 {{'ckks.negate' op expects result type '!ckks.ct<slots = 8, level = 3, logScale = 40>', got '!ckks.ct<slots = 8, level = 2, logScale = 40>'}}
  %0 = ckks.negate %a : !ckks.ct<slots = 8, level = 3, logScale = 40> -> !ckks.ct<slots = 8, level = 2, logScale = 40>
  return
}

// -----

func.func @add_plain_scale(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>, %p: !ckks.pt<slots = 8, level = 3, logScale = 41>) {
  // expected-error @+1 {{'ckks.add_plain' op expects operands with the same logScale, got 40 and 41}}
  %0 = ckks.add_plain %a, %p : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.pt<slots = 8, level = 3, logScale = 41>) -> !ckks.ct<slots = 8, level = 3, logScale = 40>
  return
}

// -----

func.func @sub_plain_level(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>, %p: !ckks.pt<slots = 8, level = 2, logScale = 40>) {
  // expected-error @+1 {{'ckks.sub_plain' op expects operands at the same level, got 3 and 2}}
  %0 = ckks.sub_plain %a, %p : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.pt<slots = 8, level = 2, logScale = 40>) -> !ckks.ct<slots = 8, level = 3, logScale = 40>
  return
}

// -----

func.func @mul_plain_scale(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>, %p: !ckks.pt<slots = 8, level = 3, logScale = 30>) {
  // expected-error @+1 {{'ckks.mul_plain' op expects result type '!ckks.ct<slots = 8, level = 3, logScale = 70>', got '!ckks.ct<slots = 8, level = 3, logScale = 40>'}}
  %0 = ckks.mul_plain %a, %p : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.pt<slots = 8, level = 3, logScale = 30>) -> !ckks.ct<slots = 8, level = 3, logScale = 40>
  return
}

// -----

func.func @add_const_type(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>) {
  // expected-error @+1 {{'ckks.add_const' op expects result type '!ckks.ct<slots = 8, level = 3, logScale = 40>', got '!ckks.ct<slots = 8, level = 3, logScale = 41>'}}
  %0 = ckks.add_const %a, 1.0 : !ckks.ct<slots = 8, level = 3, logScale = 40> -> !ckks.ct<slots = 8, level = 3, logScale = 41>
  return
}

// -----

func.func @mul_const_lower_scale(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>) {
  // expected-error @+1 {{'ckks.mul_const' op expects the result logScale (30) to be at least the input logScale (40)}}
  %0 = ckks.mul_const %a, 2.0 : !ckks.ct<slots = 8, level = 3, logScale = 40> -> !ckks.ct<slots = 8, level = 3, logScale = 30>
  return
}

// -----

func.func @mul_const_fraction(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>) {
  // expected-error @+1 {{'ckks.mul_const' op multiplies by an integer when the scale is unchanged, but 5.000000e-01 is not an integer; raise the result logScale to encode it}}
  %0 = ckks.mul_const %a, 0.5 : !ckks.ct<slots = 8, level = 3, logScale = 40> -> !ckks.ct<slots = 8, level = 3, logScale = 40>
  return
}

// -----

func.func @mul_const_level(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>) {
  // expected-error @+1 {{'ckks.mul_const' op expects result type '!ckks.ct<slots = 8, level = 3, logScale = 80>', got '!ckks.ct<slots = 8, level = 2, logScale = 80>'}}
  %0 = ckks.mul_const %a, 0.5 : !ckks.ct<slots = 8, level = 3, logScale = 40> -> !ckks.ct<slots = 8, level = 2, logScale = 80>
  return
}

// -----

func.func @relin_size2(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>) {
  // expected-error @+1 {{'ckks.relinearize' op expects a size-3 ciphertext (the output of ckks.mul), got size 2}}
  %0 = ckks.relinearize %a : !ckks.ct<slots = 8, level = 3, logScale = 40> -> !ckks.ct<slots = 8, level = 3, logScale = 40>
  return
}

// -----

func.func @relin_result(%a: !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3>) {
  // expected-error @+1 {{'ckks.relinearize' op expects result type '!ckks.ct<slots = 8, level = 3, logScale = 80>', got '!ckks.ct<slots = 8, level = 3, logScale = 40>'}}
  %0 = ckks.relinearize %a : !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3> -> !ckks.ct<slots = 8, level = 3, logScale = 40>
  return
}

// -----

func.func @rescale_level0(%a: !ckks.ct<slots = 8, level = 0, logScale = 80>) {
  // expected-error @+1 {{'ckks.rescale' op cannot rescale a ciphertext at level 0; bootstrap it first}}
  %0 = ckks.rescale %a : !ckks.ct<slots = 8, level = 0, logScale = 80> -> !ckks.ct<slots = 8, level = 0, logScale = 40>
  return
}

// -----

func.func @rescale_two_levels(%a: !ckks.ct<slots = 8, level = 3, logScale = 80>) {
  // expected-error @+1 {{'ckks.rescale' op expects the result level to be 2 (one below the input), got 1}}
  %0 = ckks.rescale %a : !ckks.ct<slots = 8, level = 3, logScale = 80> -> !ckks.ct<slots = 8, level = 1, logScale = 40>
  return
}

// -----

func.func @rescale_slots(%a: !ckks.ct<slots = 8, level = 3, logScale = 80>) {
  // expected-error @+1 {{'ckks.rescale' op expects the result to keep the input's slots and size}}
  %0 = ckks.rescale %a : !ckks.ct<slots = 8, level = 3, logScale = 80> -> !ckks.ct<slots = 4, level = 2, logScale = 40>
  return
}

// -----

func.func @rescale_no_drop(%a: !ckks.ct<slots = 8, level = 3, logScale = 80>) {
  // expected-error @+1 {{'ckks.rescale' op expects the result logScale (80) to be below the input logScale (80)}}
  %0 = ckks.rescale %a : !ckks.ct<slots = 8, level = 3, logScale = 80> -> !ckks.ct<slots = 8, level = 2, logScale = 80>
  return
}

// -----

module attributes {ckks.params = #ckks.params<logN = 12, logQ = [60, 40, 30], logP = [60], dnum = 3>} {
  func.func @rescale_exact(%a: !ckks.ct<slots = 8, level = 2, logScale = 80>) {
    // expected-error @+1 {{'ckks.rescale' op expects the result logScale to be 50 (input 80 minus 30 bits of q_2), got 40}}
    %0 = ckks.rescale %a : !ckks.ct<slots = 8, level = 2, logScale = 80> -> !ckks.ct<slots = 8, level = 1, logScale = 40>
    return
  }
}

// -----

module attributes {ckks.params = #ckks.params<logN = 12, logQ = [60, 40, 40], logP = [60], dnum = 3>} {
  func.func @rescale_underflow(%a: !ckks.ct<slots = 8, level = 2, logScale = 30>) {
    // expected-error @+1 {{'ckks.rescale' op rescaling logScale 30 by the 40-bit prime q_2 leaves no scale}}
    %0 = ckks.rescale %a : !ckks.ct<slots = 8, level = 2, logScale = 30> -> !ckks.ct<slots = 8, level = 1, logScale = 1>
    return
  }
}

// -----

func.func @level_up(%a: !ckks.ct<slots = 8, level = 1, logScale = 40>) {
  // expected-error @+1 {{'ckks.level_down' op cannot raise the level from 1 to 2; use ckks.bootstrap}}
  %0 = ckks.level_down %a : !ckks.ct<slots = 8, level = 1, logScale = 40> -> !ckks.ct<slots = 8, level = 2, logScale = 40>
  return
}

// -----

func.func @level_down_scale(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>) {
  // expected-error @+1 {{'ckks.level_down' op expects result type '!ckks.ct<slots = 8, level = 1, logScale = 40>', got '!ckks.ct<slots = 8, level = 1, logScale = 30>'}}
  %0 = ckks.level_down %a : !ckks.ct<slots = 8, level = 3, logScale = 40> -> !ckks.ct<slots = 8, level = 1, logScale = 30>
  return
}

// -----

func.func @rotate_too_far(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>) {
  // expected-error @+1 {{'ckks.rotate' op expects |offset| < 8 (the slot count), got -8}}
  %0 = ckks.rotate %a by -8 : !ckks.ct<slots = 8, level = 3, logScale = 40> -> !ckks.ct<slots = 8, level = 3, logScale = 40>
  return
}

// -----

func.func @rotate_sum_counts(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>) {
  // expected-error @+1 {{'ckks.rotate_sum' op expects one offset per input (at least one), got 2 inputs and 1 offsets}}
  %0 = ckks.rotate_sum %a, %a by [1] : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.ct<slots = 8, level = 3, logScale = 40>) -> !ckks.ct<slots = 8, level = 3, logScale = 40>
  return
}

// -----

func.func @rotate_sum_types(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>, %b: !ckks.ct<slots = 8, level = 2, logScale = 40>) {
  // expected-error @+1 {{'ckks.rotate_sum' op expects every input of the result's type '!ckks.ct<slots = 8, level = 3, logScale = 40>', got '!ckks.ct<slots = 8, level = 2, logScale = 40>'}}
  %0 = ckks.rotate_sum %a, %b by [1, 2] : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.ct<slots = 8, level = 2, logScale = 40>) -> !ckks.ct<slots = 8, level = 3, logScale = 40>
  return
}

// -----

func.func @rotate_sum_too_far(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>) {
  // expected-error @+1 {{'ckks.rotate_sum' op expects |offset| < 8 (the slot count), got 8}}
  %0 = ckks.rotate_sum %a, %a by [1, 8] : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.ct<slots = 8, level = 3, logScale = 40>) -> !ckks.ct<slots = 8, level = 3, logScale = 40>
  return
}

// -----

func.func @rotate_sum_size3(%a: !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3>) {
  // expected-error @+1 {{'ckks.rotate_sum' op expects a size-2 ciphertext, got size 3; relinearize it before rotating}}
  %0 = ckks.rotate_sum %a by [1] : (!ckks.ct<slots = 8, level = 3, logScale = 80, size = 3>) -> !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3>
  return
}

// -----

func.func @rotate_size3(%a: !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3>) {
  // expected-error @+1 {{'ckks.rotate' op expects a size-2 ciphertext, got size 3; relinearize it before rotating}}
  %0 = ckks.rotate %a by 1 : !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3> -> !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3>
  return
}

// -----

func.func @rotate_result(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>) {
  // expected-error @+1 {{'ckks.rotate' op expects result type '!ckks.ct<slots = 8, level = 3, logScale = 40>', got '!ckks.ct<slots = 8, level = 2, logScale = 40>'}}
  %0 = ckks.rotate %a by 1 : !ckks.ct<slots = 8, level = 3, logScale = 40> -> !ckks.ct<slots = 8, level = 2, logScale = 40>
  return
}

// -----

func.func @conjugate_size3(%a: !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3>) {
  // expected-error @+1 {{'ckks.conjugate' op expects a size-2 ciphertext, got size 3; relinearize it before conjugating}}
  %0 = ckks.conjugate %a : !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3> -> !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3>
  return
}

// -----

func.func @conjugate_result(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>) {
  // expected-error @+1 {{'ckks.conjugate' op expects result type '!ckks.ct<slots = 8, level = 3, logScale = 40>', got '!ckks.ct<slots = 16, level = 3, logScale = 40>'}}
  %0 = ckks.conjugate %a : !ckks.ct<slots = 8, level = 3, logScale = 40> -> !ckks.ct<slots = 16, level = 3, logScale = 40>
  return
}

// -----

func.func @bootstrap_size3(%a: !ckks.ct<slots = 8, level = 0, logScale = 80, size = 3>) {
  // expected-error @+1 {{'ckks.bootstrap' op expects a size-2 ciphertext, got size 3; relinearize it before bootstrapping}}
  %0 = ckks.bootstrap %a : !ckks.ct<slots = 8, level = 0, logScale = 80, size = 3> -> !ckks.ct<slots = 8, level = 5, logScale = 40>
  return
}

// -----

func.func @bootstrap_down(%a: !ckks.ct<slots = 8, level = 3, logScale = 40>) {
  // expected-error @+1 {{'ckks.bootstrap' op expects the result level (3) to exceed the input level (3)}}
  %0 = ckks.bootstrap %a : !ckks.ct<slots = 8, level = 3, logScale = 40> -> !ckks.ct<slots = 8, level = 3, logScale = 40>
  return
}

// -----

func.func @bootstrap_slots(%a: !ckks.ct<slots = 8, level = 0, logScale = 40>) {
  // expected-error @+1 {{'ckks.bootstrap' op expects a size-2 result with the input's slot count}}
  %0 = ckks.bootstrap %a : !ckks.ct<slots = 8, level = 0, logScale = 40> -> !ckks.ct<slots = 16, level = 4, logScale = 40>
  return
}

// -----

module attributes {ckks.params = #ckks.params<logN = 12, logQ = [60, 40, 40], logP = [60], dnum = 3>} {
  func.func @bootstrap_beyond_chain(%a: !ckks.ct<slots = 8, level = 0, logScale = 40>) {
    // expected-error @+1 {{'ckks.bootstrap' op result level 5 exceeds the maximum level 2 of the module's ckks.params}}
    %0 = ckks.bootstrap %a : !ckks.ct<slots = 8, level = 0, logScale = 40> -> !ckks.ct<slots = 8, level = 5, logScale = 40>
    return
  }
}

// -----

func.func @dot_plain_counts(%a: !ckks.ct<slots = 8, level = 1, logScale = 40>, %p: !ckks.pt<slots = 8, level = 1, logScale = 40>) {
  // expected-error @+1 {{expects as many plaintexts as inputs (at least one), got 2 inputs and 1 plaintexts}}
  %0 = ckks.dot_plain %a, %a by %p : (!ckks.ct<slots = 8, level = 1, logScale = 40>, !ckks.ct<slots = 8, level = 1, logScale = 40>), (!ckks.pt<slots = 8, level = 1, logScale = 40>) -> !ckks.ct<slots = 8, level = 1, logScale = 80>
  return
}

// -----

func.func @dot_plain_levels(%a: !ckks.ct<slots = 8, level = 1, logScale = 40>, %b: !ckks.ct<slots = 8, level = 2, logScale = 40>, %p: !ckks.pt<slots = 8, level = 1, logScale = 40>) {
  // expected-error @+1 {{expects every input of one type}}
  %0 = ckks.dot_plain %a, %b by %p, %p : (!ckks.ct<slots = 8, level = 1, logScale = 40>, !ckks.ct<slots = 8, level = 2, logScale = 40>), (!ckks.pt<slots = 8, level = 1, logScale = 40>, !ckks.pt<slots = 8, level = 1, logScale = 40>) -> !ckks.ct<slots = 8, level = 1, logScale = 80>
  return
}

// -----

func.func @dot_plain_result(%a: !ckks.ct<slots = 8, level = 1, logScale = 40>, %p: !ckks.pt<slots = 8, level = 1, logScale = 30>) {
  // expected-error @+1 {{expects result type '!ckks.ct<slots = 8, level = 1, logScale = 70>'}}
  %0 = ckks.dot_plain %a by %p : (!ckks.ct<slots = 8, level = 1, logScale = 40>), (!ckks.pt<slots = 8, level = 1, logScale = 30>) -> !ckks.ct<slots = 8, level = 1, logScale = 80>
  return
}

// -----

func.func @mul_i_changes_level(%a: !ckks.ct<slots = 8, level = 2, logScale = 40>) -> !ckks.ct<slots = 8, level = 1, logScale = 40> {
  // expected-error @+1 {{'ckks.mul_i' op}}
  %0 = ckks.mul_i %a : !ckks.ct<slots = 8, level = 2, logScale = 40> -> !ckks.ct<slots = 8, level = 1, logScale = 40>
  return %0 : !ckks.ct<slots = 8, level = 1, logScale = 40>
}

// -----

func.func @hoisted_not_rotation(%a: !ckks.ct<slots = 8, level = 2, logScale = 40>) -> !ckks.ct<slots = 8, level = 2, logScale = 40> {
  // expected-error @+1 {{'ckks.hoisted' must be an integer >= 2 on a ckks.rotate}}
  %0 = ckks.negate %a {ckks.hoisted = 2 : i64} : !ckks.ct<slots = 8, level = 2, logScale = 40> -> !ckks.ct<slots = 8, level = 2, logScale = 40>
  return %0 : !ckks.ct<slots = 8, level = 2, logScale = 40>
}

// -----

func.func @hoisted_run_broken(%a: !ckks.ct<slots = 8, level = 2, logScale = 40>, %b: !ckks.ct<slots = 8, level = 2, logScale = 40>) -> (!ckks.ct<slots = 8, level = 2, logScale = 40>, !ckks.ct<slots = 8, level = 2, logScale = 40>) {
  // expected-error @+1 {{'ckks.hoisted' = 2: op 1 after it is not a rotation of the same ciphertext}}
  %0 = ckks.rotate %a by 1 {ckks.hoisted = 2 : i64} : !ckks.ct<slots = 8, level = 2, logScale = 40> -> !ckks.ct<slots = 8, level = 2, logScale = 40>
  %1 = ckks.rotate %b by 2 : !ckks.ct<slots = 8, level = 2, logScale = 40> -> !ckks.ct<slots = 8, level = 2, logScale = 40>
  return %0, %1 : !ckks.ct<slots = 8, level = 2, logScale = 40>, !ckks.ct<slots = 8, level = 2, logScale = 40>
}
