//===- Passes.td - nn to ckks lowering ---------------------*- tablegen -*-===//

#ifndef AEGIS_CONVERSION_NNTOCKKS_PASSES
#define AEGIS_CONVERSION_NNTOCKKS_PASSES

include "mlir/Pass/PassBase.td"

def SelectParameters : Pass<"aegis-nn-select-parameters", "::mlir::ModuleOp"> {
  let summary = "Chooses the packing, ring, modulus chain and bootstrapping";
  let description = [{
    Decides, for a fused and calibrated `nn` program, everything the
    lowering's shape depends on, and records it on the module for the passes
    after it (aegis-nn-place-bootstraps, aegis-nn-to-ckks):

    * `ckks.params`: ring degree, chain and special primes, digits (dnum);
    * `ckks.nominal_scale`, `ckks.security` ("128" or "toy");
    * `ckks.packing = {slots, token_tile}`: every ciphertext packs `slots`
      slots as blocks of `token_tile` token slots (one block per feature);
    * `ckks.approximation = {margin, max_error}` for the polynomial fits;
    * with bootstrapping, `ckks.bootstrap_levels` (application levels
      between bootstraps) and `ckks.bootstrap_transform_levels`;
    * `ckks.choices = {ring, bootstrapping}`: why, in words (the report).

    It lowers the program with a counting sink (no IR) at a virtual top
    level to measure its depth, sizes the chain to it, and at 128-bit grows
    the ring until the chain meets the HE Standard bound; `bootstrap=auto`
    bootstraps at N = 2^16 instead of going past it. With bootstrapping the
    chain is the bootstrapping one (nominal scale 2^42) with the most levels
    between bootstraps the bound allows, and ciphertexts pack the fewest
    slots (>= 64) that hold the widest tensor (sparse bootstraps). Tokens
    are tiled when a head would not fit a ciphertext's feature blocks.

    `aegis-opt m.mlir --aegis-nn-select-parameters="security=toy"`
  }];
  let dependentDialects = ["::mlir::aegis::ckks::CKKSDialect"];
  let options = [
    Option<"security", "security", "std::string", "\"128\"",
           "128 (HE Standard bound enforced) or toy (tests only: insecure)">,
    Option<"scaleBits", "scale-bits", "unsigned", "0",
           "log2 of the nominal scale (0: 40 at 128-bit, 36 for toy)">,
    Option<"logN", "log-n", "unsigned", "0",
           "log2 of the ring degree (0: the smallest that fits)">,
    Option<"margin", "margin", "double", "0.25",
           "Widen calibrated ranges by this fraction on each side">,
    Option<"approxError", "approx-error", "double", "1e-3",
           "Target max error of each polynomial approximation">,
    Option<"bootstrap", "bootstrap", "std::string", "\"auto\"",
           "auto (default): bootstrap at 128-bit when the depth does not "
           "fit N = 2^16 (or the fixed log-n) unbootstrapped, never for toy; "
           "true: bootstrap instead of sizing the chain to the whole depth "
           "(the chain is bootstrapChainSpec's, nominal scale 2^42; where "
           "ciphertexts are refreshed: aegis-nn-place-bootstraps); false: "
           "never">,
    Option<"bootstrapLevels", "bootstrap-levels", "unsigned", "0",
           "Application levels between bootstraps (0: at 128-bit the most "
           "that meets the bound at N = 2^16: 9 with transforms of 3 levels, "
           "11 with 2; 12 for toy)">,
    Option<"bootstrapTransformLevels", "bootstrap-transform-levels",
           "unsigned", "3",
           "Levels each of a bootstrap's CoeffToSlot and SlotToCoeff spend "
           "(3 or 2): 2 leaves two more levels between bootstraps at 128-bit "
           "(fewer bootstraps) for more rotations and bootstrapping keys in "
           "each">,
    Option<"sparseSlots", "sparse-slots", "bool", "true",
           "With bootstrapping, pack every ciphertext into the fewest slots "
           "(a power of two, at least 64) that hold the widest tensor, so "
           "that each bootstrap is a sparse one (one EvalMod, smaller "
           "transforms and keys); false: always N/2 slots">,
    Option<"tokenTile", "token-tile", "unsigned", "0",
           "Tokens per ciphertext tile (a power of two; 0: every token in "
           "one tile unless a head would not fit a ciphertext's feature "
           "blocks, then the largest tile where it does); longer sequences "
           "span several tiles, and attention works across them">
  ];
  let statistics = [
    Statistic<"numLogN", "log-n", "log2 of the ring degree chosen">,
    Statistic<"numPrimes", "chain-primes", "Primes of the modulus chain">,
    Statistic<"numLevels", "levels",
              "Application levels (between bootstraps, or the whole depth)">,
    Statistic<"numSlots", "slots", "Slots each ciphertext packs">,
    Statistic<"numTokenTile", "token-tile", "Tokens per ciphertext tile">
  ];
}

