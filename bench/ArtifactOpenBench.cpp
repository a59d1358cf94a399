//===- ArtifactOpenBench.cpp - Artifact open time and resident memory -----===//
//
//   bench/AegisArtifactOpenBench --make=FILE [--constants=K] [--slots=S]
//   bench/AegisArtifactOpenBench --open=FILE [--touch]
//
// --make writes a synthetic artifact the size of a large model's: K plaintext
// constants of S doubles each (default 2048 x 65536: 1 GiB of weights), used
// by a chain of add_plain instructions. --open times readArtifact and prints
// the resident memory it added (from /proc/self/statm), then, with --touch,
// the time and memory of reading every constant once (what a run does).
// Uses only the runtime API both artifact formats share, so the same source
// measures format 6 (read into memory) and format 7 (mapped).
//
//===----------------------------------------------------------------------===//

#include "aegis/Runtime/Artifact/Artifact.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace {

double residentMiB() {
  std::FILE *f = std::fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;
  if (f != nullptr) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2)
      resident = 0;
    std::fclose(f);
  }
  return double(resident) * double(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

aegis::Artifact synthetic(unsigned constants, unsigned slots) {
  aegis::Artifact a;
  a.compilerVersion = "bench";
  a.params.logN = 17;
  a.params.chainBits = {60, 50, 50};
  a.params.specialBits = {60, 60};
  a.params.dnum = 2;
  a.params.insecure = true;
  aegis::TensorSlot x;
  x.name = "x";
  x.shape = {int64_t(slots)};
  x.regs = {0};
  x.slots = slots;
  x.level = 2;
  x.logScale = 50;
  a.inputs = {x};
  for (unsigned k = 0; k < constants; ++k) {
    aegis::ArtifactConstant c;
    c.slots = slots;
    std::vector<double> v(slots);
    for (unsigned i = 0; i < slots; ++i)
      v[i] = double((k * 2654435761u + i) % 1000) / 1000.0;
    c.values = std::move(v);
    a.constants.push_back(std::move(c));
    aegis::Instruction in;
    in.op = aegis::Opcode::AddPlain;
    in.result = k + 1;
    in.a = k;
    in.imm = k;
    a.program.push_back(in);
  }
  a.numRegisters = constants + 1;
  aegis::TensorSlot y = x;
  y.name = "y";
  y.regs = {constants};
  a.outputs = {y};
  return a;
}

} // namespace

int main(int argc, char **argv) {
  std::string make, open;
  unsigned constants = 2048, slots = 65536;
  bool touch = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char *flag, std::string &out) {
      std::string prefix = std::string(flag) + "=";
      if (arg.rfind(prefix, 0) != 0)
        return false;
      out = arg.substr(prefix.size());
      return true;
    };
    std::string v;
    if (value("--make", v)) {
      make = v;
    } else if (value("--open", v)) {
      open = v;
    } else if (value("--constants", v)) {
      constants = unsigned(std::strtoul(v.c_str(), nullptr, 10));
    } else if (value("--slots", v)) {
      slots = unsigned(std::strtoul(v.c_str(), nullptr, 10));
    } else if (arg == "--touch") {
      touch = true;
    } else {
      std::fprintf(stderr,
                   "usage: %s --make=FILE [--constants=K] [--slots=S] | "
                   "--open=FILE [--touch]\n",
                   argv[0]);
      return 2;
    }
  }
  try {
    if (!make.empty()) {
      auto start = std::chrono::steady_clock::now();
      aegis::writeArtifact(make, synthetic(constants, slots));
      std::printf("wrote %s: %u constants of %u values (%.1f MiB of weights) "
                  "in %.2f s\n",
                  make.c_str(), constants, slots,
                  8.0 * constants * slots / (1024.0 * 1024.0), seconds(start));
    }
    if (!open.empty()) {
      double before = residentMiB();
      auto start = std::chrono::steady_clock::now();
      aegis::Artifact a = aegis::readArtifact(open);
      double openSeconds = seconds(start);
      double afterOpen = residentMiB();
      std::printf("open %s: %.2f ms, +%.1f MiB resident (%zu constants, %zu "
                  "instructions)\n",
                  open.c_str(), openSeconds * 1e3, afterOpen - before,
                  a.constants.size(), a.program.size());
      if (touch) {
        start = std::chrono::steady_clock::now();
        double sum = 0;
        for (const aegis::ArtifactConstant &c : a.constants)
          for (double x : c.values)
            sum += x;
        std::printf("read every constant: %.2f ms, +%.1f MiB resident "
                    "(checksum of the values %.3f)\n",
                    seconds(start) * 1e3, residentMiB() - afterOpen, sum);
      }
    }
  } catch (const std::exception &e) {
    std::fprintf(stderr, "AegisArtifactOpenBench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
