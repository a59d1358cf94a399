#include "aegis/Support/Npy.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <limits>
#include <string>

using aegis::NpyArray;
using aegis::NpyType;

namespace {

std::string tempPath(const std::string &name) {
  return ::testing::TempDir() + "/aegis-npy-" + name;
}

std::string header(const std::string &dict) {
  std::string h = dict;
  size_t total = 10 + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>(h.size() >> 8);
  return out + h;
}

TEST(Npy, RoundTripEveryType) {
  for (NpyType type : {NpyType::Float32, NpyType::Float64, NpyType::Int64,
                       NpyType::Int32, NpyType::Bool}) {
    NpyArray a{type, {2, 3}, {1, 0, -2, 3, 4, 0}};
    if (type == NpyType::Bool)
      a.data = {1, 0, 1, 1, 0, 0};
    std::string path = tempPath(std::string("rt-") + aegis::npyDescr(type) + ".npy");
    std::string error;
    ASSERT_TRUE(aegis::writeNpy(path, a, error)) << error;
    NpyArray b;
    ASSERT_TRUE(aegis::readNpy(path, b, error)) << error;
    EXPECT_EQ(b.type, type);
    EXPECT_EQ(b.shape, a.shape);
    EXPECT_EQ(b.data, a.data);
  }
}

TEST(Npy, ScalarsAndVectors) {
  std::string error;
  for (std::vector<int64_t> shape : {std::vector<int64_t>{}, {5}, {1, 1, 4}}) {
    NpyArray a{NpyType::Float64, shape, {}};
    a.data.assign(a.numElements(), 0.5);
    std::string path = tempPath("shape.npy");
    ASSERT_TRUE(aegis::writeNpy(path, a, error)) << error;
    NpyArray b;
    ASSERT_TRUE(aegis::readNpy(path, b, error)) << error;
    EXPECT_EQ(b.shape, shape);
    EXPECT_EQ(b.data, a.data);
  }
}

TEST(Npy, Float32IsWidenedExactly) {
  std::string bytes = header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }");
  float v = 0.1f;
  bytes.append(reinterpret_cast<const char *>(&v), 4);
  NpyArray a;
  std::string error;
  ASSERT_TRUE(aegis::parseNpy(bytes, "x", a, error)) << error;
  EXPECT_EQ(a.data[0], static_cast<double>(0.1f));
}

struct BadCase {
  const char *name;
  std::string bytes;
  const char *message;
};

TEST(Npy, RejectsCorruptInput) {
  std::string good = header("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }");
  std::string data(16, '\0');
  std::vector<BadCase> cases = {
      {"empty", "", "bad magic"},
      {"magic", "NOTNUMPY" + data, "bad magic"},
      {"version", std::string("\x93NUMPY\x07\x00\x10\x00", 10) + data,
       "unsupported format version 7"},
      {"header-truncated", good.substr(0, 20), "truncated header"},
      {"data-truncated", good + data.substr(0, 9),
       "truncated data: 9 bytes for 2 elements of <f8"},
      {"trailing", good + data + "x", "trailing data: 1 bytes"},
      {"dtype", header("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }") + data,
       "unsupported dtype '>f8'"},
      {"fortran", header("{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }") + data,
       "Fortran-order arrays are not supported"},
      {"no-shape", header("{'descr': '<f8', 'fortran_order': False, }") + data,
       "header has no 'shape' tuple"},
      {"bad-shape", header("{'descr': '<f8', 'fortran_order': False, 'shape': (2, -1), }") + data,
       "malformed shape"},
      {"no-descr", header("{'fortran_order': False, 'shape': (2,), }") + data,
       "header has no 'descr'"},
      // Regression (issue 19): a product of dimensions that overflows int64
      // (signed overflow in numElements before the fix).
      {"huge-shape",
       header("{'descr': '<f8', 'fortran_order': False, 'shape': "
              "(999999999999999, 999999999999999, 999999999999999), }") +
           data,
       "has more than 2^40 elements"},
      {"big-shape",
       header("{'descr': '<f8', 'fortran_order': False, 'shape': "
              "(1048576, 1048577), }") +
           data,
       "has more than 2^40 elements"},
  };
  for (const BadCase &c : cases) {
    NpyArray a;
    std::string error;
    EXPECT_FALSE(aegis::parseNpy(c.bytes, "in.npy", a, error)) << c.name;
    EXPECT_NE(error.find(c.message), std::string::npos)
        << c.name << ": " << error;
    EXPECT_EQ(error.rfind("in.npy: not a valid .npy file: ", 0), 0u) << error;
  }
}

TEST(Npy, NumElementsSaturates) {
  NpyArray a{NpyType::Float64, {int64_t(1) << 40, int64_t(1) << 40}, {}};
  EXPECT_EQ(a.numElements(), std::numeric_limits<int64_t>::max());
}

TEST(Npy, DirectoryIsNotAFile) {
  NpyArray a;
  std::string error;
  EXPECT_FALSE(aegis::readNpy(::testing::TempDir(), a, error));
  EXPECT_NE(error.find("is a directory, not a file"), std::string::npos)
      << error;
}

TEST(Npy, MissingFile) {
  NpyArray a;
  std::string error;
  EXPECT_FALSE(aegis::readNpy(tempPath("does-not-exist.npy"), a, error));
  EXPECT_NE(error.find("cannot open file"), std::string::npos) << error;
}

TEST(Npy, WriteRejectsInconsistentArray) {
  NpyArray a{NpyType::Float64, {2, 2}, {1, 2, 3}};
  std::string error;
  EXPECT_FALSE(aegis::writeNpy(tempPath("bad.npy"), a, error));
  EXPECT_NE(error.find("3 values for its shape"), std::string::npos) << error;
}

} // namespace
