// Reading recorded runs: strace and qemu-user -strace text and sysfence's JSON lines.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <seccomp.h>

#include <fstream>

#include "enforce/trace_reader.h"

namespace sysfence::enforce {
namespace {

std::vector<TracedCall> read(const std::string& text, int bits = 64, const std::string& arch = "x86_64") {
  auto calls = read_trace(text, "trace.txt", bits, TraceConstants(arch));
  EXPECT_TRUE(calls) << calls.error().message;
  return calls ? *calls : std::vector<TracedCall>{};
}

TEST(TraceReader, StraceLinesGiveNumbersAndMarkTheRestUnknown) {
  auto calls = read(
      "443   mmap(NULL, 8192, 0x3, 0x22, -1, 0) = 0x7f04f76bb000\n"
      "[pid  12] umask(022)                        = 022\n"
      "socket(0x2, 0x1|0x80800, 0) = 7 (socket)\n"
      "443   openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3\n"
      "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED} ---\n"
      "+++ exited with 0 +++\n"
      "32758 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f2cc08dca10) = 320\n"
      "12 read(3,  <unfinished ...>\n"
      "13 getpid() = 13\n"
      "12 <... read resumed>\"x\", 1) = 1\n"
      "[pid  14] pipe2( <unfinished ...>\n"
      "[pid  14] <... pipe2 resumed>[3, 4], 0x80000) = 0\n"
      "15 wait4(-1,  <unfinished ...>\n");
  ASSERT_EQ(calls.size(), 9u);
  EXPECT_EQ(calls[0].name, "mmap");
  EXPECT_EQ(calls[0].args[0], 0u);
  EXPECT_EQ(calls[0].args[2], 3u);
  EXPECT_EQ(calls[0].args[4], ~uint64_t{0});
  EXPECT_FALSE(calls[0].unknown[4]);
  EXPECT_EQ(calls[1].args[0], 022u);  // octal
  EXPECT_EQ(calls[2].args[1], 0x80801u);
  EXPECT_EQ(calls[3].args[0], static_cast<uint64_t>(-100));  // AT_FDCWD: a name the table knows
  EXPECT_TRUE(calls[3].unknown[1]);  // a string
  EXPECT_EQ(calls[3].args[2], 0x80000u);  // O_RDONLY|O_CLOEXEC
  EXPECT_EQ(calls[4].name, "clone");  // named fields: only the flags, as argument 0
  EXPECT_EQ(calls[4].args[0], 0x1200011u);
  EXPECT_FALSE(calls[4].unknown[0]);
  EXPECT_TRUE(calls[4].unknown[1]);
  EXPECT_EQ(calls[5].name, "read");  // the two halves strace split joined, at the first's line
  EXPECT_EQ(calls[5].args[0], 3u);
  EXPECT_EQ(calls[5].args[2], 1u);
  EXPECT_EQ(calls[5].line, 8u);
  EXPECT_EQ(calls[6].name, "getpid");
  EXPECT_EQ(calls[7].name, "pipe2");
  EXPECT_EQ(calls[7].args[1], 0x80000u);
  EXPECT_EQ(calls[8].name, "wait4");  // never resumed: what was printed
  EXPECT_EQ(calls[8].args[0], ~uint64_t{0});
  EXPECT_TRUE(calls[8].unknown[1]);
}

TEST(TraceReader, QemuLinesAndThirtyTwoBitRegisters) {
  auto calls = read("1503 mmap2(NULL,43327,PROT_READ,MAP_PRIVATE,4,0) = 0x3f7f1000\n"
                    "1503 lseek(3,-1,SEEK_END) = -1 errno=22 (Invalid argument)\n"
                    "9 clone(CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|0x11,child_stack=0x00000000) = 12\n"
                    "9 fcntl64(6,F_GETLK) = 0\n",
                    32, "mipsel");
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].args[1], 43327u);
  EXPECT_EQ(calls[0].args[2], 1u);  // PROT_READ
  EXPECT_EQ(calls[0].args[3], 2u);  // MAP_PRIVATE
  EXPECT_EQ(calls[1].args[1], 0xffffffffu);  // -1 in a 32-bit register
  EXPECT_EQ(calls[2].args[0], 0x1200011u);
  EXPECT_EQ(calls[3].args[1], 14u);  // MIPS numbers F_GETLK differently
}

