//===- MpiFailureTest.cpp - Whole MPI jobs with a failing rank ------------===//
//
// Launches MpiFailureWorker under mpirun with 4 oversubscribed processes and
// checks that every rank stops with a clear message, that the job fails, and
// that it ends within a bound (the worker's timeout is 1 s; a hang would
// run into the 60 s sleep of the stalled rank or the ctest timeout).
//
//===----------------------------------------------------------------------===//

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace {

struct Job {
  int exitCode = -1;
  std::string output;
  double seconds = 0;
};

/// `times`: the worker's timeout [and liveness limit] in seconds.
Job runJob(const std::string &mode, const std::string &times = "1") {
  std::string command = std::string(AEGIS_MPIEXEC) +
                        " --allow-run-as-root --oversubscribe -np 4 " +
                        AEGIS_MPI_FAILURE_WORKER + " " + mode + " " + times +
                        " 2>&1";
  Job job;
  auto begin = std::chrono::steady_clock::now();
  FILE *pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run " << command;
    return job;
  }
  char chunk[4096];
  size_t n = 0;
  while ((n = fread(chunk, 1, sizeof(chunk), pipe)) > 0) {
    job.output.append(chunk, n);
  }
  int status = pclose(pipe);
  job.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count();
  job.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return job;
}

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

TEST(CommMpiFailure, HealthyJobSucceeds) {
  Job job = runJob("ok");
  EXPECT_EQ(job.exitCode, 0) << job.output;
  for (int r = 0; r < 4; ++r) {
    EXPECT_TRUE(
        contains(job.output, "rank " + std::to_string(r) + " completed"))
        << job.output;
  }
}

TEST(CommMpiFailure, ThrowingRankStopsEveryRank) {
  Job job = runJob("throw");
  EXPECT_NE(job.exitCode, 0) << job.output;
  for (int r = 0; r < 4; ++r) {
    EXPECT_TRUE(contains(job.output, "aegis: [rank " + std::to_string(r) +
                                         "] rank 1 failed: injected failure"))
        << "rank " << r << ":\n"
        << job.output;
  }
  EXPECT_FALSE(contains(job.output, "completed")) << job.output;
  EXPECT_LT(job.seconds, 20) << job.output;
}

TEST(CommMpiFailure, ExitingRankEndsTheJob) {
  Job job = runJob("exit");
  EXPECT_NE(job.exitCode, 0) << job.output;
  EXPECT_FALSE(contains(job.output, "completed")) << job.output;
  EXPECT_LT(job.seconds, 20) << job.output;
}

TEST(CommMpiFailure, StalledRankTimesOut) {
  Job job = runJob("stall");
  EXPECT_NE(job.exitCode, 0) << job.output;
  EXPECT_TRUE(contains(job.output, "timed out after 1 s waiting for rank 1 "
                                   "in all-gather (collective #1)"))
      << job.output;
  for (int r : {0, 2, 3}) {
    EXPECT_TRUE(contains(job.output, "aegis: [rank " + std::to_string(r) + "]"))
        << "rank " << r << ":\n"
        << job.output;
  }
  // Ended by the timeout, long before the stalled rank's minute is over.
  EXPECT_LT(job.seconds, 20) << job.output;
}

// SIGSTOP: the rank's process (heartbeat thread included) stops, the job
// does not end, and only the missing heartbeats tell. The timeout (60 s) is
// far away; the liveness limit (1 s) must end the job.
TEST(CommMpiFailure, StoppedRankIsFoundByItsSilence) {
  Job job = runJob("stop", "60 1");
  EXPECT_NE(job.exitCode, 0) << job.output;
  EXPECT_TRUE(contains(job.output, "rank 1 stopped responding: no heartbeat "
                                   "for "))
      << job.output;
  EXPECT_TRUE(contains(job.output, "in all-gather (collective #2)"))
      << job.output;
  for (int r : {0, 2, 3}) {
    EXPECT_TRUE(contains(job.output, "aegis: [rank " + std::to_string(r) + "]"))
        << "rank " << r << ":\n"
        << job.output;
  }
  EXPECT_FALSE(contains(job.output, "completed")) << job.output;
  EXPECT_LT(job.seconds, 30) << job.output;
}

// A rank busy for 4 liveness limits between collectives keeps beating from
// its heartbeat thread: slow is not stopped.
TEST(CommMpiFailure, ComputingRankIsNotTakenForStopped) {
  Job job = runJob("compute", "60 1");
  EXPECT_EQ(job.exitCode, 0) << job.output;
  for (int r = 0; r < 4; ++r) {
    EXPECT_TRUE(
        contains(job.output, "rank " + std::to_string(r) + " completed"))
        << job.output;
  }
}

TEST(CommMpiFailure, MismatchStopsEveryRank) {
  Job job = runJob("mismatch");
  EXPECT_NE(job.exitCode, 0) << job.output;
  for (int r = 0; r < 4; ++r) {
    EXPECT_TRUE(contains(job.output, "aegis: [rank " + std::to_string(r) + "]"))
        << job.output;
  }
  EXPECT_TRUE(contains(job.output, "collective mismatch: at collective #1 "
                                   "rank 0 started all-gather but rank 3 "
                                   "started broadcast"))
      << job.output;
  EXPECT_LT(job.seconds, 20) << job.output;
}

} // namespace
