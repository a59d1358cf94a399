// GPU tests: skipped (not failed) where no CUDA device is visible.
#include "aegis/Runtime/CUDA/DeviceInfo.h"

#include <gtest/gtest.h>

namespace {

std::vector<aegis::cuda::DeviceInfo> devicesOrSkip() {
  std::string error;
  auto devices = aegis::cuda::listDevices(&error);
  return devices;
}

TEST(CudaDevice, WithoutCudaBuildListsNothing) {
  if (aegis::cuda::isCompiledWithCuda())
    GTEST_SKIP() << "built with CUDA";
  std::string error;
  EXPECT_TRUE(aegis::cuda::listDevices(&error).empty());
  EXPECT_NE(error.find("without CUDA"), std::string::npos) << error;
  EXPECT_FALSE(aegis::cuda::selfTest(0).empty());
}

TEST(CudaDevice, SelfTestMatchesHost) {
  auto devices = devicesOrSkip();
  if (devices.empty())
    GTEST_SKIP() << "no CUDA device visible";
  for (const auto &d : devices) {
    EXPECT_GE(d.computeMajor, 7) << d.name;
    EXPECT_GT(d.globalMemoryBytes, 0u) << d.name;
    EXPECT_EQ(aegis::cuda::selfTest(d.index), "") << d.name;
  }
}

TEST(CudaDevice, SelfTestRejectsMissingDevice) {
  auto devices = devicesOrSkip();
  if (devices.empty())
    GTEST_SKIP() << "no CUDA device visible";
  EXPECT_NE(aegis::cuda::selfTest(static_cast<int>(devices.size())), "");
}

} // namespace
