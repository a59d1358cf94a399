//===- CKKSOps.td - CKKS operations -------------------------*- tablegen -*-===//

#ifndef AEGIS_DIALECT_CKKS_IR_CKKSOPS_TD
#define AEGIS_DIALECT_CKKS_IR_CKKSOPS_TD

include "aegis/Dialect/CKKS/IR/CKKSDialect.td"
include "aegis/Dialect/CKKS/IR/CKKSTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/CommonAttrConstraints.td"

def CKKS_Ct : Type<CPred<"::llvm::isa<::mlir::aegis::ckks::CiphertextType>($_self)">,
                   "ckks ciphertext", "::mlir::aegis::ckks::CiphertextType">;
def CKKS_Pt : Type<CPred<"::llvm::isa<::mlir::aegis::ckks::PlaintextType>($_self)">,
                   "ckks plaintext", "::mlir::aegis::ckks::PlaintextType">;

def CKKS_SlotTensor : TensorOf<[F32, F64, Complex<F32>, Complex<F64>]>;

//===----------------------------------------------------------------------===//
// Encoding
//===----------------------------------------------------------------------===//

def CKKS_EncodeOp : CKKS_Op<"encode", [Pure]> {
  let summary = "Encodes a vector of real or complex values into a plaintext";
  let description = [{
    Encodes a static 1-D tensor of at most `slots` values at the level and
    scale of the result type. Shorter vectors are zero-padded.

    ```mlir
    %p = ckks.encode %w : tensor<8xf64> -> !ckks.pt<slots = 8, level = 3, logScale = 40>
    ```
  }];
  let arguments = (ins CKKS_SlotTensor:$input);
  let results = (outs CKKS_Pt:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` qualified(type($output))";
  let hasVerifier = 1;
}

def CKKS_DecodeOp : CKKS_Op<"decode", [Pure]> {
  let summary = "Decodes a plaintext into a vector of values";
  let description = [{
    Decodes the first `n` slots of a plaintext into a static 1-D tensor of
    `n <= slots` values.

    ```mlir
    %v = ckks.decode %p : !ckks.pt<slots = 8, level = 3, logScale = 40> -> tensor<8xf64>
    ```
  }];
  let arguments = (ins CKKS_Pt:$input);
  let results = (outs CKKS_SlotTensor:$output);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Ciphertext-ciphertext arithmetic
//===----------------------------------------------------------------------===//

class CKKS_BinaryCtCtOp<string mnemonic, list<Trait> traits = []>
    : CKKS_Op<mnemonic, !listconcat([Pure], traits)> {
  let arguments = (ins CKKS_Ct:$lhs, CKKS_Ct:$rhs);
  let results = (outs CKKS_Ct:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` `(` qualified(type($lhs)) `,` qualified(type($rhs)) `)`
    `->` qualified(type($output))
  }];
  let hasVerifier = 1;
}

def CKKS_AddOp : CKKS_BinaryCtCtOp<"add", [Commutative]> {
  let summary = "Adds two ciphertexts";
  let description = [{
    Slot-wise sum. Operands must agree on level, scale and slots; the result
    has as many polynomials as the larger operand.

    ```mlir
    %s = ckks.add %a, %b : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.ct<slots = 8, level = 3, logScale = 40>) -> !ckks.ct<slots = 8, level = 3, logScale = 40>
    ```
  }];
}

def CKKS_SubOp : CKKS_BinaryCtCtOp<"sub"> {
  let summary = "Subtracts two ciphertexts";
  let description = [{
    Slot-wise difference `lhs - rhs`, with the operand rules of `ckks.add`.

    ```mlir
    %d = ckks.sub %a, %b : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.ct<slots = 8, level = 3, logScale = 40>) -> !ckks.ct<slots = 8, level = 3, logScale = 40>
    ```
  }];
}

def CKKS_MulOp : CKKS_BinaryCtCtOp<"mul", [Commutative]> {
  let summary = "Multiplies two ciphertexts (tensor product, no relinearization)";
  let description = [{
    Slot-wise product of two canonical (size 2) ciphertexts at the same level
    and slot count. The result has 3 polynomials and scale
    `2^(lhs.logScale + rhs.logScale)`; `ckks.relinearize` brings it back to
    size 2 and `ckks.rescale` brings the scale down.

    ```mlir
    %p = ckks.mul %a, %b : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.ct<slots = 8, level = 3, logScale = 40>) -> !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3>
    ```
  }];
}

