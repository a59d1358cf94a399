#include "aegis/Runtime/Support/Version.h"

#include <gtest/gtest.h>

#include <cstring>
#include <regex>

TEST(Version, LineNamesReleaseAndCommit) {
  std::string line = aegis::getVersionLine();
  EXPECT_EQ(line.rfind("aegis ", 0), 0u) << line;
  EXPECT_NE(line.find(aegis::getVersion()), std::string::npos) << line;
  EXPECT_NE(line.find(aegis::getGitCommit()), std::string::npos) << line;
}

TEST(Version, ReleaseIsSemantic) {
  EXPECT_TRUE(std::regex_match(aegis::getVersion(),
                               std::regex("[0-9]+\\.[0-9]+\\.[0-9]+")))
      << aegis::getVersion();
}

TEST(Version, CommitIsHashOrUnknown) {
  std::string commit = aegis::getGitCommit();
  EXPECT_TRUE(std::regex_match(commit,
                               std::regex("([0-9a-f]{12}(-dirty)?|unknown)")))
      << commit;
}

TEST(Version, PinnedLLVM) { EXPECT_EQ(aegis::getPinnedLLVMMajor(), 22); }
