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

#endif // AEGIS_DIALECT_CKKS_TRANSFORMS_PASSES_TD
