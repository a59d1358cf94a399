//===- HostReduce.h - Reductions on the host --------------------*- C++ -*-===//
//
// Internal to lib/Runtime/Comm. Sums the sources of a ScheduleReduce in rank
// order with exact 128-bit accumulation and one Barrett reduction per word,
// so any 64-bit inputs give the fully reduced residue of their integer sum.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_RUNTIME_COMM_HOSTREDUCE_H
#define AEGIS_LIB_RUNTIME_COMM_HOSTREDUCE_H

#include "Schedule.h"

namespace aegis::comm {

void reduceOnHost(const ScheduleReduce &step, const Reduction &reduction);

} // namespace aegis::comm

#endif // AEGIS_LIB_RUNTIME_COMM_HOSTREDUCE_H
