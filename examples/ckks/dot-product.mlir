// An encrypted dot product of two 8-slot vectors: multiply, relinearize,
// rescale, then rotate-and-sum so every slot holds the sum.
//
//   aegis-opt examples/ckks/dot-product.mlir --canonicalize \
//       --aegis-ckks-collect-rotation-keys
//
// The module carries its (toy-sized) parameters, so the verifiers also check
// the exact scale after rescaling; the pass records the three rotation keys
// the runtime must generate.

!ct = !ckks.ct<slots = 8, level = 2, logScale = 40>
!ct3 = !ckks.ct<slots = 8, level = 2, logScale = 80, size = 3>
!ct80 = !ckks.ct<slots = 8, level = 2, logScale = 80>
!ct1 = !ckks.ct<slots = 8, level = 1, logScale = 40>

module attributes {ckks.params = #ckks.params<logN = 13, logQ = [60, 40, 40], logP = [60], dnum = 3>} {
  func.func @dot(%x: !ct, %y: !ct) -> !ct1 {
    %p = ckks.mul %x, %y : (!ct, !ct) -> !ct3
    %r = ckks.relinearize %p : !ct3 -> !ct80
    %s = ckks.rescale %r : !ct80 -> !ct1
    %r4 = ckks.rotate %s by 4 : !ct1 -> !ct1
    %s4 = ckks.add %s, %r4 : (!ct1, !ct1) -> !ct1
    %r2 = ckks.rotate %s4 by 2 : !ct1 -> !ct1
    %s2 = ckks.add %s4, %r2 : (!ct1, !ct1) -> !ct1
    %r1 = ckks.rotate %s2 by 1 : !ct1 -> !ct1
    %sum = ckks.add %s2, %r1 : (!ct1, !ct1) -> !ct1
    // A no-op the canonicalizer removes.
    %same = ckks.rotate %sum by 0 : !ct1 -> !ct1
    return %same : !ct1
  }
}
