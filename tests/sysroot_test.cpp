// Paths inside a firmware root never escape it, whatever its symlinks say.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "program/sysroot.h"
#include "support/temp_dir.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;

void touch(const fs::path& path) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << "x";
}

TEST(Sysroot, AbsoluteSymlinksAreReadInsideTheRoot) {
  testing::TempDir dir;
  touch(dir.path() / "lib/arm-linux-gnueabihf/libc.so.6");
  fs::create_symlink("/lib/arm-linux-gnueabihf/libc.so.6", dir.path() / "lib/libc.so.6");
  program::Sysroot root(dir.path());
  EXPECT_EQ(root.resolve("/lib/libc.so.6"), "/lib/arm-linux-gnueabihf/libc.so.6");
  EXPECT_EQ(root.resolve("lib/libc.so.6"), "/lib/arm-linux-gnueabihf/libc.so.6");
}

TEST(Sysroot, SymlinkToAHostPathDoesNotReachTheHost) {
  testing::TempDir dir;
  fs::create_directories(dir.path() / "etc");
  // /etc/hostname exists on the host; inside the root it must not be found.
  fs::create_symlink("/etc/hostname", dir.path() / "etc/escape");
  fs::create_symlink("../../../../../../../etc/hostname", dir.path() / "etc/relative-escape");
  program::Sysroot root(dir.path());
  EXPECT_EQ(root.resolve("/etc/escape"), std::nullopt);
  EXPECT_EQ(root.resolve("/etc/relative-escape"), std::nullopt);
  EXPECT_EQ(root.resolve("/../../etc/hostname"), std::nullopt);
  touch(dir.path() / "etc/hostname");
  EXPECT_EQ(root.resolve("/etc/escape"), "/etc/hostname");
  EXPECT_EQ(root.resolve("/etc/relative-escape"), "/etc/hostname");
}

TEST(Sysroot, DirectorySymlinksAndDotDot) {
  testing::TempDir dir;
  touch(dir.path() / "usr/lib/x/libz.so.1.2");
  fs::create_symlink("usr/lib", dir.path() / "lib");
  fs::create_symlink("libz.so.1.2", dir.path() / "usr/lib/x/libz.so.1");
  program::Sysroot root(dir.path());
  EXPECT_EQ(root.resolve("/lib/x/libz.so.1"), "/usr/lib/x/libz.so.1.2");
  EXPECT_EQ(root.resolve("/lib/x/../x/./libz.so.1"), "/usr/lib/x/libz.so.1.2");
  EXPECT_EQ(root.resolve("/lib/x/missing.so"), std::nullopt);
}

TEST(Sysroot, SymlinkLoopsEnd) {
  testing::TempDir dir;
  fs::create_directories(dir.path() / "lib");
  fs::create_symlink("b", dir.path() / "lib/a");
  fs::create_symlink("/lib/a", dir.path() / "lib/b");
  fs::create_symlink("self", dir.path() / "lib/self");
  program::Sysroot root(dir.path());
  EXPECT_EQ(root.resolve("/lib/a"), std::nullopt);
  EXPECT_EQ(root.resolve("/lib/self"), std::nullopt);
}

TEST(Sysroot, InsidePathOfHostPaths) {
  testing::TempDir dir;
  touch(dir.path() / "usr/sbin/daemon");
  program::Sysroot root(dir.path());
  EXPECT_EQ(root.inside_path_of(dir.path() / "usr/sbin/daemon"), "/usr/sbin/daemon");
  EXPECT_EQ(root.inside_path_of(dir.path() / "usr/sbin/../sbin/daemon"), "/usr/sbin/daemon");
  EXPECT_EQ(root.inside_path_of("/definitely/elsewhere"), std::nullopt);
}

}  // namespace
}  // namespace sysfence