def Approximate : Pass<"aegis-nn-approximate", "::mlir::ModuleOp"> {
  let summary = "Chooses the polynomial approximation of every non-linear op";
  let description = [{
    From the calibrated ranges (aegis-nn-calibrate) and the knobs and
    levels aegis-nn-select-parameters recorded (`ckks.approximation =
    {margin, max_error}`, `ckks.bootstrap_levels`), records on each
    non-linear op of the entry function the approximation aegis-nn-to-ckks
    evaluates, as `{lo, hi, degree[, newton]}`: f on [lo, hi] by its
    Chebyshev fit of that degree, then Newton steps:

    * `nn.gelu`, `nn.relu`, `nn.tanh`, `nn.erf`, `nn.sigmoid`, `nn.silu`,
      `nn.exp`: `ckks.approx`, the calibrated input range widened by
      `margin` of its width on each side (and to hold 0), the lowest degree
      within `max_error` (at most 63; ReLU up to 511, capped so that its
      evaluation fits between two bootstraps);
    * `nn.layer_norm`: `ckks.approx` of 1/sqrt on the widened variance
      range: degree 7 and one Newton step when that meets the error (the
      whole LayerNorm then spends 8 levels), else up to degree 31 and more
      steps;
    * `nn.attention`: `ckks.approx_exp` of exp on the row-shifted scores
      (each softmax row shifted by its calibrated log-sum-exp centre), to
      max_error / (4 x tokens); `ckks.approx_inverse` of 1/x on the row
      sums, a fit (or degree 0: the constant 2 / (lo + hi)) and the Newton
      steps that bring it within max_error.

    Edit an attribute and aegis-nn-to-ckks evaluates that polynomial
    instead (checked: an interval and degrees in range); without this pass
    it applies the same rules itself.

    `aegis-opt m.mlir --aegis-nn-calibrate=random-inputs=1
    --aegis-nn-select-parameters --aegis-nn-approximate`
  }];
  let dependentDialects = ["::mlir::aegis::ckks::CKKSDialect"];
  let statistics = [
    Statistic<"numApproximations", "approximations",
              "Polynomial approximations chosen">,
    Statistic<"numMaxDegree", "max-degree", "Highest degree chosen">
  ];
}

