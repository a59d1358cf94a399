//===- MpiFailureWorker.cpp - A job whose rank 1 misbehaves ---------------===//
//
// Run by MpiFailureTest under mpirun:
// `worker <mode> <timeout-seconds> [<liveness-seconds>]`.
//   ok       every rank does two all-gathers and prints "rank r completed"
//   throw    rank 1 throws after the first all-gather
//   exit     rank 1 calls _Exit(3) after the first all-gather
//   stall    rank 1 sleeps for a minute instead of the first all-gather
//   stop     rank 1 stops itself (SIGSTOP) after the first all-gather
//   compute  rank 1 sleeps for 4 liveness limits before the second
//            all-gather (alive: its heartbeats go on)
//   mismatch the last rank broadcasts while the others all-gather
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Comm/MpiCommunicator.h"

#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

using namespace aegis::comm;

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr,
                 "usage: %s ok|throw|exit|stall|stop|compute|mismatch "
                 "TIMEOUT [LIVENESS]\n",
                 argv[0]);
    return 2;
  }
  std::string mode = argv[1];
  CommOptions options;
  options.timeoutSeconds = std::atof(argv[2]);
  if (argc == 4) {
    options.livenessSeconds = std::atof(argv[3]);
  }
  return runOnMpiWorld(
      &argc, &argv,
      [&](Communicator &comm) {
        std::vector<uint64_t> buffer(size_t(comm.size()));
        uint64_t *own = buffer.data() + comm.rank();
        bool misbehaves = comm.rank() == 1;
        if (mode == "stall" && misbehaves) {
          std::this_thread::sleep_for(std::chrono::seconds(60));
        }
        if (mode == "mismatch" && comm.rank() == comm.size() - 1) {
          comm.broadcast(buffer.data(), 1, 0);
        } else {
          comm.allGather(own, buffer.data(), 1);
        }
        if (misbehaves && mode == "throw") {
          throw std::runtime_error("injected failure");
        }
        if (misbehaves && mode == "exit") {
          std::_Exit(3);
        }
        if (misbehaves && mode == "stop") {
          std::raise(SIGSTOP);
        }
        if (misbehaves && mode == "compute") {
          std::this_thread::sleep_for(std::chrono::duration<double>(
              4 * options.livenessSeconds));
        }
        comm.allGather(own, buffer.data(), 1);
        std::printf("rank %d completed\n", comm.rank());
        std::fflush(stdout);
      },
      options);
}
