//===- CollectiveCall.h - One started operation, as data --------*- C++ -*-===//
//
// Internal to lib/Runtime/Comm. The public start* functions fill a
// CollectiveCall, validate it once for every backend, and hand it to the
// backend's issue().
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_RUNTIME_COMM_COLLECTIVECALL_H
#define AEGIS_LIB_RUNTIME_COMM_COLLECTIVECALL_H

#include "aegis/Runtime/Comm/Communicator.h"

#include <cstddef>
#include <vector>

namespace aegis::comm {

struct CollectiveCall {
  CollectiveKind kind = CollectiveKind::Barrier;
  /// Bytes per element: 8 for the word forms, 1 for the byte forms.
  size_t unit = 8;
  const void *send = nullptr;
  void *recv = nullptr;
  /// Per-rank counts (all-gather, reduce-scatter) or send counts
  /// (all-to-all), in elements.
  std::vector<size_t> counts;
  /// Receive counts (all-to-all).
  std::vector<size_t> recvCounts;
  /// Elements of all-reduce and broadcast; elements sent by send-recv.
  size_t count = 0;
  /// Elements received by send-recv.
  size_t recvCount = 0;
  /// Broadcast root.
  int root = -1;
  /// Send-recv: which directions are present, and their peers.
  bool hasSend = false;
  bool hasRecv = false;
  int dest = 0;
  int source = 0;
  Reduction reduction = Reduction::wrappingSum();
};

/// The full buffer's length in elements for all-gather and reduce-scatter.
size_t sumCounts(const std::vector<size_t> &counts);

} // namespace aegis::comm

#endif // AEGIS_LIB_RUNTIME_COMM_COLLECTIVECALL_H
