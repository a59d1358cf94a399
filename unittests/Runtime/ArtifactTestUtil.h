//===- ArtifactTestUtil.h - a small artifact built in C++ -------*- C++ -*-===//

#ifndef AEGIS_UNITTESTS_RUNTIME_ARTIFACTTESTUTIL_H
#define AEGIS_UNITTESTS_RUNTIME_ARTIFACTTESTUTIL_H

#include "aegis/Runtime/Artifact/Artifact.h"

namespace aegis {
namespace test {

/// N = 2^10 (insecure, fast), chain 50 + 40 + 40, two 50-bit special
/// primes. Inputs x [8] (slot map reversed) and y [2x4] at level 2, scale
/// 2^40; out = r4 + rotate(r4, 1) with r4 = rescale(relinearize(x * y)).
inline Artifact makeTestArtifact() {
  Artifact a;
  a.params.logN = 10;
  a.params.chainBits = {50, 40, 40};
  a.params.specialBits = {50, 50};
  a.params.dnum = 2;
  a.params.insecure = true;
  a.rotations = {1};
  TensorSlot x;
  x.name = "x";
  x.shape = {8};
  x.regs = {0};
  x.slots = 8;
  x.level = 2;
  x.logScale = 40;
  x.slotMap = {7, 6, 5, 4, 3, 2, 1, 0};
  TensorSlot y = x;
  y.name = "y";
  y.shape = {2, 4};
  y.regs = {1};
  y.slotMap.clear();
  a.inputs = {x, y};
  a.constants.push_back({8, {1.0, 2.0, 3.0}});
  a.program = {
      {Opcode::Mul, 2, 0, 1, 0, 0, 0},
      {Opcode::Relinearize, 3, 2, 0, 0, 0, 0},
      {Opcode::Rescale, 4, 3, 0, 0, 0, 0},
      {Opcode::Rotate, 5, 4, 0, 1, 0, 0},
      {Opcode::Add, 6, 4, 5, 0, 0, 0},
  };
  a.numRegisters = 7;
  TensorSlot out;
  out.name = "out";
  out.shape = {8};
  out.regs = {6};
  out.slots = 8;
  out.level = 1;
  out.logScale = 40;
  a.outputs = {out};
  return a;
}

} // namespace test
} // namespace aegis

#endif // AEGIS_UNITTESTS_RUNTIME_ARTIFACTTESTUTIL_H
