//===- NcclCommunicator.cpp - Ranks as GPUs through NCCL ------------------===//
//
// Every operation is enqueued on the communicator's stream at start: per
// schedule phase, one ncclGroupStart/End of ncclSend/ncclRecv, then the
// phase's device copies and reduction kernels; a CUDA event marks the end.
// The NCCL communicator is nonblocking (config.blocking = 0), so neither
// creation nor a group launch can block inside NCCL: every NCCL call is
// followed by polling ncclCommGetAsyncError with the deadline, and a
// timeout aborts the NCCL communicator.
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Comm/NcclCommunicator.h"

#include "NcclKernels.h"
#include "Schedule.h"

#include "aegis/Runtime/Math/Modular.h"

#include <cuda_runtime.h>
#include <nccl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <thread>
#include <unistd.h>

namespace aegis::comm {
namespace {

using Clock = std::chrono::steady_clock;

void checkCuda(cudaError_t code, const char *what) {
  if (code != cudaSuccess) {
    fail("CUDA: ", what, " failed: ", cudaGetErrorString(code));
  }
}

Clock::time_point deadlineAfter(double seconds) {
  if (seconds <= 0) {
    return Clock::time_point::max();
  }
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(seconds));
}

void pause(unsigned &rounds) {
  if (++rounds > 64) {
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  } else {
    std::this_thread::yield();
  }
}

/// Waits until a nonblocking NCCL communicator has finished its last call.
/// On a timeout or an error the communicator is aborted (and *comm reset).
void settle(ncclComm_t *comm, ncclResult_t started, double timeout,
            const std::string &what) {
  if (started != ncclSuccess && started != ncclInProgress) {
    std::string detail = ncclGetLastError(*comm);
    ncclCommAbort(*comm);
    *comm = nullptr;
    fail("NCCL: ", what, " failed: ", ncclGetErrorString(started),
         detail.empty() ? "" : " (", detail, detail.empty() ? "" : ")");
  }
  Clock::time_point until = deadlineAfter(timeout);
  unsigned rounds = 0;
  for (;;) {
    ncclResult_t state = ncclSuccess;
    ncclResult_t code = ncclCommGetAsyncError(*comm, &state);
    if (code != ncclSuccess) {
      state = code;
    }
    if (state == ncclSuccess) {
      return;
    }
    if (state != ncclInProgress) {
      std::string detail = ncclGetLastError(*comm);
      ncclCommAbort(*comm);
      *comm = nullptr;
      fail("NCCL: ", what, " failed: ", ncclGetErrorString(state),
           detail.empty() ? "" : " (", detail, detail.empty() ? "" : ")");
    }
    if (Clock::now() >= until) {
      ncclCommAbort(*comm);
      *comm = nullptr;
      fail("NCCL: timed out after ", timeout, " s in ", what);
    }
    pause(rounds);
  }
}

class NcclCommunicator final : public Communicator {
public:
  NcclCommunicator(int rank, int size, int device, ncclComm_t comm,
                   cudaStream_t stream, Communicator *liveness,
                   const CommOptions &options)
      : Communicator(rank, size, BackendKind::Nccl, options), device_(device),
        comm_(comm), stream_(stream), liveness_(liveness) {}

  ~NcclCommunicator() override {
    cudaSetDevice(device_);
    if (comm_ != nullptr) {
      bool clean = !failed() && ops_.empty();
      if (clean) {
        try {
          settle(&comm_, ncclCommFinalize(comm_), options().timeoutSeconds,
                 "ncclCommFinalize");
        } catch (const Error &) {
          // settle() aborted the communicator.
        }
      } else {
        ncclCommAbort(comm_);
        comm_ = nullptr;
      }
      if (comm_ != nullptr) {
        ncclCommDestroy(comm_);
      }
    }
    for (Op &op : ops_) {
      cudaEventDestroy(op.done);
    }
    cudaFree(barrierWord_);
    cudaStreamDestroy(stream_);
  }

private:
  struct Op {
    uint64_t id = 0;
    CollectiveKind kind = CollectiveKind::Barrier;
    uint64_t seq = 0;
    cudaEvent_t done = nullptr;
    uint64_t scratchBytes = 0;
    std::vector<uint64_t> table; // host copy of the moduli table
    uint64_t sent = 0;
    uint64_t received = 0;
  };

