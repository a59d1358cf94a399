//===- Passes.td - nn dialect passes -----------------------*- tablegen -*-===//

#ifndef AEGIS_DIALECT_NN_TRANSFORMS_PASSES_TD
#define AEGIS_DIALECT_NN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def Interpret : Pass<"aegis-nn-interpret", "::mlir::ModuleOp"> {
  let summary = "Runs the nn program on .npy inputs with the float64 interpreter";
  let description = [{
    Runs the module's entry function (`main`, or its only function) on the
    given inputs and writes its outputs; with `reference`, compares each
    output with a reference array and fails when the max abs error exceeds
    `tolerance`. The IR is left unchanged. Prints one line per output to
    stderr:

    ```
    aegis-nn-interpret: output 0 [1x8x32]: max abs error 2.4e-07 (tolerance 1e-04) vs ref.npy
    ```

    Example:
    `aegis-opt model.onnx --aegis-nn-interpret="inputs=x.npy outputs=y.npy reference=ref.npy"`
  }];
  let options = [
    ListOption<"inputs", "inputs", "std::string",
               "Input .npy files, one per function argument">,
    Option<"randomSeed", "random-inputs", "int64_t", "-1",
           "Instead of input files, draw every float input from a standard "
           "normal distribution with this seed (integer inputs are zero)">,
    ListOption<"outputs", "outputs", "std::string",
               "Where to write the outputs (.npy, float64)">,
    ListOption<"references", "reference", "std::string",
               "Reference .npy files to compare the outputs with">,
    Option<"tolerance", "tolerance", "double", "1e-4",
           "Largest accepted max abs error against the references">
  ];
}

def Fuse : Pass<"aegis-nn-fuse", "::mlir::func::FuncOp"> {
  let summary = "Recognises decomposed LayerNorm, GELU and attention";
  let description = [{
    Exporters decompose what a Transformer means into element-wise
    arithmetic. This pass rewrites it back into whole ops, so that the FHE
    lowering can choose one polynomial approximation per op:

    * LayerNorm as exported at opset 14 (`ReduceMean`/`Sub`/`Pow`/
      `ReduceMean`/`Add eps`/`Sqrt`/`Div`, then `Mul` by the scale and `Add`
      of the bias) becomes `nn.layer_norm`;
    * GELU in erf form (`0.5 * x * (1 + erf(x / sqrt(2)))`) and in tanh form
      (`0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))`) becomes
      `nn.gelu`, in any order of the products;
    * scaled dot-product attention (`MatMul(q, Transpose(k))`, scaled by a
      constant before or after the product, optionally plus an additive mask
      or passed through a `Where` with a constant condition and fill, then
      `Softmax` over the last axis and `MatMul` with `v`) becomes
      `nn.attention`.

    Before:
    ```mlir
    %s = nn.div %x, %c : (tensor<1x8x64xf32>, tensor<f32>) -> tensor<1x8x64xf32>
    %e = nn.erf %s : tensor<1x8x64xf32>
    %a = nn.add %e, %one : (tensor<1x8x64xf32>, tensor<f32>) -> tensor<1x8x64xf32>
    %m = nn.mul %x, %a : (tensor<1x8x64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
    %y = nn.mul %m, %half : (tensor<1x8x64xf32>, tensor<f32>) -> tensor<1x8x64xf32>
    ```
    After:
    ```mlir
    %y = nn.gelu %x : tensor<1x8x64xf32>
    ```
  }];
  let dependentDialects = ["::mlir::aegis::nn::NNDialect"];
}

