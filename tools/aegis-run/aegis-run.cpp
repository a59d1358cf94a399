//===- aegis-run.cpp - runs compiled aegis artifacts ----------------------===//
//
// A thin command line over the runtime API; it links no MLIR or LLVM.
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/CUDA/DeviceInfo.h"
#include "aegis/Runtime/Support/Version.h"

#include <cstdio>
#include <cstring>
#include <string>

namespace {

void printUsage(std::FILE *out) {
  std::fprintf(out,
               "usage: aegis-run [options]\n"
               "\n"
               "Runs aegis artifacts on encrypted data (CKKS).\n"
               "\n"
               "options:\n"
               "  --help            print this message and exit\n"
               "  --version         print the aegis version and exit\n"
               "  --list-devices    list the CUDA devices aegis can use\n"
               "  --gpu-self-test   run a modular-arithmetic kernel on every\n"
               "                    CUDA device and compare with the host\n");
}

int listDevices() {
  std::printf("cuda backend: %s\n",
              aegis::cuda::isCompiledWithCuda() ? "compiled in" : "not built");
  std::string error;
  auto devices = aegis::cuda::listDevices(&error);
  if (devices.empty()) {
    std::printf("no CUDA device%s%s\n", error.empty() ? "" : ": ",
                error.c_str());
    return 1;
  }
  for (const auto &d : devices)
    std::printf("cuda device %d: %s, sm_%d%d, %.1f GiB, %d SMs\n", d.index,
                d.name.c_str(), d.computeMajor, d.computeMinor,
                d.globalMemoryBytes / (1024.0 * 1024.0 * 1024.0),
                d.multiprocessors);
  return 0;
}

int gpuSelfTest() {
  std::string error;
  auto devices = aegis::cuda::listDevices(&error);
  if (devices.empty()) {
    std::fprintf(stderr, "aegis-run: error: no CUDA device to test%s%s\n",
                 error.empty() ? "" : ": ", error.c_str());
    return 1;
  }
  int failures = 0;
  for (const auto &d : devices) {
    std::string result = aegis::cuda::selfTest(d.index);
    if (result.empty()) {
      std::printf("cuda device %d: self test passed\n", d.index);
    } else {
      std::printf("cuda device %d: self test FAILED: %s\n", d.index,
                  result.c_str());
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    printUsage(stderr);
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    if (!std::strcmp(arg, "--help") || !std::strcmp(arg, "-h")) {
      printUsage(stdout);
      return 0;
    }
    if (!std::strcmp(arg, "--version")) {
      std::printf("%s\n", aegis::getVersionLine().c_str());
      return 0;
    }
    if (!std::strcmp(arg, "--list-devices"))
      return listDevices();
    if (!std::strcmp(arg, "--gpu-self-test"))
      return gpuSelfTest();
    std::fprintf(stderr,
                 "aegis-run: error: unknown argument '%s' (see --help)\n", arg);
    return 2;
  }
  return 0;
}
