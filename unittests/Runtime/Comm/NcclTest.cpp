//===- NcclTest.cpp - The NCCL backend with one rank per GPU --------------===//
//
// NCCL refuses two ranks on one GPU, so multi-rank correctness is tested
// with the threads and MPI backends, which run the same schedules. Here one
// rank runs every collective on device buffers: the plumbing (groups,
// copies, the modular reduction kernel, events, accounting). The tests that
// need a GPU skip where none is visible; the error paths run everywhere.
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Comm/Factory.h"
#include "aegis/Runtime/Comm/NcclCommunicator.h"
#include "aegis/Runtime/Comm/ThreadCommunicator.h"

#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>

using namespace aegis;
using namespace aegis::comm;

namespace {

using uint128 = unsigned __int128;

/// A device copy of `host` that frees itself.
class DeviceBuffer {
public:
  explicit DeviceBuffer(const std::vector<uint64_t> &host)
      : words_(host.size()) {
    EXPECT_EQ(cudaMalloc(&data_, std::max<size_t>(words_, 1) * 8), cudaSuccess);
    EXPECT_EQ(
        cudaMemcpy(data_, host.data(), words_ * 8, cudaMemcpyHostToDevice),
        cudaSuccess);
  }
  ~DeviceBuffer() { cudaFree(data_); }
  uint64_t *get() const { return data_; }
  std::vector<uint64_t> read() const {
    std::vector<uint64_t> host(words_);
    EXPECT_EQ(
        cudaMemcpy(host.data(), data_, words_ * 8, cudaMemcpyDeviceToHost),
        cudaSuccess);
    return host;
  }

private:
  uint64_t *data_ = nullptr;
  size_t words_;
};

std::vector<uint64_t> pattern(size_t words, uint64_t salt) {
  std::vector<uint64_t> v(words);
  uint64_t x = salt;
  for (uint64_t &w : v) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    w = x;
  }
  return v;
}

bool haveDevice() { return ncclVisibleDevices() > 0; }

CommOptions quick() {
  CommOptions options;
  options.timeoutSeconds = 60;
  return options;
}

TEST(CommNccl, BootstrapErrors) {
  try {
    createNcclCommunicator(0, 1, 0, NcclBootstrap(), quick());
    ADD_FAILURE() << "no bootstrap accepted";
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(), "NCCL: the unique id needs a bootstrap "
                           "communicator or an id file");
  }
  EXPECT_THROW(createNcclCommunicator(1, 1, 0, NcclBootstrap(), quick()),
               Error);
  runOnThreads(1, [](Communicator &boot) {
    NcclBootstrap bootstrap;
    bootstrap.comm = &boot;
    try {
      createNcclCommunicator(0, 2, 0, bootstrap, quick());
      ADD_FAILURE() << "a bootstrap of the wrong size accepted";
    } catch (const Error &e) {
      EXPECT_STREQ(e.what(), "NCCL: rank 0 of 2 does not match the bootstrap "
                             "communicator's rank 0 of 1");
    }
  });
}

TEST(CommNccl, NoDeviceIsAClearError) {
  if (haveDevice()) {
    GTEST_SKIP() << "a CUDA device is visible";
  }
  NcclBootstrap bootstrap;
  bootstrap.idFile = "/nonexistent/id";
  try {
    createNcclCommunicator(0, 1, 0, bootstrap, quick());
    ADD_FAILURE() << "created without a device";
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(), "NCCL: CUDA device 0 is not visible (0 devices)");
  }
  try {
    createCommunicator(BackendKind::Nccl, 0, 1);
    ADD_FAILURE() << "created without a device";
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(),
                 "the NCCL backend needs a CUDA device, and none is visible");
  }
}