def Calibrate : Pass<"aegis-nn-calibrate", "::mlir::ModuleOp"> {
  let summary = "Measures the value range entering every non-linear op";
  let description = [{
    Runs the program with the float64 interpreter on calibration inputs and
    records, on every non-linear op, the range its approximation must cover:

    * `nn.input_range = array<f64: lo, hi>` on `nn.gelu`, `nn.relu`,
      `nn.sigmoid`, `nn.tanh`, `nn.erf`, `nn.exp`, `nn.sqrt`,
      `nn.reciprocal`, `nn.softmax` (its input), `nn.layer_norm` (its input),
      and `nn.div` by a non-constant (the divisor);
    * `nn.variance_range` on `nn.layer_norm`: the range of `var + epsilon`,
      the argument of its inverse square root;
    * `nn.score_range` on `nn.attention`: the range of `q k^T scale + mask`
      entering its softmax, leaving out entries the mask removes (<= -1e4);
    * `nn.row_max_range` on `nn.attention`: the range of each softmax row's
      maximum;
    * `nn.logsumexp_range` on `nn.attention`: the range of each row's
      log(sum(exp(scores))) over its kept entries (the softmax denominators
      with any shift c are exp(logsumexp - c));
    * `nn.row_logsumexp_ranges` and `nn.row_score_ranges` on `nn.attention`:
      per softmax row (row-major over the leading dimensions and the query),
      the range of its logsumexp and of its kept scores, as lo, hi pairs
      (the lowering shifts each row by its own centre).

    Ranges are the min and max over all calibration samples. The module gets
    `nn.calibration_samples` (the samples drawn). With `token-rows=R`, a long
    sequence draws fewer samples: each brings as many rows as several short
    ones, and costs in proportion (quadratically in attention), so
    `min(samples, max(2, ceil(R / rows)))` are drawn (`--aegis-compile`
    draws up to 16 over 2048 rows: 16 at 128 tokens, 2 at 2048). Random integer inputs used as gather indices
    (token ids) are drawn uniformly below the table's size. After
    `aegis-nn-split-client`, the inputs are the model's (`@client`'s): each
    sample runs `@client`, then `@main` on its results.

    `aegis-opt model.onnx --aegis-nn-fuse --aegis-nn-calibrate="inputs=x.npy"`
  }];
  let options = [
    ListOption<"inputs", "inputs", "std::string",
               "Calibration .npy files, one per function argument">,
    Option<"randomSeed", "random-inputs", "int64_t", "-1",
           "Draw standard-normal calibration inputs with this seed instead">,
    Option<"samples", "samples", "int64_t", "1",
           "With random-inputs, how many samples (seeds seed..seed+n-1)">,
    Option<"tokenRows", "token-rows", "int64_t", "0",
           "With random-inputs, draw only as many of the samples as cover "
           "this many token rows (rows: an input's elements over its last "
           "dimension), at least 2; 0: all of them">
  ];
}

def SplitClient : Pass<"aegis-nn-split-client", "::mlir::ModuleOp"> {
  let summary = "Moves the plaintext prefix of a token-id model into @client";
  let description = [{
    Embedding lookups cannot run on encrypted token ids. When `main` has an
    integer argument (or `split-after` is given), this pass moves its
    prefix into a new function `@client` that takes the original arguments
    and returns the cut tensors, and rewrites `main` to take the cut
    tensors as arguments (`nn.name`: the ONNX node name of the op computing
    each, or the argument's name). `aegis-ckks-emit-artifact` stores
    `@client` in the artifact's client program, which `aegis-run` runs in
    plaintext before encrypting its results (docs/Artifacts.md).

    The prefix is made of the ops a client program supports: `nn.gather`,
    `nn.add`, `nn.sub`, `nn.mul`, `nn.cast`, `nn.reshape`, `nn.expand`,
    `nn.transpose` and `nn.concat`. By default it is every op up to, not
    including, the first one that is not such an op on arguments, constants
    and earlier prefix values (for BERT: the word-embedding gather and the
    adds of the position and token-type embeddings, stopping at the
    embeddings LayerNorm). With `split-after=NODE`, it is the op imported
    from the ONNX node `NODE` and everything it depends on; an unsupported
    op among them is an error. So is an integer tensor used by an op left
    in `main` (only float tensors can be encrypted).

    Models without integer inputs are left unchanged.

    Before:
    ```mlir
    func.func @main(%ids: tensor<1x8xi64> {nn.name = "input_ids"}) -> tensor<1x8x32xf32> {
      %e = nn.gather %table, %ids {axis = 0 : i64} : (tensor<100x32xf32>, tensor<1x8xi64>) -> tensor<1x8x32xf32>
      %x = nn.add %e, %pos : (tensor<1x8x32xf32>, tensor<1x8x32xf32>) -> tensor<1x8x32xf32>
      %y = nn.layer_norm %x, %g, %b ...
    ```
    After:
    ```mlir
    func.func @client(%ids: tensor<1x8xi64> {nn.name = "input_ids"}) -> (tensor<1x8x32xf32> {nn.name = "/embeddings/Add"}) {
      %e = nn.gather %table, %ids ...
      %x = nn.add %e, %pos ...
      return %x : tensor<1x8x32xf32>
    }
    func.func @main(%x: tensor<1x8x32xf32> {nn.name = "/embeddings/Add"}) -> tensor<1x8x32xf32> {
      %y = nn.layer_norm %x, %g, %b ...
    ```

    `aegis-opt model.onnx --aegis-nn-fuse --aegis-nn-split-client="split-after=/embeddings/Add"`
  }];
  let options = [
    Option<"splitAfter", "split-after", "std::string", "",
           "ONNX node name of the last op of the client prefix (default: "
           "up to the first op that is not a cheap op on prefix values)">
  ];
  let dependentDialects = ["::mlir::aegis::nn::NNDialect"];
}

#endif // AEGIS_DIALECT_NN_TRANSFORMS_PASSES_TD