  ncclComm_t liveComm() {
    require(comm_ != nullptr, self(),
            ": the NCCL communicator was aborted after an earlier failure");
    return comm_;
  }

  void group(const SchedulePhase &phase, Op &op, const std::string &what) {
    ncclComm_t comm = liveComm();
    ncclResult_t code = ncclGroupStart();
    for (const ScheduleTransfer &t : phase.transfers) {
      if (code != ncclSuccess && code != ncclInProgress) {
        break;
      }
      code = t.isSend
                 ? ncclSend(t.data, t.bytes, ncclUint8, t.peer, comm, stream_)
                 : ncclRecv(t.data, t.bytes, ncclUint8, t.peer, comm, stream_);
      if (t.peer != rank()) {
        (t.isSend ? op.sent : op.received) += t.bytes;
      }
    }
    ncclResult_t end = ncclGroupEnd();
    settle(&comm_, code != ncclSuccess && code != ncclInProgress ? code : end,
           options().timeoutSeconds, what);
  }

  uint64_t issue(const CollectiveCall &call) override {
    if (call.kind == CollectiveKind::SendRecv) {
      bool toSelf = (call.hasSend && call.dest == rank()) ||
                    (call.hasRecv && call.source == rank());
      require(!toSelf || (call.hasSend && call.hasRecv), self(),
              ": on NCCL a send to or receive from this rank itself must be "
              "one startSendRecv (separate ones would deadlock the stream)");
    }
    checkCuda(cudaSetDevice(device_), "cudaSetDevice");
    liveComm();
    Op op;
    op.id = nextId_++;
    op.kind = call.kind;
    std::string what = formatMessage(collectiveKindName(call.kind));
    if (call.kind != CollectiveKind::SendRecv) {
      op.seq = nextSeq_++;
      what += formatMessage(" (collective #", op.seq + 1, ")");
    }

    if (call.kind == CollectiveKind::Barrier) {
      // No agreement header on NCCL: a one-word all-reduce is the barrier.
      if (barrierWord_ == nullptr) {
        checkCuda(cudaMalloc(&barrierWord_, 8), "cudaMalloc");
      }
      ncclResult_t code =
          ncclAllReduce(barrierWord_, barrierWord_, 1, ncclUint64, ncclSum,
                        liveComm(), stream_);
      settle(&comm_, code, options().timeoutSeconds, what);
    } else {
      // Scratch: staging for reductions, then the moduli table.
      size_t scratchBytes = scheduleScratchBytes(call, rank(), size());
      if (call.reduction.isModular() &&
          (call.kind == CollectiveKind::AllReduce ||
           call.kind == CollectiveKind::ReduceScatter)) {
        for (uint64_t q : call.reduction.moduli()) {
          ckks::Modulus m(q);
          op.table.insert(op.table.end(), {q, m.ratioHi, m.ratioLo});
        }
      }
      size_t stagingBytes = (scratchBytes + 7) / 8 * 8;
      op.scratchBytes = stagingBytes + op.table.size() * 8;
      uint8_t *scratch = nullptr;
      if (op.scratchBytes != 0) {
        checkCuda(cudaMallocAsync(reinterpret_cast<void **>(&scratch),
                                  op.scratchBytes, stream_),
                  "cudaMallocAsync");
        stats().recordAllocation(op.scratchBytes);
      }
      const uint64_t *moduli = nullptr;
      if (!op.table.empty()) {
        moduli = reinterpret_cast<const uint64_t *>(scratch + stagingBytes);
        checkCuda(cudaMemcpyAsync(const_cast<uint64_t *>(moduli),
                                  op.table.data(), op.table.size() * 8,
                                  cudaMemcpyHostToDevice, stream_),
                  "cudaMemcpyAsync");
      }
      Schedule schedule = buildSchedule(call, rank(), size(), scratch);
      for (const SchedulePhase &phase : schedule.phases) {
        if (!phase.transfers.empty()) {
          group(phase, op, what);
        }
        for (const ScheduleCopy &copy : phase.copies) {
          checkCuda(cudaMemcpyAsync(copy.dst, copy.src, copy.bytes,
                                    cudaMemcpyDeviceToDevice, stream_),
                    "cudaMemcpyAsync");
        }
        for (const ScheduleReduce &step : phase.reduces) {
          DeviceReduce reduce;
          reduce.dst = step.dst;
          reduce.own = step.own;
          reduce.others = step.others;
          reduce.numSources = step.numSources;
          reduce.ownPosition = step.ownPosition;
          reduce.words = step.words;
          reduce.firstIndex = step.firstIndex;
          reduce.limbLength =
              moduli != nullptr ? call.reduction.limbLength() : 1;
          reduce.moduli = moduli;
          checkCuda(launchDeviceReduce(reduce, stream_), "reduction kernel");
        }
      }
      if (scratch != nullptr) {
        checkCuda(cudaFreeAsync(scratch, stream_), "cudaFreeAsync");
      }
    }
    checkCuda(cudaEventCreateWithFlags(&op.done, cudaEventDisableTiming),
              "cudaEventCreate");
    checkCuda(cudaEventRecord(op.done, stream_), "cudaEventRecord");
    ops_.push_back(std::move(op));
    return ops_.back().id;
  }