TEST(CommNccl, OneRankCollectivesOnDevice) {
  if (!haveDevice()) {
    GTEST_SKIP() << "no CUDA device visible";
  }
  runOnThreads(1, [](Communicator &boot) {
    NcclBootstrap bootstrap;
    bootstrap.comm = &boot;
    std::unique_ptr<Communicator> comm =
        createNcclCommunicator(0, 1, 0, bootstrap, quick());
    EXPECT_EQ(comm->backend(), BackendKind::Nccl);

    // All-gather: a copy of the own slice.
    std::vector<uint64_t> in = pattern(5, 1);
    DeviceBuffer send(in), recv(std::vector<uint64_t>(5, 0));
    comm->allGatherV(send.get(), recv.get(), {5});
    EXPECT_EQ(recv.read(), in);

    // Modular all-reduce in place, inputs not reduced: x mod q per limb.
    std::vector<uint64_t> moduli = {(uint64_t(1) << 61) - 1, 3, 1ull << 40,
                                    (uint64_t(1) << 62) - 57};
    size_t limb = 1000;
    std::vector<uint64_t> words = pattern(moduli.size() * limb, 2);
    DeviceBuffer sum(words);
    Request r = comm->startAllReduce(sum.get(), sum.get(), words.size(),
                                     Reduction::modularSum(moduli, limb));
    comm->wait(r);
    std::vector<uint64_t> got = sum.read();
    for (size_t i = 0; i < words.size(); ++i) {
      ASSERT_EQ(got[i], words[i] % moduli[i / limb]) << "word " << i;
    }

    // Wrapping reduce-scatter, broadcast, all-to-all, self exchange.
    DeviceBuffer scatterOut(std::vector<uint64_t>(7, 0));
    DeviceBuffer scatterIn(pattern(7, 3));
    comm->reduceScatterV(scatterIn.get(), scatterOut.get(), {7},
                         Reduction::wrappingSum());
    EXPECT_EQ(scatterOut.read(), pattern(7, 3));
    DeviceBuffer bcast(pattern(4, 4));
    comm->broadcast(bcast.get(), 4, 0);
    EXPECT_EQ(bcast.read(), pattern(4, 4));
    DeviceBuffer a2aOut(std::vector<uint64_t>(3, 0));
    comm->allToAllV(send.get(), {3}, a2aOut.get(), {3});
    EXPECT_EQ(a2aOut.read(), pattern(3, 1));
    DeviceBuffer echo(std::vector<uint64_t>(5, 0));
    comm->sendRecv(send.get(), 5, 0, echo.get(), 5, 0);
    EXPECT_EQ(echo.read(), in);
    EXPECT_THROW(comm->send(send.get(), 5, 0), Error);

    // Nothing crosses devices with one rank; the modular scratch (moduli
    // table) was recorded and freed.
    CommStatsSnapshot s = comm->stats().snapshot();
    EXPECT_EQ(s.total().bytesSent, 0u);
    EXPECT_EQ(s.total().bytesReceived, 0u);
    EXPECT_EQ(s.of(CollectiveKind::AllReduce).count, 1u);
    EXPECT_EQ(s.memoryInUse, 0u);
    EXPECT_EQ(s.memoryHighWater, moduli.size() * 3 * 8);
  });
}

TEST(CommNccl, IdFileBootstrap) {
  if (!haveDevice()) {
    GTEST_SKIP() << "no CUDA device visible";
  }
  std::string path = "/tmp/aegis-nccl-id-" + std::to_string(getpid());
  std::remove(path.c_str());
  NcclBootstrap bootstrap;
  bootstrap.idFile = path;
  {
    std::unique_ptr<Communicator> comm =
        createNcclCommunicator(0, 1, 0, bootstrap, quick());
    comm->barrier();
    EXPECT_EQ(comm->stats().of(CollectiveKind::Barrier).count, 1u);
  }
  EXPECT_NE(access(path.c_str(), F_OK), 0) << "rank 0 left the id file";
  std::ofstream(path) << "stale";
  try {
    createNcclCommunicator(0, 1, 0, bootstrap, quick());
    ADD_FAILURE() << "a stale id file was overwritten";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("already exists"), std::string::npos)
        << e.what();
  }
  std::remove(path.c_str());
}

} // namespace
