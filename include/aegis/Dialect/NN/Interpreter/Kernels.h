//===- Kernels.h - float64 reference kernels for nn ops ---------*- C++ -*-===//
//
// The kernels live in AegisSupport (plain C++, shared with aegis-run's
// client programs): see aegis/Support/NNKernels.h.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_DIALECT_NN_INTERPRETER_KERNELS_H
#define AEGIS_DIALECT_NN_INTERPRETER_KERNELS_H

#include "aegis/Support/NNKernels.h"

#endif // AEGIS_DIALECT_NN_INTERPRETER_KERNELS_H