def PlaceBootstraps : Pass<"aegis-nn-place-bootstraps", "::mlir::ModuleOp"> {
  let summary = "Chooses where a bootstrapped program refreshes ciphertexts";
  let description = [{
    With the parameters of aegis-nn-select-parameters bootstrapping
    (`ckks.bootstrap_levels = U`), lowers the program once unbootstrapped
    with a counting sink and decides where to refresh:

    * `placement=mincut` (default): the run records every ciphertext value
      as a node of a DAG (its operands and the levels it spends); stage by
      stage, a minimum vertex cut of the paths that would run out of levels
      (Dinic's max flow on the node-split graph) picks the values to
      refresh, on small programs with a pilot search over each stage's
      tie-break and seeded restarts, then unneeded refreshes are pruned.
      Recorded as `ckks.bootstrap_plan = {placement = "mincut", refresh =
      array<i32: value numbers>, values, stages, depth, lower_bound, why}`;
      aegis-nn-to-ckks replays it by value number, and never on a program
      of another size;
    * `placement=greedy`: records the levels each nn op spends
      (`ckks.refresh_depth` on the op); aegis-nn-to-ckks refreshes an op's
      inputs up front when the op fits between two bootstraps, any other
      value when it reaches level 1.

    `depth` is the levels the longest path spends and `lower_bound` =
    ceil(depth / (U - 1)) - 1 the fewest bootstraps any placement needs.
    Without bootstrapping it records `placement = "none"`.

    `aegis-opt m.mlir --aegis-nn-select-parameters="security=toy
    bootstrap=true" --aegis-nn-place-bootstraps`
  }];
  let dependentDialects = ["::mlir::aegis::ckks::CKKSDialect"];
  let options = [
    Option<"placement", "placement", "std::string", "\"mincut\"",
           "mincut (default: whole-program placement by minimum cuts) or "
           "greedy (refresh on demand, op inputs up front)">
  ];
  let statistics = [
    Statistic<"numPlanned", "planned-bootstraps",
              "Bootstraps the minimum-cut placement plans">,
    Statistic<"numStages", "stages", "Stages (minimum cuts) of the placement">,
    Statistic<"numLowerBound", "lower-bound",
              "Fewest bootstraps any placement needs">
  ];
}

def LowerNNToCKKS : Pass<"aegis-nn-to-ckks", "::mlir::ModuleOp"> {
  let summary = "Lowers a calibrated nn program to a ckks program";
  let description = [{
    Turns the fused, calibrated `nn` entry function into a `ckks` function
    over ciphertexts (docs/Lowering.md), under the parameters and packing
    aegis-nn-select-parameters recorded and the bootstrap placement of
    aegis-nn-place-bootstraps (both run first: `--aegis-compile` does):
    * packing: a [tokens x features] activation occupies ciphertexts of
      S slots as blocks of Tp = nextPow2(tokens) slots, one block per
      feature (F = S / Tp features per ciphertext); element (t, f) is slot
      `(f mod F) * Tp + t` of ciphertext `f / F`. Reshape, transpose and
      slice only rename slots (no instructions);
    * matmul/gemm by constant weights: the diagonal method over feature
      blocks with baby-step giant-step rotations (non-zero diagonals only),
      bias added as a plaintext;
    * GELU (erf and tanh forms), ReLU, tanh, erf, sigmoid, exp: Chebyshev
      approximations on the calibrated input range (widened by `margin`),
      evaluated with baby-step giant-step Chebyshev recursion;
    * LayerNorm: masked rotate-and-sum means, E[x^2] - mean^2 variance,
      inverse square root by a Chebyshev approximation on the calibrated
      variance range followed by Newton steps;
    * attention: one rotation of K and V per token offset, products summed
      over each head's blocks, scores packed head-block-wise, exp by
      Chebyshev on the calibrated score range, masked entries removed
      exactly, row sums by rotate-and-sum, inverse by Chebyshev + Newton;
    * levels and scales: every ciphertext keeps the nominal scale 2^scale-bits
      (the artifact's nominal-scale mode), relinearize + rescale after every
      product, level_down to align operands, bootstraps where the recorded
      placement says (values numbered as in aegis-nn-place-bootstraps' run).

    The selection-only attributes (`ckks.bootstrap_plan`,
    `ckks.approximation`, `ckks.choices`) are consumed; `ckks.params`,
    `ckks.packing` and the rest stay for the passes after it;
    `ckks.compile_notes` keeps what the report (aegis-ckks-report) cannot
    read from the program: why the parameters, the placement and its
    bound, every approximation and its error.
  }];
  let dependentDialects = ["::mlir::aegis::ckks::CKKSDialect",
                           "::mlir::aegis::nn::NNDialect",
                           "::mlir::func::FuncDialect"];
  let options = [
    Option<"materialize", "materialize-constants", "bool", "true",
           "false: plaintext constants are zero placeholders marked "
           "aegis.placeholder (for compile reports of models whose encoded "
           "weights would not fit in memory; no artifact can be emitted)">
  ];
  let statistics = [
    Statistic<"numRotations", "rotations",
              "Rotations (key switches) in the program">,
    Statistic<"numRelinearizations", "relinearizations",
              "Relinearizations (key switches) in the program">,
    Statistic<"numBootstraps", "bootstraps", "Bootstraps in the program">,
    Statistic<"numPlainProducts", "plaintext-products",
              "Ciphertext-plaintext products">,
    Statistic<"numAttentionKeySwitches", "attention-key-switches",
              "Key switches of the attention kernels">,
    Statistic<"numMatmulKeySwitches", "matmul-key-switches",
              "Key switches of the matmul kernels">,
    Statistic<"numTokenTiles", "token-tiles",
              "Token tiles of the longest input">
  ];
}

def CompileReport : Pass<"aegis-ckks-report", "::mlir::ModuleOp"> {
  let summary = "Prints the compile report of a lowered program";
  let description = [{
    Analyses the ckks program aegis-nn-to-ckks produced and prints, to
    stderr, what it costs and why: ring, slots, packing and token tiles;
    chain, special primes, digits and the security bound; the nominal
    scale's error; bootstraps (with the placement's lower bound); key
    switches, plaintext products and rescales; rotation keys and the bytes of
    the evaluation keys at the levels they are used; the peak of live
    ciphertexts; the IR's size against the model's; what runs on the client;
    key switches per kernel family (every op the lowering emits for an nn op
    is located at `<op>#<n>`); every approximation. Counts come from the
    program (run it after any pass that changes it, and it reports that
    program); the reasons from `ckks.compile_notes`.

    `--aegis-compile` runs it right after aegis-nn-to-ckks (`report=true`,
    the default): the counts are the lowering's, before the rotation-key
    budget rewrites rotations (which reports its own line).
  }];
  let statistics = [
    Statistic<"numKeySwitches", "key-switches", "Key switches in the program">,
    Statistic<"numBootstraps", "bootstraps", "Bootstraps in the program">
  ];
}

#endif // AEGIS_CONVERSION_NNTOCKKS_PASSES
