//===- MpiTestMain.cpp - GoogleTest under mpirun --------------------------===//
//
// Every process runs the same tests in the same order (the collectives in
// them must match). Rank 0 prints the usual report; the other ranks print
// only their failures, prefixed with their rank. The exit code is non-zero
// on every rank if any rank failed.
//
//===----------------------------------------------------------------------===//

#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>

namespace {

class RankFailurePrinter : public ::testing::EmptyTestEventListener {
public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult &result) override {
    if (result.failed()) {
      std::fprintf(stderr, "[rank %d] %s:%d: %s\n", rank_,
                   result.file_name() ? result.file_name() : "?",
                   result.line_number(), result.message());
    }
  }

private:
  int rank_;
};

} // namespace

int main(int argc, char **argv) {
  // As runOnMpiWorld: heartbeats need MPI_THREAD_MULTIPLE.
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  ::testing::InitGoogleTest(&argc, argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank != 0) {
    auto &listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new RankFailurePrinter(rank));
  }
  int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  int anyFailed = 0;
  MPI_Allreduce(&failed, &anyFailed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (rank == 0 && anyFailed && !failed) {
    std::fprintf(stderr, "another rank failed (see its [rank r] lines)\n");
  }
  MPI_Finalize();
  return anyFailed;
}
