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
    ListOption<"outputs", "outputs", "std::string",
               "Where to write the outputs (.npy, float64)">,
    ListOption<"references", "reference", "std::string",
               "Reference .npy files to compare the outputs with">,
    Option<"tolerance", "tolerance", "double", "1e-4",
           "Largest accepted max abs error against the references">
  ];
}

#endif // AEGIS_DIALECT_NN_TRANSFORMS_PASSES_TD
