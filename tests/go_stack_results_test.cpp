// A call in code Go linked may write its caller's frame above the stack pointer at the
// call: Go's stack ABI (ABI0, every Go function on arm and mips) returns a callee's
// results there, in the slots after its arguments, and the caller reads them from its
// frame. A slot that held a known argument of the call reads as the result afterwards,
// not as that stale argument. On a hand-assembled ARM program:
//
//   0  sub sp, sp, #16
//   4  mov r0, #20
//   8  str r0, [sp, #4]   an argument: getpid's number
//  12  the call under test (bl F, or blx r1: a callee not known)
//  16  ldr r7, [sp, #4]   the callee's result, if it wrote one there
//  20  svc #0
//  24  b .
//  28  nop
//  32  F: two words, the code under test
#include <elf.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "analysis/program_analysis.h"
#include "support/analyse_elf.h"
#include "support/elf_builder.h"

namespace sysfence::analysis {
namespace {

constexpr uint64_t kGetpid = 20;
constexpr uint32_t kCallF = 0xeb000003;        // bl F
constexpr uint32_t kCallUnknown = 0xe12fff31;  // blx r1
constexpr uint32_t kStoreResult = 0xe58d1004;  // str r1, [sp, #4]: F's result, unknown
constexpr uint32_t kReturn = 0xe12fff1e;       // bx lr
constexpr uint32_t kNop = 0xe1a00000;          // mov r0, r0

/// The program above, with `call` at 12 and `f` as F's two words, linked by Go or not.
AnalysisResult analyse_with(uint32_t call, const std::vector<uint32_t>& f, bool linked_by_go) {
  std::vector<uint32_t> words = {0xe24dd010, 0xe3a00014, 0xe58d0004, call,
                                 0xe59d7004, 0xef000000, 0xeafffffe, kNop};
  words.insert(words.end(), f.begin(), f.end());
  testing::ElfBuilder builder(32, ByteOrder::Little, EM_ARM);
  builder.symbol({.name = "F", .text_offset = 32, .size = 8});
  if (linked_by_go) builder.marker_section(".note.go.buildid");
  return testing::analyse_elf(builder.text(testing::little_endian_code(words)).build());
}

bool number_unresolved(const AnalysisResult& result) {
  return std::any_of(result.unresolved.begin(), result.unresolved.end(), [](const UnresolvedSyscall& u) {
    return u.reason.find("syscall number is not a constant") != std::string::npos;
  });
}

TEST(GoStackResults, AResultWrittenInTheCallersFrameIsNotTheStaleArgument) {
  const AnalysisResult result = analyse_with(kCallF, {kStoreResult, kReturn}, true);
  EXPECT_FALSE(result.syscalls.count(kGetpid));
  EXPECT_TRUE(number_unresolved(result));
}

TEST(GoStackResults, ACalleeThatWritesNothingThereLeavesTheSlot) {
  const AnalysisResult result = analyse_with(kCallF, {kReturn, kNop}, true);
  EXPECT_TRUE(result.syscalls.count(kGetpid));
  EXPECT_FALSE(number_unresolved(result));
}

TEST(GoStackResults, ACalleeNotKnownMayWriteTheWholeFrame) {
  const AnalysisResult result = analyse_with(kCallUnknown, {kReturn, kNop}, true);
  EXPECT_FALSE(result.syscalls.count(kGetpid));
  EXPECT_TRUE(number_unresolved(result));
}

// C's conventions give a callee its stack arguments only, which C callers never read
// back (README: assumptions); the analysis keeps the slot there.
TEST(GoStackResults, InCodeGoDidNotLinkTheCallersFrameIsKept) {
  const AnalysisResult result = analyse_with(kCallF, {kStoreResult, kReturn}, false);
  EXPECT_TRUE(result.syscalls.count(kGetpid));
}

}  // namespace
}  // namespace sysfence::analysis
