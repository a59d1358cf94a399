//===- NNOps.td - nn operations ----------------------------*- tablegen -*-===//

#ifndef AEGIS_DIALECT_NN_IR_NNOPS_TD
#define AEGIS_DIALECT_NN_IR_NNOPS_TD

include "aegis/Dialect/NN/IR/NNDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def NN_Tensor : StaticShapeTensorOf<[F32, F64, I1, I64, I32]>;
def NN_FloatTensor : StaticShapeTensorOf<[F32, F64]>;
def NN_IndexTensor : StaticShapeTensorOf<[I64, I32]>;

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def NN_ConstantOp : NN_Op<"constant", [ConstantLike, Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "A constant tensor (weights are dense_resource blobs)";
  let description = [{
    ```mlir
    %w = nn.constant dense_resource<w0> : tensor<32x32xf32>
    %s = nn.constant dense<[1, 8, 4, 8]> : tensor<4xi64>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs NN_Tensor:$output);
  let assemblyFormat = "$value attr-dict";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Matrix products
//===----------------------------------------------------------------------===//

def NN_MatMulOp : NN_Op<"matmul", [Pure]> {
  let summary = "numpy-style batched matrix product";
  let description = [{
    `[..., m, k] x [..., k, n] -> [..., m, n]` with broadcasting of the batch
    dimensions; a rank-1 operand is promoted as in numpy.

    ```mlir
    %y = nn.matmul %x, %w : (tensor<1x8x32xf32>, tensor<32x64xf32>) -> tensor<1x8x64xf32>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$lhs, NN_FloatTensor:$rhs);
  let results = (outs NN_FloatTensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def NN_GemmOp : NN_Op<"gemm", [Pure]> {
  let summary = "alpha * op(A) * op(B) + beta * C for 2-D A and B";
  let description = [{
    ```mlir
    %y = nn.gemm %a, %b, %c {transB = true} : (tensor<8x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<8x64xf32>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$a, NN_FloatTensor:$b,
                   Optional<NN_FloatTensor>:$c,
                   DefaultValuedAttr<BoolAttr, "false">:$transA,
                   DefaultValuedAttr<BoolAttr, "false">:$transB,
                   DefaultValuedAttr<F64Attr, "1.0">:$alpha,
                   DefaultValuedAttr<F64Attr, "1.0">:$beta);
  let results = (outs NN_FloatTensor:$output);
  let assemblyFormat = "$a `,` $b (`,` $c^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Element-wise
//===----------------------------------------------------------------------===//

class NN_BinaryOp<string mnemonic, string what, list<Trait> traits = []>
    : NN_Op<mnemonic, !listconcat([Pure], traits)> {
  let summary = "Element-wise " # what # " with numpy broadcasting";
  let description = [{
    ```mlir
    %z = nn.}] # mnemonic # [{ %x, %y : (tensor<1x8x32xf32>, tensor<32xf32>) -> tensor<1x8x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$lhs, NN_Tensor:$rhs);
  let results = (outs NN_Tensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def NN_AddOp : NN_BinaryOp<"add", "sum", [Commutative]>;
def NN_SubOp : NN_BinaryOp<"sub", "difference">;
def NN_MulOp : NN_BinaryOp<"mul", "product", [Commutative]>;
def NN_DivOp : NN_BinaryOp<"div", "quotient">;
def NN_PowOp : NN_BinaryOp<"pow", "power">;

class NN_UnaryOp<string mnemonic, string what>
    : NN_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = "Element-wise " # what;
  let description = [{
    ```mlir
    %y = nn.}] # mnemonic # [{ %x : tensor<1x8x32xf32>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$input);
  let results = (outs NN_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def NN_SqrtOp : NN_UnaryOp<"sqrt", "square root">;
def NN_ErfOp : NN_UnaryOp<"erf", "error function">;
def NN_TanhOp : NN_UnaryOp<"tanh", "hyperbolic tangent">;
def NN_ExpOp : NN_UnaryOp<"exp", "exponential">;
def NN_ReluOp : NN_UnaryOp<"relu", "max(x, 0)">;
def NN_NegOp : NN_UnaryOp<"neg", "negation">;
def NN_ReciprocalOp : NN_UnaryOp<"reciprocal", "1 / x">;
def NN_SigmoidOp : NN_UnaryOp<"sigmoid", "logistic function">;
def NN_SiluOp : NN_UnaryOp<"silu", "x * sigmoid(x) (SiLU, swish: LLaMA's SwiGLU gate)">;

def NN_GeluOp : NN_Op<"gelu", [Pure, SameOperandsAndResultType]> {
  let summary = "Gaussian error linear unit (erf or tanh form)";
  let description = [{
    `approximate = "none"`: `0.5 x (1 + erf(x / sqrt(2)))`;
    `approximate = "tanh"`: `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.

    ```mlir
    %y = nn.gelu %x {approximate = "tanh"} : tensor<1x8x64xf32>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$input,
                   DefaultValuedAttr<StrAttr, "\"none\"">:$approximate);
  let results = (outs NN_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def NN_CastOp : NN_Op<"cast", [Pure]> {
  let summary = "Converts element types";
  let description = [{
    ```mlir
    %y = nn.cast %x : tensor<8xi64> -> tensor<8xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input);
  let results = (outs NN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def NN_CompareOp : NN_Op<"compare", [Pure]> {
  let summary = "Element-wise comparison (eq, lt, gt, and, or) with broadcasting";
  let description = [{
    On values known at import time the importer folds comparisons; on data
    they appear only in a token-id model's client prefix (RoBERTa's position
    ids: `input_ids != padding_idx`), which `aegis-nn-split-client` moves to
    the client.

    ```mlir
    %m = nn.compare %ids, %pad {predicate = "eq"} : (tensor<1x8xi64>, tensor<i64>) -> tensor<1x8xi1>
    ```
  }];
  let arguments = (ins NN_Tensor:$lhs, NN_Tensor:$rhs, StrAttr:$predicate);
  let results = (outs NN_Tensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def NN_NotOp : NN_Op<"not", [Pure, SameOperandsAndResultType]> {
  let summary = "Element-wise logical not";
  let description = [{
    ```mlir
    %n = nn.not %m : tensor<1x8xi1>
    ```
  }];
  let arguments = (ins NN_Tensor:$input);
  let results = (outs NN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def NN_CumSumOp : NN_Op<"cumsum", [Pure, SameOperandsAndResultType]> {
  let summary = "Cumulative sum along an axis (ONNX CumSum)";
  let description = [{
    With `exclusive` each element leaves itself out; with `reverse` the sum
    runs from the end. Like `nn.compare`, on data only in a client prefix.

    ```mlir
    %c = nn.cumsum %m {axis = 1 : i64} : tensor<1x8xi32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, I64Attr:$axis, UnitAttr:$exclusive,
                   UnitAttr:$reverse);
  let results = (outs NN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def NN_IsNanOp : NN_Op<"is_nan", [Pure]> {
  let summary = "Element-wise: whether a value is NaN";
  let description = [{
    Exported by `scaled_dot_product_attention` with a boolean mask as the
    guard `where(is_nan(p), 0, p)` on its probabilities; `aegis-nn-fuse`
    folds the guard into `nn.attention` (whose empty rows are zeros), so
    it never reaches the FHE lowering.

    ```mlir
    %n = nn.is_nan %p : tensor<1x4x8x8xf32> -> tensor<1x4x8x8xi1>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$input);
  let results = (outs NN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def NN_WhereOp : NN_Op<"where", [Pure]> {
  let summary = "Select between two tensors by a boolean condition (broadcast)";
  let description = [{
    With a constant condition this is a masked fill (e.g. a causal mask).

    ```mlir
    %y = nn.where %mask, %x, %fill : (tensor<8x8xi1>, tensor<1x4x8x8xf32>, tensor<f32>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$condition, NN_Tensor:$lhs, NN_Tensor:$rhs);
  let results = (outs NN_Tensor:$output);
  let assemblyFormat = "$condition `,` $lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Reductions and normalisations
//===----------------------------------------------------------------------===//

class NN_ReduceOp<string mnemonic, string what> : NN_Op<mnemonic, [Pure]> {
  let summary = "Reduces by " # what # " over the given axes";
  let description = [{
    ```mlir
    %m = nn.}] # mnemonic # [{ %x {axes = array<i64: -1>, keepdims = true} : tensor<1x8x32xf32> -> tensor<1x8x1xf32>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$input, DenseI64ArrayAttr:$axes,
                   DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs NN_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def NN_ReduceMeanOp : NN_ReduceOp<"reduce_mean", "the mean">;
def NN_ReduceSumOp : NN_ReduceOp<"reduce_sum", "the sum">;

def NN_SoftmaxOp : NN_Op<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "Softmax along one axis";
  let description = [{
    ```mlir
    %p = nn.softmax %s {axis = -1 : i64} : tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$input, I64Attr:$axis);
  let results = (outs NN_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def NN_LayerNormOp : NN_Op<"layer_norm", [Pure, AttrSizedOperandSegments]> {
  let summary = "Layer normalisation over the trailing axes from `axis`";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * scale + bias`, the statistics taken
    over axes `axis..rank-1`; `scale` and `bias` broadcast to those axes.
    With `rms` it is RMSNorm (LLaMA, T5): `x / sqrt(mean(x^2) + epsilon) *
    scale (+ bias)`, no centring.

    ```mlir
    %y = nn.layer_norm %x, %g, %b {axis = -1 : i64, epsilon = 1.0e-05 : f64} : (tensor<1x8x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<1x8x32xf32>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$input, Optional<NN_FloatTensor>:$scale,
                   Optional<NN_FloatTensor>:$bias,
                   DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon,
                   UnitAttr:$rms);
  let results = (outs NN_FloatTensor:$output);
  let assemblyFormat = "$input (`,` $scale^)? (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def NN_AttentionOp : NN_Op<"attention", [Pure]> {
  let summary = "Scaled dot-product attention: softmax(q k^T * scale + mask) v";
  let description = [{
    `q: [..., s, d]`, `k: [..., t, d]`, `v: [..., t, e]`; result
    `[..., s, e]`. Recognised by `aegis-nn-fuse` from the
    MatMul/Transpose/Div/(mask)/Softmax/MatMul pattern of exported models, so
    the FHE lowering treats attention as a whole.

    Masks are structure, not data. `causal` removes the keys after each
    query (key `j` of query `i` when `j > i + t - s`). The optional `mask` is
    a constant additive mask broadcast to `[..., s, t]`: an entry at or below
    -1e4 (-1e4, -1e9, `-inf`, float32's lowest: every exporter's spelling)
    removes its key, and removed keys never enter a score range or an
    approximation; other entries are added to the scores (biases). A query
    whose keys are all removed gives zeros (what
    `scaled_dot_product_attention` exports with its `IsNaN` guard).

    ```mlir
    %o = nn.attention %q, %k, %v {causal, scale = 0.35355339059327373 : f64} : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$query, NN_FloatTensor:$key,
                   NN_FloatTensor:$value, Optional<NN_FloatTensor>:$mask,
                   F64Attr:$scale, UnitAttr:$causal);
  let results = (outs NN_FloatTensor:$output);
  let assemblyFormat = "$query `,` $key `,` $value (`,` $mask^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def NN_ReshapeOp : NN_Op<"reshape", [Pure]> {
  let summary = "Reshapes to the (static) result type";
  let description = [{
    ```mlir
    %y = nn.reshape %x : tensor<1x8x32xf32> -> tensor<1x8x4x8xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input);
  let results = (outs NN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def NN_TransposeOp : NN_Op<"transpose", [Pure]> {
  let summary = "Permutes dimensions: output dim i is input dim perm[i]";
  let description = [{
    ```mlir
    %y = nn.transpose %x {perm = array<i64: 0, 2, 1, 3>} : tensor<1x8x4x8xf32> -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs NN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def NN_ExpandOp : NN_Op<"expand", [Pure]> {
  let summary = "Broadcasts to the (static) result shape";
  let description = [{
    ```mlir
    %y = nn.expand %x : tensor<1x8xf32> -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input);
  let results = (outs NN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def NN_SliceOp : NN_Op<"slice", [Pure]> {
  let summary = "Static strided slice";
  let description = [{
    For each listed axis, keeps indices `starts[i], starts[i]+steps[i], ...`
    below `ends[i]` (above, for negative steps), after clamping as ONNX does.

    ```mlir
    %y = nn.slice %x {axes = array<i64: 2>, starts = array<i64: 0>, ends = array<i64: 32>, steps = array<i64: 1>} : tensor<1x8x96xf32> -> tensor<1x8x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, DenseI64ArrayAttr:$starts,
                   DenseI64ArrayAttr:$ends, DenseI64ArrayAttr:$axes,
                   DenseI64ArrayAttr:$steps);
  let results = (outs NN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def NN_ConcatOp : NN_Op<"concat", [Pure]> {
  let summary = "Concatenates along an axis";
  let description = [{
    ```mlir
    %y = nn.concat %a, %b {axis = 1 : i64} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x8xf32>
    ```
  }];
  let arguments = (ins Variadic<NN_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs NN_Tensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, results)";
  let hasVerifier = 1;
}

def NN_SplitOp : NN_Op<"split", [Pure]> {
  let summary = "Splits along an axis into consecutive pieces";
  let description = [{
    The pieces' sizes along `axis` are given by the result types.

    ```mlir
    %q, %k, %v = nn.split %x {axis = 2 : i64} : (tensor<1x8x96xf32>) -> (tensor<1x8x32xf32>, tensor<1x8x32xf32>, tensor<1x8x32xf32>)
    ```
  }];
  let arguments = (ins NN_Tensor:$input, I64Attr:$axis);
  let results = (outs Variadic<NN_Tensor>:$outputs);
  let assemblyFormat = "$input attr-dict `:` functional-type($input, results)";
  let hasVerifier = 1;
}

def NN_GatherOp : NN_Op<"gather", [Pure]> {
  let summary = "Gathers slices along an axis (ONNX Gather)";
  let description = [{
    `output[i..., j..., k...] = input[i..., indices[j...], k...]` with `axis`
    the position of `j...`. With constant indices this selects rows; with
    token ids it is an embedding lookup (which runs on the client).

    ```mlir
    %e = nn.gather %table, %ids {axis = 0 : i64} : (tensor<100x32xf32>, tensor<1x8xi64>) -> tensor<1x8x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, NN_IndexTensor:$indices, I64Attr:$axis);
  let results = (outs NN_Tensor:$output);
  let assemblyFormat = "$input `,` $indices attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // AEGIS_DIALECT_NN_IR_NNOPS_TD
