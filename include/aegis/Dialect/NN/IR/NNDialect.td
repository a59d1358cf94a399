//===- NNDialect.td - nn dialect definition ----------------*- tablegen -*-===//
//
// The nn dialect holds imported Transformer models as plaintext tensor
// programs with static shapes, before aegis chooses packings and lowers them
// to ckks.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_DIALECT_NN_IR_NNDIALECT_TD
#define AEGIS_DIALECT_NN_IR_NNDIALECT_TD

include "mlir/IR/OpBase.td"

def NN_Dialect : Dialect {
  let name = "nn";
  let cppNamespace = "::mlir::aegis::nn";
  let summary = "Static-shape tensor ops of Transformer models";
  let description = [{
    The `nn` dialect is what the ONNX importer produces: one `func.func` with
    the model's inputs and outputs, weights as `dense_resource` constants, and
    the tensor operations Transformers need, with numpy broadcasting for
    element-wise ops. Every shape is static; verifiers check each op's result
    shape against its operands. Fused ops (`nn.layer_norm`, `nn.gelu`,
    `nn.attention`) carry what the model means, so the FHE lowering can pick
    a polynomial approximation per op.
  }];
}

class NN_Op<string mnemonic, list<Trait> traits = []>
    : Op<NN_Dialect, mnemonic, traits>;

#endif // AEGIS_DIALECT_NN_IR_NNDIALECT_TD
