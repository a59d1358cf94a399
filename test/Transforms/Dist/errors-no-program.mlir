// Without a ckks program there is nothing to place.
// RUN: not aegis-opt %s --aegis-dist-place="devices=2" 2>&1 | FileCheck %s
// CHECK: error: aegis-dist-place: needs a ckks program (func.func @main and ckks.params; run aegis-nn-to-ckks first)
module {
  func.func @main() {
    return
  }
}
