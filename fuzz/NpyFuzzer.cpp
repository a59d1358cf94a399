//===- NpyFuzzer.cpp - libFuzzer target for the .npy reader ---------------===//
//
// aegis::parseNpy on arbitrary bytes (what readNpy does after reading the
// file): it must return false with a message or an array whose data matches
// its shape, never crash, hang or allocate without bound.
//
//===----------------------------------------------------------------------===//

#include "aegis/Support/Npy.h"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  aegis::NpyArray array;
  std::string error;
  if (!aegis::parseNpy(bytes, "fuzz.npy", array, error)) {
    if (error.empty())
      std::abort(); // Every failure must say why.
    return 0;
  }
  if (static_cast<int64_t>(array.data.size()) != array.numElements())
    std::abort();
  return 0;
}
