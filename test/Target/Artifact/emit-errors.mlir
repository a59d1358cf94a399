// RUN: not aegis-opt %s --split-input-file --aegis-ckks-emit-artifact="output=%t.aegis" -o /dev/null 2>&1 | FileCheck %s
// RUN: not aegis-opt %s --split-input-file --aegis-ckks-emit-artifact -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOOUT
// NOOUT: error: aegis-ckks-emit-artifact needs output=FILE
// RUN: not aegis-opt %s --split-input-file --aegis-ckks-emit-artifact="output=%t.aegis security=64" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SEC
// SEC: error: security must be 128 or toy, got '64'

// CHECK: error: the module has no ckks.params; the artifact needs its encryption parameters
func.func @main(%a: !ckks.ct<slots = 8, level = 1, logScale = 40>) -> !ckks.ct<slots = 8, level = 1, logScale = 40> {
  return %a : !ckks.ct<slots = 8, level = 1, logScale = 40>
}

// -----

// CHECK: error: need a function named 'main' or exactly one function
module attributes {ckks.params = #ckks.params<logN = 13, logQ = [60, 40], logP = [60], dnum = 2>} {
  func.func @f() { return }
  func.func @g() { return }
}

// -----

// CHECK: error: argument #0 must be a size-2 ciphertext, got 'tensor<8xf64>'
module attributes {ckks.params = #ckks.params<logN = 13, logQ = [60, 40], logP = [60], dnum = 2>} {
  func.func @main(%a: tensor<8xf64>) { return }
}

// -----

// CHECK: error: 'ckks.mul_plain' op needs a plaintext that is a ckks.encode of an nn.constant
module attributes {ckks.params = #ckks.params<logN = 13, logQ = [60, 40], logP = [60], dnum = 2>} {
  func.func @main(%a: !ckks.ct<slots = 8, level = 1, logScale = 40>) -> !ckks.ct<slots = 8, level = 1, logScale = 80> {
    %c = nn.constant dense<1.0> : tensor<8xf64>
    %v = nn.neg %c : tensor<8xf64>
    %p = ckks.encode %v : tensor<8xf64> -> !ckks.pt<slots = 8, level = 1, logScale = 40>
    %m = ckks.mul_plain %a, %p : (!ckks.ct<slots = 8, level = 1, logScale = 40>, !ckks.pt<slots = 8, level = 1, logScale = 40>) -> !ckks.ct<slots = 8, level = 1, logScale = 80>
    return %m : !ckks.ct<slots = 8, level = 1, logScale = 80>
  }
}

// -----

// CHECK: error: bootstrapping needs the nominal-scale mode (ckks.nominal_scale, set by aegis-nn-to-ckks)
module attributes {ckks.params = #ckks.params<logN = 13, logQ = [60, 40], logP = [60], dnum = 2>} {
  func.func @main(%a: !ckks.ct<slots = 8, level = 0, logScale = 40>) -> !ckks.ct<slots = 8, level = 1, logScale = 40> {
    %b = ckks.bootstrap %a : !ckks.ct<slots = 8, level = 0, logScale = 40> -> !ckks.ct<slots = 8, level = 1, logScale = 40>
    return %b : !ckks.ct<slots = 8, level = 1, logScale = 40>
  }
}

// -----

// CHECK: error: result #0 must be a size-2 ciphertext computed by the program
module attributes {ckks.params = #ckks.params<logN = 13, logQ = [60, 40], logP = [60], dnum = 2>} {
  func.func @main(%a: !ckks.ct<slots = 8, level = 1, logScale = 40>) -> !ckks.ct<slots = 8, level = 1, logScale = 80, size = 3> {
    %m = ckks.mul %a, %a : (!ckks.ct<slots = 8, level = 1, logScale = 40>, !ckks.ct<slots = 8, level = 1, logScale = 40>) -> !ckks.ct<slots = 8, level = 1, logScale = 80, size = 3>
    return %m : !ckks.ct<slots = 8, level = 1, logScale = 80, size = 3>
  }
}

// -----

// The client program (aegis-nn-split-client's @client) holds only the ops
// aegis-run can run in plaintext.
// CHECK: error: 'nn.relu' op cannot run in the client program (supported: nn.gather, nn.add, nn.sub, nn.mul, nn.cast, nn.reshape, nn.expand, nn.transpose, nn.concat, nn.compare, nn.not, nn.cumsum)
module attributes {ckks.params = #ckks.params<logN = 13, logQ = [60, 40], logP = [60], dnum = 2>} {
  func.func @client(%ids: tensor<1x8xi64>) -> tensor<1x8x1xf32> {
    %t = nn.constant dense<1.0> : tensor<10x1xf32>
    %e = nn.gather %t, %ids {axis = 0 : i64} : (tensor<10x1xf32>, tensor<1x8xi64>) -> tensor<1x8x1xf32>
    %r = nn.relu %e : tensor<1x8x1xf32>
    return %r : tensor<1x8x1xf32>
  }
  func.func @main(%a: !ckks.ct<slots = 8, level = 1, logScale = 40> {ckks.name = "x", ckks.shape = array<i64: 1, 8, 1>}) -> !ckks.ct<slots = 8, level = 1, logScale = 40> {
    return %a : !ckks.ct<slots = 8, level = 1, logScale = 40>
  }
}
