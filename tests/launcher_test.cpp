// sysfence-exec, the on-device launcher: built statically for every target, small, and on
// x86-64 enforcing a profile's raw BPF the way `sysfence run` does; on the other
// architectures it runs under qemu-user (loading a filter there would filter qemu itself,
// so only its input handling is checked there).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "support/run_command.h"
#include "support/temp_dir.h"

namespace sysfence {
namespace {

using testing::run_command;

std::string launcher(const std::string& arch) { return std::string(SYSFENCE_LAUNCHER_DIR) + "/sysfence-exec-" + arch; }

TEST(Launcher, EnforcesARawFilterAndFailsClosed) {
  ::sysfence::testing::TempDir dir;
  const std::string bpf = (dir.path() / "true.bpf").string();
  ASSERT_EQ(run_command({SYSFENCE_BINARY, "analyze", "/bin/true", "--no-cache", "--accept-unresolved", "--format", "bpf", "-o", bpf}).status, 0);
  const std::string exec = launcher("x86_64");
  EXPECT_EQ(run_command({exec, bpf, "/bin/true"}).status, 0);
  EXPECT_EQ(run_command({exec, bpf, "/bin/sync"}).status, 128 + SIGSYS);
  const std::string marker = (dir.path() / "ran").string();
  const std::string text = (dir.path() / "not.bpf").string();
  std::ofstream(text) << "seven b";  // 7 bytes: no BPF program
  for (const std::string& filter : {text, (dir.path() / "missing.bpf").string()}) {
    const auto r = run_command({exec, filter, "/bin/sh", "-c", "echo > " + marker});
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find(filter), std::string::npos) << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(marker)) << "the program ran without its filter";
  EXPECT_EQ(run_command({exec, bpf, "no-such-program"}).status, 127);
  EXPECT_EQ(run_command({exec}).status, 2);
}

TEST(Launcher, BuiltStaticAndSmallForEveryTarget) {
  const struct {
    const char* arch;
    const char* qemu;
    uintmax_t most_bytes;  // musl builds stay far below; Debian has only glibc for big-endian MIPS
  } targets[] = {{"x86_64", nullptr, 64 << 10},
                 {"aarch64", "/usr/bin/qemu-aarch64-static", 64 << 10},
                 {"arm", "/usr/bin/qemu-arm-static", 64 << 10},
                 {"mipsel", "/usr/bin/qemu-mipsel-static", 64 << 10},
                 {"mips", "/usr/bin/qemu-mips-static", 1 << 20}};
  for (const auto& target : targets) {
    const std::string exec = launcher(target.arch);
    ASSERT_TRUE(std::filesystem::exists(exec)) << exec << " was not built (scripts/setup installs the compilers)";
    EXPECT_LE(std::filesystem::file_size(exec), target.most_bytes) << exec;
    const auto info = run_command({SYSFENCE_BINARY, "info", exec});
    ASSERT_EQ(info.status, 0) << info.err;
    const auto json = nlohmann::json::parse(info.out);
    EXPECT_EQ(json["arch"], target.arch);
    EXPECT_TRUE(json["interpreter"].is_null()) << exec << " is not static";
    if (target.qemu == nullptr) continue;
    const auto usage = run_command({target.qemu, exec});
    EXPECT_EQ(usage.status, 2) << exec;
    EXPECT_NE(usage.err.find("usage: sysfence-exec BPF_FILE PROGRAM"), std::string::npos) << usage.err;
    const auto missing = run_command({target.qemu, exec, "/nonexistent.bpf", "/bin/true"});
    EXPECT_EQ(missing.status, 2) << exec;
    EXPECT_NE(missing.err.find("/nonexistent.bpf"), std::string::npos) << missing.err;
  }
}

}  // namespace
}  // namespace sysfence
