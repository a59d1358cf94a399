// Every stage of the lowering needs one entry function: 'main', or the
// module's only function.
// RUN: not aegis-opt %s --aegis-nn-select-parameters 2>&1 | FileCheck %s --check-prefix=SELECT
// SELECT: error: aegis-nn-select-parameters: need a function named 'main' or exactly one function
// RUN: not aegis-opt %s --aegis-nn-approximate 2>&1 | FileCheck %s --check-prefix=APPROX
// APPROX: error: aegis-nn-approximate: need a function named 'main' or exactly one function
// RUN: not aegis-opt %s --aegis-nn-place-bootstraps 2>&1 | FileCheck %s --check-prefix=PLACE
// PLACE: error: aegis-nn-place-bootstraps: need a function named 'main' or exactly one function
// RUN: not aegis-opt %s --aegis-nn-to-ckks 2>&1 | FileCheck %s --check-prefix=LOWER
// LOWER: error: aegis-nn-to-ckks: need a function named 'main' or exactly one function
module attributes {ckks.approximation = {margin = 2.500000e-01 : f64, max_error = 1.000000e-03 : f64}, ckks.bootstrap_plan = {depth = 0 : i64, lower_bound = 0 : i64, placement = "none", why = "no bootstrapping"}, ckks.choices = {bootstrapping = "off", ring = "fixed"}, ckks.nominal_scale = 36 : i32, ckks.packing = {slots = 512 : i64, token_tile = 4 : i64}, ckks.params = #ckks.params<logN = 10, logQ = [56, 36, 36, 36, 36], logP = [60, 60], dnum = 3>, ckks.security = "toy"} {
  func.func @a(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
    return %x : tensor<1x4x8xf32>
  }
  func.func @b(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
    return %x : tensor<1x4x8xf32>
  }
}
