//===- CKKSDialect.td - CKKS dialect definition -----------*- tablegen -*-===//
//
// The ckks dialect models RNS-CKKS evaluation on ciphertexts and plaintexts
// whose types carry the invariants of the scheme: level, log2 of the scale,
// slot count and (for ciphertexts) the number of polynomials.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_DIALECT_CKKS_IR_CKKSDIALECT_TD
#define AEGIS_DIALECT_CKKS_IR_CKKSDIALECT_TD

include "mlir/IR/OpBase.td"

def CKKS_Dialect : Dialect {
  let name = "ckks";
  let cppNamespace = "::mlir::aegis::ckks";
  let summary = "Encrypt-free RNS-CKKS evaluation with typed levels and scales";
  let description = [{
    The `ckks` dialect is the level at which aegis manages levels, scales and
    key switching. Values are ciphertexts (`!ckks.ct`) and plaintexts
    (`!ckks.pt`). Every type carries:

    * `slots`: the number of packed complex slots (a power of two, at most
      N/2 for ring degree N);
    * `level`: the index of the top RNS prime still present; a value at level
      `l` has `l + 1` limbs `q_0 .. q_l`;
    * `logScale`: log2 of the CKKS scaling factor (nominal; the runtime
      tracks the exact scale);
    * `size` (ciphertexts only): the number of polynomials, 2 for a
      canonical ciphertext and 3 after a ciphertext-ciphertext product that
      has not been relinearized yet.

    Operations never encrypt or decrypt: the secret key stays with the client.
    A module may carry the encryption parameters as
    `ckks.params = #ckks.params<...>`; verifiers then also check levels against
    the modulus chain, slots against the ring degree and the exact scale drop
    of every rescale.

    ```mlir
    module attributes {ckks.params = #ckks.params<logN = 13, logQ = [60, 40, 40], logP = [60], dnum = 3>} {
      func.func @square(%x: !ckks.ct<slots = 4096, level = 2, logScale = 40>)
          -> !ckks.ct<slots = 4096, level = 1, logScale = 40> {
        %0 = ckks.mul %x, %x : (!ckks.ct<slots = 4096, level = 2, logScale = 40>, !ckks.ct<slots = 4096, level = 2, logScale = 40>) -> !ckks.ct<slots = 4096, level = 2, logScale = 80, size = 3>
        %1 = ckks.relinearize %0 : !ckks.ct<slots = 4096, level = 2, logScale = 80, size = 3> -> !ckks.ct<slots = 4096, level = 2, logScale = 80>
        %2 = ckks.rescale %1 : !ckks.ct<slots = 4096, level = 2, logScale = 80> -> !ckks.ct<slots = 4096, level = 1, logScale = 40>
        return %2 : !ckks.ct<slots = 4096, level = 1, logScale = 40>
      }
    }
    ```
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let hasConstantMaterializer = 0;
  let extraClassDeclaration = [{
    /// Name of the module attribute that holds the encryption parameters.
    static constexpr ::llvm::StringLiteral kParamsAttrName = "ckks.params";
    /// Module attributes written by aegis-ckks-collect-rotation-keys.
    static constexpr ::llvm::StringLiteral kRotationKeysAttrName =
        "ckks.rotation_keys";
    static constexpr ::llvm::StringLiteral kConjugationKeyAttrName =
        "ckks.needs_conjugation_key";
    /// Nominal-scale mode (written by aegis-nn-to-ckks): every ciphertext
    /// keeps 2^value; see Artifact.h.
    static constexpr ::llvm::StringLiteral kNominalScaleAttrName =
        "ckks.nominal_scale";
    /// log2 of the factor messages are divided by around every bootstrap
    /// (written by aegis-nn-to-ckks from the calibrated value bounds; the
    /// bootstrapping's EvalMod holds for messages up to 8).
    static constexpr ::llvm::StringLiteral kBootstrapHeadroomAttrName =
        "ckks.bootstrap_headroom";
    /// Levels CoeffToSlot and SlotToCoeff each spend in the program's
    /// bootstraps (written by aegis-nn-to-ckks; absent: 3).
    static constexpr ::llvm::StringLiteral kBootstrapTransformLevelsAttrName =
        "ckks.bootstrap_transform_levels";
    /// On the first rotation of a run of rotations of one ciphertext that
    /// share one ModUp (aegis-ckks-hoist-rotations): the run's length.
    static constexpr ::llvm::StringLiteral kHoistedAttrName = "ckks.hoisted";
    /// The decisions of aegis-nn-select-parameters on the nn module, read by
    /// the passes after it (docs/Lowering.md, "The pipeline"): "128" or
    /// "toy"; {slots, token_tile}; {margin, max_error} of the polynomial
    /// approximations; {ring, bootstrapping}: why, in words (the report);
    /// application levels between bootstraps (absent: no bootstrapping).
    static constexpr ::llvm::StringLiteral kSecurityAttrName = "ckks.security";
    static constexpr ::llvm::StringLiteral kPackingAttrName = "ckks.packing";
    static constexpr ::llvm::StringLiteral kApproximationAttrName =
        "ckks.approximation";
    static constexpr ::llvm::StringLiteral kChoicesAttrName = "ckks.choices";
    static constexpr ::llvm::StringLiteral kBootstrapLevelsAttrName =
        "ckks.bootstrap_levels";
    /// aegis-nn-place-bootstraps: {placement, depth, lower_bound, why} and,
    /// for minimum cuts, {refresh (value numbers), values, stages}; with
    /// greedy placement, the levels each nn op spends on that op.
    static constexpr ::llvm::StringLiteral kBootstrapPlanAttrName =
        "ckks.bootstrap_plan";
    static constexpr ::llvm::StringLiteral kRefreshDepthAttrName =
        "ckks.refresh_depth";
    /// aegis-nn-to-ckks, for aegis-ckks-report: {ring, bootstrapping,
    /// placement (strings), depth, lower_bound, plan_misses, tokens,
    /// model_ops (integers), approximations (strings)}.
    static constexpr ::llvm::StringLiteral kCompileNotesAttrName =
        "ckks.compile_notes";
    /// aegis-nn-approximate, on nn ops: {lo, hi, degree[, newton]}.
    static constexpr ::llvm::StringLiteral kApproxAttrName = "ckks.approx";
    static constexpr ::llvm::StringLiteral kApproxExpAttrName =
        "ckks.approx_exp";
    static constexpr ::llvm::StringLiteral kApproxInverseAttrName =
        "ckks.approx_inverse";
  }];
}

class CKKS_Op<string mnemonic, list<Trait> traits = []>
    : Op<CKKS_Dialect, mnemonic, traits>;

#endif // AEGIS_DIALECT_CKKS_IR_CKKSDIALECT_TD
