//===- Passes.td - nn to ckks lowering ---------------------*- tablegen -*-===//

#ifndef AEGIS_CONVERSION_NNTOCKKS_PASSES
#define AEGIS_CONVERSION_NNTOCKKS_PASSES

include "mlir/Pass/PassBase.td"

def LowerNNToCKKS : Pass<"aegis-nn-to-ckks", "::mlir::ModuleOp"> {
  let summary = "Lowers a calibrated nn program to a ckks program";
  let description = [{
    Turns the fused, calibrated `nn` entry function into a `ckks` function
    over ciphertexts (docs/Lowering.md):

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
      product, level_down to align operands; the chain is sized to the
      program's depth and the ring to its slots and to `security`.

    The compiler prints a report (parameters, depth, key switches, rotation
    keys, key memory, every approximation and its error bound) with
    `report=true`.
  }];
  let dependentDialects = ["::mlir::aegis::ckks::CKKSDialect",
                           "::mlir::aegis::nn::NNDialect",
                           "::mlir::func::FuncDialect"];
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
    Option<"report", "report", "bool", "false",
           "Print the compile report to stderr">,
    Option<"bootstrap", "bootstrap", "std::string", "\"auto\"",
           "auto (default): bootstrap at 128-bit when the depth does not "
           "fit N = 2^16 (or the fixed log-n) unbootstrapped, never for toy; "
           "true: bootstrap instead of sizing the chain to the whole depth "
           "(the chain is bootstrapChainSpec's, nominal scale 2^42; where "
           "ciphertexts are refreshed: bootstrap-placement); false: never">,
    Option<"bootstrapPlacement", "bootstrap-placement", "std::string",
           "\"mincut\"",
           "mincut (default): refresh the values a whole-program placement "
           "chooses (stage by stage, a minimum vertex cut of the paths that "
           "would run out of levels); greedy: refresh each value when it "
           "reaches level 1 (inputs of a matmul or an attention before they "
           "are rotated, of a polynomial when it fits between bootstraps)">,
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
    Option<"materialize", "materialize-constants", "bool", "true",
           "false: plaintext constants are zero placeholders marked "
           "aegis.placeholder (for compile reports of models whose encoded "
           "weights would not fit in memory; no artifact can be emitted)">,
    Option<"tokenTile", "token-tile", "unsigned", "0",
           "Tokens per ciphertext tile (a power of two; 0: every token in "
           "one tile unless a head would not fit a ciphertext's feature "
           "blocks, then the largest tile where it does); longer sequences "
           "span several tiles, and attention works across them">
  ];
  let statistics = [
    Statistic<"numRotations", "rotations",
              "Rotations (key switches) in the program">,
    Statistic<"numRelinearizations", "relinearizations",
              "Relinearizations (key switches) in the program">,
    Statistic<"numBootstraps", "bootstraps", "Bootstraps in the program">,
    Statistic<"numBootstrapStages", "bootstrap-stages",
              "Stages (minimum cuts) of the bootstrap placement">,
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

#endif // AEGIS_CONVERSION_NNTOCKKS_PASSES