  bool progress(uint64_t id, bool block) override {
    auto it = std::find_if(ops_.begin(), ops_.end(),
                           [&](const Op &op) { return op.id == id; });
    require(it != ops_.end(), self(), ": request ", id, " is not outstanding");
    Clock::time_point until = deadlineAfter(options().timeoutSeconds);
    unsigned rounds = 0;
    for (;;) {
      cudaError_t state = cudaEventQuery(it->done);
      if (state == cudaSuccess) {
        stats().recordTraffic(it->kind, it->sent, it->received);
        if (it->scratchBytes != 0) {
          stats().recordFree(it->scratchBytes);
        }
        cudaEventDestroy(it->done);
        ops_.erase(it);
        return true;
      }
      if (state != cudaErrorNotReady) {
        checkCuda(state, "waiting for a collective");
      }
      ncclResult_t async = ncclSuccess;
      ncclCommGetAsyncError(liveComm(), &async);
      if (async != ncclSuccess && async != ncclInProgress) {
        std::string detail = ncclGetLastError(comm_);
        ncclCommAbort(comm_);
        comm_ = nullptr;
        fail("NCCL reported ", ncclGetErrorString(async), " during ",
             collectiveKindName(it->kind), detail.empty() ? "" : ": ", detail);
      }
      if (!block) {
        return false;
      }
      if (liveness_ != nullptr) {
        std::vector<SilentPeer> silent = liveness_->silentPeers();
        if (!silent.empty()) {
          ncclCommAbort(comm_);
          comm_ = nullptr;
          fail("rank ", silent.front().rank,
               " stopped responding: no heartbeat for ",
               int(silent.front().seconds), " s (limit ",
               liveness_->options().livenessSeconds,
               " s, AEGIS_COMM_LIVENESS_S) while ", self(), " waited in ",
               collectiveKindName(it->kind), " on CUDA device ", device_);
        }
      }
      if (Clock::now() >= until) {
        ncclCommAbort(comm_);
        comm_ = nullptr;
        fail("timed out after ", options().timeoutSeconds, " s waiting for ",
             collectiveKindName(it->kind),
             it->kind == CollectiveKind::SendRecv
                 ? std::string()
                 : formatMessage(" (collective #", it->seq + 1, ")"),
             " on CUDA device ", device_,
             "; a peer rank failed, stalled or started other collectives");
      }
      pause(rounds);
    }
  }

  void notifyPeers(const std::string &message) noexcept override {
    // NCCL has no side channel: aborting makes this rank's part of every
    // pending collective end, and the peers stop at their own timeout.
    if (comm_ != nullptr) {
      ncclCommAbort(comm_);
      comm_ = nullptr;
    }
  }