// qemu-user prints two threads' calls into each other's lines; the remains are skipped,
// even one that starts like JSON.
TEST(TraceReader, InterleavedQemuLinesAreNotJson) {
  auto calls = read("9986 set_robust_list(365127550240,24,0,0,365127550224,365127551872) = -1 errno=38\n"
                    "9986 setitimer(9983 close(13)ITIMER_REAL = ,0\n"
                    "{it_interval={tv_sec = 0,tv_usec = 0},it_value={tv_sec = 150,tv_usec = 0},},0x0) = 0\n"
                    "9986 fcntl(13,F_GETFL) = 2\n",
                    64, "aarch64");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].name, "set_robust_list");
  EXPECT_EQ(calls[1].name, "fcntl");
  EXPECT_EQ(calls[1].args[1], 3u);
}

// strace -s 65536 prints long strings: a line of megabytes is read like any other
// (std::regex overflowed the stack on one; found by parsers_fuzz).
TEST(TraceReader, VeryLongLines) {
  const std::string data(4 << 20, 'a');
  auto calls = read("7 write(1, \"" + data + "\", 4194304) = 4194304\n" +
                    "7 read(0,  <unfinished ...>\n" + "7 <... read resumed>\"" + data + "\"..., 65536) = 65536\n");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].name, "write");
  EXPECT_EQ(calls[0].args[2], 4194304u);
  EXPECT_EQ(calls[1].name, "read");
  EXPECT_EQ(calls[1].args[2], 65536u);
}

TEST(TraceReader, JsonLines) {
  auto calls = read("{\"pid\": 7, \"name\": \"socket\", \"nr\": 41, \"args\": [2, 1, 0, 0, 0, 0]}\n");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].name, "socket");
  EXPECT_EQ(calls[0].args[0], 2u);
  EXPECT_FALSE(calls[0].unknown[5]);
  auto bad = read_trace("{\"name\": \"socket\"}\n", "trace.txt", 64, TraceConstants("x86_64"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("trace.txt:1"), std::string::npos) << bad.error().message;
}

TEST(TraceReader, TheConstantsTableIsWellFormed) {
  std::ifstream file(std::string(SYSFENCE_SOURCE_DIR) + "/data/trace_constants.json");
  ASSERT_TRUE(file);
  const auto json = nlohmann::json::parse(file);
  EXPECT_EQ(json["schema"], "sysfence-trace-constants/1");
  for (const auto& [name, value] : json["names"].items()) EXPECT_TRUE(value.is_number_integer()) << name;
  for (const auto& [arch, names] : json["per_arch"].items()) {
    EXPECT_NE(seccomp_arch_resolve_name(arch.c_str()), 0u) << arch;
    for (const auto& [name, value] : names.items()) EXPECT_TRUE(value.is_number_integer()) << arch << " " << name;
  }
  EXPECT_EQ(TraceConstants("x86_64").value("F_GETLK"), 5);
  EXPECT_EQ(TraceConstants("mips").value("F_GETLK"), 14);
  EXPECT_EQ(TraceConstants("x86_64").value("O_DIRECTORY"), 0x10000);
  EXPECT_EQ(TraceConstants("arm").value("O_DIRECTORY"), 0x4000);  // ARM numbers it differently
  EXPECT_EQ(TraceConstants("mipsel").value("MAP_ANONYMOUS"), 0x800);
  EXPECT_FALSE(TraceConstants("ppc64").value("MAP_ANONYMOUS"));  // an architecture the table does not cover
  EXPECT_EQ(TraceConstants("x86_64").value("SOCK_STREAM"), 1);
  EXPECT_EQ(TraceConstants("mips").value("SOCK_STREAM"), 2);  // MIPS swaps stream and datagram
  EXPECT_EQ(TraceConstants("mipsel").value("SIGCHLD"), 18);
  EXPECT_EQ(TraceConstants("arm").value("TCGETS"), 0x5401);
  EXPECT_FALSE(TraceConstants("mips").value("FIONREAD"));  // not listed for MIPS: stays unknown
}

}  // namespace
}  // namespace sysfence::enforce
