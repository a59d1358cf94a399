// The lowering's decisions, one pass each, recorded on the module so that
// each stage can be run and inspected alone (docs/Lowering.md, "The
// pipeline"). The program: x^4 used on two branches needing 2 more levels
// each (see bootstrap-placement.mlir).
//
// aegis-nn-select-parameters, toy, no bootstrapping: the smallest ring whose
// slots hold 4 token slots x 8 features, a chain sized to the depth (4
// levels), the packing, the approximation knobs and why.
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy" | FileCheck %s --check-prefix=TOY
// TOY: module attributes {ckks.approximation = {margin = 2.500000e-01 : f64, max_error = 1.000000e-03 : f64}, ckks.choices = {bootstrapping = "bootstrapping off (toy parameters)", ring = "the smallest (at least 2^10) whose slots hold 4 token slots x 8 features"}, ckks.nominal_scale = 36 : i32, ckks.packing = {slots = 512 : i64, token_tile = 4 : i64}, ckks.params = #ckks.params<logN = 10, logQ = [56, 36, 36, 36, 36], logP = [60, 60], dnum = 3>, ckks.security = "toy"}
// TOY-NOT: ckks.bootstrap_levels
// The nn program itself is untouched.
// TOY: nn.mul %arg0, %arg0 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
//
// Its knobs: approximation margin and error, the ring.
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy margin=0.5 approx-error=1e-4 log-n=12" | FileCheck %s --check-prefix=KNOBS
// KNOBS: ckks.approximation = {margin = 5.000000e-01 : f64, max_error = 1.000000e-04 : f64}
// KNOBS-SAME: ring = "log-n fixed"
// KNOBS-SAME: ckks.packing = {slots = 2048 : i64, token_tile = 4 : i64}
// KNOBS-SAME: logN = 12
//
// 128-bit with bootstrapping: the bootstrapping chain at N = 2^16 with 9
// levels between bootstraps (the most the bound allows), sparse slots.
// RUN: aegis-opt %s --aegis-nn-select-parameters="bootstrap=true" | FileCheck %s --check-prefix=SECURE
// SECURE: ckks.bootstrap_levels = 9 : i32, ckks.bootstrap_transform_levels = 3 : i32
// SECURE-SAME: sparse slots: 64 of 32768
// SECURE-SAME: ckks.nominal_scale = 42 : i32, ckks.packing = {slots = 64 : i64, token_tile = 4 : i64}, ckks.params = #ckks.params<logN = 16
// SECURE-SAME: ckks.security = "128"
//
// aegis-nn-place-bootstraps: nothing to place without bootstrapping ...
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy" --aegis-nn-place-bootstraps | FileCheck %s --check-prefix=NONE
// NONE: ckks.bootstrap_plan = {depth = 0 : i64, lower_bound = 0 : i64, placement = "none", why = "no bootstrapping"}
// ... with minimum cuts, one refresh (of value 6, x^4) among the program's
// 21 values, and the bound: the longest path spends 4 levels, 3 per refresh.
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=4" --aegis-nn-place-bootstraps | FileCheck %s --check-prefix=MINCUT
// MINCUT: ckks.bootstrap_plan = {depth = 4 : i64, lower_bound = 1 : i64, placement = "mincut", refresh = array<i32: 6>, stages = 1 : i64, values = 21 : i64, why = "placed over the whole program by minimum cuts in 1 stages"}
// ... greedy: the levels each nn op spends, on the op.
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=4" --aegis-nn-place-bootstraps="placement=greedy" | FileCheck %s --check-prefix=GREEDY
// GREEDY: ckks.bootstrap_plan = {depth = 4 : i64, lower_bound = 1 : i64, placement = "greedy", why = "on demand (bootstrap-placement=greedy)"}
// GREEDY: nn.mul %arg0, %arg0 {ckks.refresh_depth = 1 : i64}
// GREEDY: nn.add %{{.*}}, %{{.*}} {ckks.refresh_depth = 0 : i64}
//
// aegis-nn-to-ckks replays what is recorded: a plan edited to refresh x^2
// (value 3) instead of x^4 gives that program (x^2 refreshed at level 3,
// which also leaves every path enough levels); the selection-only
// attributes are consumed, the parameters stay.
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=4" --aegis-nn-place-bootstraps | sed 's/refresh = array<i32: 6>/refresh = array<i32: 3>/' | aegis-opt --aegis-nn-to-ckks --aegis-ckks-report 2>&1 | FileCheck %s --check-prefix=EDITED
// EDITED: bootstraps 1 (
// EDITED-NOT: on demand
// EDITED: module attributes {ckks.bootstrap_headroom = 0 : i32, ckks.bootstrap_levels = 4 : i32, ckks.bootstrap_transform_levels = 3 : i32, ckks.compile_notes = {{{.*}}}, ckks.nominal_scale = 42 : i32, ckks.packing = {slots = 64 : i64, token_tile = 4 : i64}, ckks.params = #ckks.params<{{.*}}>, ckks.security = "toy"}
// EDITED: %[[S:.*]] = ckks.rescale %{{.*}} : !ct_L4_S84 -> !ct_L3_S42
// EDITED-NEXT: ckks.bootstrap %[[S]] : !ct_L3_S42 -> !ct_L4_S42
//
// A plan made for another program (more values than this one has) is not
// replayed: on demand, and the report says why.
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=4" --aegis-nn-place-bootstraps | sed 's/values = 21/values = 30/' | aegis-opt --aegis-nn-to-ckks --aegis-ckks-report 2>&1 | FileCheck %s --check-prefix=OTHER
// OTHER: on demand (the placement's program differed from the final lowering: was the module changed after aegis-nn-place-bootstraps?)
//
// Bad input: each stage refuses to run without the one before, a plan
// naming values the program does not have, bad knobs.
// RUN: not aegis-opt %s --aegis-nn-to-ckks 2>&1 | FileCheck %s --check-prefix=NOSELECT
// NOSELECT: error: aegis-nn-to-ckks: the module has no parameters and packing (ckks.params, ckks.packing, ckks.approximation): run aegis-nn-select-parameters first, or --aegis-compile
// RUN: not aegis-opt %s --aegis-nn-place-bootstraps 2>&1 | FileCheck %s --check-prefix=NOSELECT2
// NOSELECT2: error: aegis-nn-place-bootstraps: the module has no parameters and packing
// RUN: not aegis-opt %s --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=4" --aegis-nn-to-ckks 2>&1 | FileCheck %s --check-prefix=NOPLACE
// NOPLACE: error: aegis-nn-to-ckks: the parameters bootstrap but the module has no bootstrap placement (ckks.bootstrap_plan): run aegis-nn-place-bootstraps first, or --aegis-compile
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy bootstrap=true bootstrap-levels=4" --aegis-nn-place-bootstraps | sed 's/refresh = array<i32: 6>/refresh = array<i32: 99>/' | not aegis-opt --aegis-nn-to-ckks 2>&1 | FileCheck %s --check-prefix=RANGE
// RANGE: error: aegis-nn-to-ckks: the bootstrap plan refreshes value 99 of a program of 21 values
// RUN: not aegis-opt %s --aegis-nn-select-parameters="margin=-1" 2>&1 | FileCheck %s --check-prefix=MARGIN
// MARGIN: error: aegis-nn-select-parameters: margin must be in 0..10 and approx-error in (0, 1), got -1.000000e+00 and 1.000000e-03
// RUN: aegis-opt %s --aegis-nn-select-parameters="security=toy" | sed 's/token_tile = 4/token_tile = 3/' | not aegis-opt --aegis-nn-to-ckks 2>&1 | FileCheck %s --check-prefix=PACKING
// PACKING: error: aegis-nn-to-ckks: inconsistent parameters and packing on the module (5 primes, 512 slots, token tile 3, 0 levels between bootstraps)
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