  int device_;
  ncclComm_t comm_;
  cudaStream_t stream_;
  Communicator *liveness_; // not owned; may be null
  std::deque<Op> ops_;
  uint64_t nextId_ = 1;
  uint64_t nextSeq_ = 0;
  void *barrierWord_ = nullptr;
};

/// Rank 0 publishes the id under `path` (write, then rename, so readers
/// never see half a file); the others poll for it until the deadline.
ncclUniqueId exchangeIdThroughFile(int rank, const std::string &path,
                                   double timeout, const ncclUniqueId &mine) {
  if (rank == 0) {
    require(access(path.c_str(), F_OK) != 0, "NCCL id file ", path,
            " already exists; remove it or use a fresh path per job");
    std::string temporary = path + ".tmp." + std::to_string(getpid());
    {
      std::ofstream out(temporary, std::ios::binary);
      out.write(mine.internal, sizeof(mine.internal));
      require(bool(out), "cannot write the NCCL id file ", temporary);
    }
    require(std::rename(temporary.c_str(), path.c_str()) == 0, "cannot rename ",
            temporary, " to ", path);
    return mine;
  }
  Clock::time_point until = deadlineAfter(timeout);
  for (;;) {
    std::ifstream in(path, std::ios::binary);
    ncclUniqueId id;
    if (in.read(id.internal, sizeof(id.internal))) {
      return id;
    }
    if (Clock::now() >= until) {
      fail("timed out after ", timeout,
           " s waiting for rank 0 to write the "
           "NCCL id file ",
           path);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

} // namespace

int ncclVisibleDevices() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError(); // Clear the sticky error for later calls.
    return 0;
  }
  return count;
}

std::unique_ptr<Communicator>
createNcclCommunicator(int rank, int size, int device,
                       const NcclBootstrap &bootstrap,
                       const CommOptions &options) {
  require(size >= 1 && rank >= 0 && rank < size, "NCCL: rank ", rank,
          " is outside [0, ", size, ")");
  require(bootstrap.comm != nullptr || !bootstrap.idFile.empty(),
          "NCCL: the unique id needs a bootstrap communicator or an id file");
  if (bootstrap.comm != nullptr) {
    require(bootstrap.comm->rank() == rank && bootstrap.comm->size() == size,
            "NCCL: rank ", rank, " of ", size,
            " does not match the bootstrap communicator's rank ",
            bootstrap.comm->rank(), " of ", bootstrap.comm->size());
    require(bootstrap.comm->backend() != BackendKind::Nccl,
            "NCCL: the bootstrap communicator must use host memory (threads "
            "or MPI)");
  }
  if (bootstrap.liveness != nullptr) {
    require(bootstrap.liveness->rank() == rank &&
                bootstrap.liveness->size() == size &&
                bootstrap.liveness->backend() != BackendKind::Nccl,
            "NCCL: the liveness communicator must be a host communicator of "
            "the same ranks (rank ", rank, " of ", size, ")");
  }
  int devices = ncclVisibleDevices();
  require(device >= 0 && device < devices, "NCCL: CUDA device ", device,
          " is not visible (", devices, " devices)");
  checkCuda(cudaSetDevice(device), "cudaSetDevice");

  ncclUniqueId id;
  if (rank == 0) {
    ncclResult_t code = ncclGetUniqueId(&id);
    require(code == ncclSuccess,
            "NCCL: ncclGetUniqueId failed: ", ncclGetErrorString(code));
  }
  if (bootstrap.comm != nullptr) {
    bootstrap.comm->broadcastBytes(id.internal, sizeof(id.internal), 0);
  } else {
    id = exchangeIdThroughFile(rank, bootstrap.idFile, options.timeoutSeconds,
                               id);
  }

  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;
  ncclComm_t comm = nullptr;
  ncclResult_t started = ncclCommInitRankConfig(&comm, size, id, rank, &config);
  require(comm != nullptr || started == ncclSuccess ||
              started == ncclInProgress,
          "NCCL: ncclCommInitRankConfig failed: ", ncclGetErrorString(started));
  settle(&comm, started, options.timeoutSeconds,
         formatMessage("creating the NCCL communicator (rank ", rank, " of ",
                       size, "; are all ranks started?)"));
  if (bootstrap.comm == nullptr && rank == 0) {
    // Every rank has joined, so every rank has read the id.
    std::remove(bootstrap.idFile.c_str());
  }
  cudaStream_t stream = nullptr;
  cudaError_t code = cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
  if (code != cudaSuccess) {
    ncclCommAbort(comm);
    checkCuda(code, "cudaStreamCreate");
  }
  return std::make_unique<NcclCommunicator>(rank, size, device, comm, stream,
                                            bootstrap.liveness, options);
}

} // namespace aegis::comm
