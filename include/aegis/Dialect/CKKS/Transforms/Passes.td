//===- Passes.td - CKKS dialect passes ---------------------*- tablegen -*-===//

#ifndef AEGIS_DIALECT_CKKS_TRANSFORMS_PASSES_TD
#define AEGIS_DIALECT_CKKS_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CollectRotationKeys : Pass<"aegis-ckks-collect-rotation-keys", "::mlir::ModuleOp"> {
  let summary = "Records the Galois keys a module needs as a module attribute";
  let description = [{
    Walks every `ckks.rotate` and `ckks.conjugate` of the module and attaches
    the sorted, de-duplicated list of rotation offsets as
    `ckks.rotation_keys` (offsets are normalised into `(-slots/2, slots/2]`
    for the slot count of each rotation), and `ckks.needs_conjugation_key`
    when a conjugation is present. The runtime generates exactly these keys,
    which keeps evaluation keys compact.

    Before:
    ```mlir
    func.func @f(%x: !ckks.ct<slots = 8, level = 1, logScale = 40>) -> !ckks.ct<slots = 8, level = 1, logScale = 40> {
      %0 = ckks.rotate %x by 7 : !ckks.ct<slots = 8, level = 1, logScale = 40> -> !ckks.ct<slots = 8, level = 1, logScale = 40>
      %1 = ckks.rotate %0 by 2 : !ckks.ct<slots = 8, level = 1, logScale = 40> -> !ckks.ct<slots = 8, level = 1, logScale = 40>
      return %1 : !ckks.ct<slots = 8, level = 1, logScale = 40>
    }
    ```
    After: the module carries `ckks.rotation_keys = array<i64: -1, 2>`.
  }];
}

def EmitArtifact : Pass<"aegis-ckks-emit-artifact", "::mlir::ModuleOp"> {
  let summary = "Writes the module's ckks program as an aegis-run artifact";
  let description = [{
    Serializes the entry function (`main`, or the module's only function)
    of a module carrying `ckks.params` into an artifact (see
    `include/aegis/Runtime/Artifact/Artifact.h`): the parameters, the
    rotation keys the program uses, its inputs and outputs, its plaintext
    constants and one instruction per ckks op. Arguments and results are
    ciphertexts; an argument or result may name itself and its tensor shape
    with `ckks.name = "x"` and `ckks.shape = array<i64: ...>` (default: its
    position and `[slots]`). Plaintext operands must be `ckks.encode` of an
    `nn.constant`.

    The parameters must meet 128-bit security for their ring degree (the
    Homomorphic Encryption Standard bound on log2(QP)) unless
    `security=toy`, which marks the artifact as insecure, loudly.

    `aegis-opt prog.mlir --aegis-ckks-emit-artifact="output=prog.aegis"`
  }];
  let options = [
    Option<"output", "output", "std::string", "",
           "Path of the artifact to write">,
    Option<"security", "security", "std::string", "\"128\"",
           "128 (default): refuse parameters below 128-bit security; toy: "
           "allow them and mark the artifact insecure">
  ];
}

#endif // AEGIS_DIALECT_CKKS_TRANSFORMS_PASSES_TD