def CKKS_NegateOp : CKKS_Op<"negate", [Pure]> {
  let summary = "Negates a ciphertext";
  let description = [{
    ```mlir
    %n = ckks.negate %a : !ckks.ct<slots = 8, level = 3, logScale = 40> -> !ckks.ct<slots = 8, level = 3, logScale = 40>
    ```
  }];
  let arguments = (ins CKKS_Ct:$input);
  let results = (outs CKKS_Ct:$output);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` qualified(type($output))";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def CKKS_MulIOp : CKKS_Op<"mul_i", [Pure]> {
  let summary = "Multiplies every slot by i (or -i): no level, no key switch";
  let description = [{
    The constant i is the monomial X^(N/2) (X^(N/2) is i at every slot's
    root of unity), an exact product on every RNS limb: the level and the
    scale stay. Packs two real ciphertexts as one complex one, `a + i b`
    (a complex bootstrap then refreshes both, see `ckks.bootstrap`), and
    takes an imaginary part back out.

    ```mlir
    %ib = ckks.mul_i %b : !ckks.ct<slots = 8, level = 0, logScale = 40> -> !ckks.ct<slots = 8, level = 0, logScale = 40>
    %mb = ckks.mul_i %d {negate} : !ckks.ct<slots = 8, level = 9, logScale = 40> -> !ckks.ct<slots = 8, level = 9, logScale = 40>
    ```
  }];
  let arguments = (ins CKKS_Ct:$input, UnitAttr:$negate);
  let results = (outs CKKS_Ct:$output);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` qualified(type($output))";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Ciphertext-plaintext arithmetic
//===----------------------------------------------------------------------===//

class CKKS_BinaryCtPtOp<string mnemonic, list<Trait> traits = []>
    : CKKS_Op<mnemonic, !listconcat([Pure], traits)> {
  let arguments = (ins CKKS_Ct:$ciphertext, CKKS_Pt:$plaintext);
  let results = (outs CKKS_Ct:$output);
  let assemblyFormat = [{
    $ciphertext `,` $plaintext attr-dict `:` `(` qualified(type($ciphertext)) `,`
    qualified(type($plaintext)) `)` `->` qualified(type($output))
  }];
  let hasVerifier = 1;
}

def CKKS_AddPlainOp : CKKS_BinaryCtPtOp<"add_plain"> {
  let summary = "Adds a plaintext to a ciphertext";
  let description = [{
    The plaintext must have the ciphertext's level, scale and slot count.

    ```mlir
    %s = ckks.add_plain %c, %p : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.pt<slots = 8, level = 3, logScale = 40>) -> !ckks.ct<slots = 8, level = 3, logScale = 40>
    ```
  }];
}

def CKKS_SubPlainOp : CKKS_BinaryCtPtOp<"sub_plain"> {
  let summary = "Subtracts a plaintext from a ciphertext";
  let description = [{
    Rules of `ckks.add_plain`.

    ```mlir
    %d = ckks.sub_plain %c, %p : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.pt<slots = 8, level = 3, logScale = 40>) -> !ckks.ct<slots = 8, level = 3, logScale = 40>
    ```
  }];
}

def CKKS_MulPlainOp : CKKS_BinaryCtPtOp<"mul_plain"> {
  let summary = "Multiplies a ciphertext by a plaintext";
  let description = [{
    Slot-wise product with a plaintext at the same level and slot count. The
    result scale is the sum of the operands' scales; no key switch is needed.

    ```mlir
    %m = ckks.mul_plain %c, %p : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.pt<slots = 8, level = 3, logScale = 30>) -> !ckks.ct<slots = 8, level = 3, logScale = 70>
    ```
  }];
}

def CKKS_DotPlainOp : CKKS_Op<"dot_plain", [Pure, AttrSizedOperandSegments]> {
  let summary = "Sum of ciphertext-plaintext products (kernel level)";
  let description = [{
    `sum_i inputs[i] * plaintexts[i]`, not rescaled: the kernels' masked
    sums (attention's block diagonals: one masked rotation per head
    dimension) as one op instead of a `mul_plain` and an `add` per term,
    so the IR stays proportional to the kernel. Every input is a canonical
    ciphertext at one level, scale and slot count, every plaintext at that
    level and one scale; the result scale is their sum. The artifact
    emitter expands it into `mul_plain` and `add` instructions.

    ```mlir
    %d = ckks.dot_plain %a, %b by %p, %q : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.ct<slots = 8, level = 3, logScale = 40>), (!ckks.pt<slots = 8, level = 3, logScale = 40>, !ckks.pt<slots = 8, level = 3, logScale = 40>) -> !ckks.ct<slots = 8, level = 3, logScale = 80>
    ```
  }];
  let arguments = (ins Variadic<CKKS_Ct>:$inputs,
                       Variadic<CKKS_Pt>:$plaintexts);
  let results = (outs CKKS_Ct:$output);
  let assemblyFormat = [{
    $inputs `by` $plaintexts attr-dict `:` `(` qualified(type($inputs)) `)`
    `,` `(` qualified(type($plaintexts)) `)` `->` qualified(type($output))
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Ciphertext-constant arithmetic
//===----------------------------------------------------------------------===//

def CKKS_AddConstOp : CKKS_Op<"add_const", [Pure]> {
  let summary = "Adds a real constant to every slot";
  let description = [{
    ```mlir
    %s = ckks.add_const %c, 1.5 : !ckks.ct<slots = 8, level = 3, logScale = 40> -> !ckks.ct<slots = 8, level = 3, logScale = 40>
    ```
  }];
  let arguments = (ins CKKS_Ct:$input, F64Attr:$value);
  let results = (outs CKKS_Ct:$output);
  let assemblyFormat = "$input `,` $value attr-dict `:` qualified(type($input)) `->` qualified(type($output))";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def CKKS_MulConstOp : CKKS_Op<"mul_const", [Pure]> {
  let summary = "Multiplies every slot by a real constant";
  let description = [{
    The constant is encoded at scale `2^(result.logScale - input.logScale)`;
    a difference of 0 multiplies by the rounded integer value of the constant
    without changing the scale.

    ```mlir
    %m = ckks.mul_const %c, 0.5 : !ckks.ct<slots = 8, level = 3, logScale = 40> -> !ckks.ct<slots = 8, level = 3, logScale = 80>
    ```
  }];
  let arguments = (ins CKKS_Ct:$input, F64Attr:$value);
  let results = (outs CKKS_Ct:$output);
  let assemblyFormat = "$input `,` $value attr-dict `:` qualified(type($input)) `->` qualified(type($output))";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Key switching, levels and scales
//===----------------------------------------------------------------------===//

def CKKS_RelinearizeOp : CKKS_Op<"relinearize", [Pure]> {
  let summary = "Relinearizes a size-3 ciphertext back to size 2 (one key switch)";
  let description = [{
    ```mlir
    %r = ckks.relinearize %p : !ckks.ct<slots = 8, level = 3, logScale = 80, size = 3> -> !ckks.ct<slots = 8, level = 3, logScale = 80>
    ```
  }];
  let arguments = (ins CKKS_Ct:$input);
  let results = (outs CKKS_Ct:$output);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` qualified(type($output))";
  let hasVerifier = 1;
}

def CKKS_RescaleOp : CKKS_Op<"rescale", [Pure]> {
  let summary = "Divides by the top prime and drops one level";
  let description = [{
    Drops exactly one level. When the module carries `ckks.params`, the scale
    drops by exactly `logQ[level]` bits (the size of the prime removed);
    otherwise it must drop by at least one bit.

    ```mlir
    %r = ckks.rescale %c : !ckks.ct<slots = 8, level = 3, logScale = 80> -> !ckks.ct<slots = 8, level = 2, logScale = 40>
    ```
  }];
  let arguments = (ins CKKS_Ct:$input);
  let results = (outs CKKS_Ct:$output);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` qualified(type($output))";
  let hasVerifier = 1;
}

def CKKS_LevelDownOp : CKKS_Op<"level_down", [Pure]> {
  let summary = "Drops limbs without changing the scale";
  let description = [{
    Brings a ciphertext down to a lower level (for example to match another
    operand) by dropping its top limbs. A level_down to the same level folds
    away.

    ```mlir
    %l = ckks.level_down %c : !ckks.ct<slots = 8, level = 3, logScale = 40> -> !ckks.ct<slots = 8, level = 1, logScale = 40>
    ```
  }];
  let arguments = (ins CKKS_Ct:$input);
  let results = (outs CKKS_Ct:$output);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` qualified(type($output))";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def CKKS_RotateOp : CKKS_Op<"rotate", [Pure]> {
  let summary = "Rotates the slots cyclically by a static offset (one key switch)";
  let description = [{
    Slot `i` of the result is slot `(i + offset) mod slots` of the input
    (a left rotation for positive offsets). The offset must satisfy
    `|offset| < slots`. Rotations by 0 fold away and nested rotations combine.

    ```mlir
    %r = ckks.rotate %c by 3 : !ckks.ct<slots = 8, level = 3, logScale = 40> -> !ckks.ct<slots = 8, level = 3, logScale = 40>
    ```
  }];
  let arguments = (ins CKKS_Ct:$input, I64Attr:$offset);
  let results = (outs CKKS_Ct:$output);
  let assemblyFormat = "$input `by` $offset attr-dict `:` qualified(type($input)) `->` qualified(type($output))";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def CKKS_RotateSumOp : CKKS_Op<"rotate_sum", [Pure]> {
  let summary = "Sum of rotations with one ModDown (one key switch per nonzero offset)";
  let description = [{
    `sum_i rotate(inputs[i], offsets[i])`, where the key switches'
    inner products accumulate in the extended basis and are brought down
    once: the giant steps of a matrix product (a rotate-and-sum) as one op.
    It decrypts to the sum of the rotations but its bits are its own (a
    ModDown rounds), the same on every device count: on limb-split devices
    its key switches share one reduction when `dist.keyswitch =
    "aggregate"` (output aggregation, chosen by aegis-dist-place), else
    each rotated input is all-gathered (input broadcast). Formed by
    `aegis-ckks-fold-rotate-sum`; every input is a canonical ciphertext of
    the result's type, an offset of 0 adds its input as is.

    ```mlir
    %s = ckks.rotate_sum %a, %b by [4, 8] : (!ckks.ct<slots = 8, level = 3, logScale = 40>, !ckks.ct<slots = 8, level = 3, logScale = 40>) -> !ckks.ct<slots = 8, level = 3, logScale = 40>
    ```
  }];
  let arguments = (ins Variadic<CKKS_Ct>:$inputs, DenseI64ArrayAttr:$offsets);
  let results = (outs CKKS_Ct:$output);
  let assemblyFormat = [{
    $inputs `by` $offsets attr-dict `:` `(` qualified(type($inputs)) `)`
    `->` qualified(type($output))
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Offsets that need a key switch (nonzero modulo the slot count).
    int64_t numKeySwitches();
  }];
}

def CKKS_ConjugateOp : CKKS_Op<"conjugate", [Pure]> {
  let summary = "Complex-conjugates every slot (one key switch)";
  let description = [{
    ```mlir
    %c2 = ckks.conjugate %c : !ckks.ct<slots = 8, level = 3, logScale = 40> -> !ckks.ct<slots = 8, level = 3, logScale = 40>
    ```
  }];
  let arguments = (ins CKKS_Ct:$input);
  let results = (outs CKKS_Ct:$output);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` qualified(type($output))";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def CKKS_BootstrapOp : CKKS_Op<"bootstrap", [Pure]> {
  let summary = "Refreshes a ciphertext to a higher level";
  let description = [{
    Raises the modulus and homomorphically re-encrypts, yielding a
    ciphertext at a higher level (at most the maximum level left after
    bootstrapping's own consumption, when the module carries `ckks.params`).

    ```mlir
    %b = ckks.bootstrap %c : !ckks.ct<slots = 8, level = 0, logScale = 40> -> !ckks.ct<slots = 8, level = 9, logScale = 40>
    ```

    The slot values come out real (the real part of the input's). With
    `complex`, the input may hold two real ciphertexts packed as `a + i b`
    and the result holds half the complex message, `(a + i b) / 2`: the
    conjugation that the real projection would spend is left out, so that
    one `ckks.conjugate` of the result gives both parts, `a = y + conj(y)`
    and `b = -i (y - conj(y))` (`aegis-ckks-pack-bootstraps`). Two
    ciphertexts refreshed for the key switches of one bootstrap.
  }];
  let arguments = (ins CKKS_Ct:$input, UnitAttr:$complex);
  let results = (outs CKKS_Ct:$output);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` qualified(type($output))";
  let hasVerifier = 1;
}

#endif // AEGIS_DIALECT_CKKS_IR_CKKSOPS_TD
