// Whether a call of an ARM function returns, where the function ends in a literal pool
// whose words are no instructions (Go's goPanicIndex, which panics, ends in one: its
// callers' code after the call was taken as reached, and armhf `go` lost readlinkat).
// On a hand-assembled ARM program:
//
//   0  mov r7, #20        the number on the branch's path: getpid
//   4  cmp r0, #0
//   8  beq 20
//  12  mov r7, r1         the number on the call's path: unknown
//  16  bl F
//  20  svc #0             entered by the branch, and after the call if F may return
//  24  b .
//  28  nop
//  32  F: three words, the code under test
#include <elf.h>

#include <gtest/gtest.h>

#include "analysis/program_analysis.h"
#include "support/analyse_elf.h"
#include "support/elf_builder.h"

namespace sysfence::analysis {
namespace {

constexpr uint64_t kGetpid = 20;
constexpr uint32_t kLoadLiteral = 0xe59f0000;  // ldr r0, [pc, #0]: F's third word
constexpr uint32_t kLoopForever = 0xeafffffe;  // b .
constexpr uint32_t kReturn = 0xe12fff1e;       // bx lr
constexpr uint32_t kNoInstruction = 0xffffffff;

/// The program above, with `f` as F's three words.
AnalysisResult analyse_with(const std::vector<uint32_t>& f) {
  std::vector<uint32_t> words = {0xe3a07014, 0xe3500000, 0x0a000001,   0xe1a07001,
                                 0xeb000002, 0xef000000, kLoopForever, 0xe1a00000};
  words.insert(words.end(), f.begin(), f.end());
  testing::ElfBuilder builder(32, ByteOrder::Little, EM_ARM);
  builder.symbol({.name = "F", .text_offset = 32, .size = 12});
  return testing::analyse_elf(builder.text(testing::little_endian_code(words)).build());
}

TEST(LiteralPoolReturns, AFunctionThatNeverReturnsBeforeItsPoolDoesNotReturn) {
  const AnalysisResult result = analyse_with({kLoadLiteral, kLoopForever, kNoInstruction});
  EXPECT_TRUE(result.syscalls.count(kGetpid));
  EXPECT_TRUE(result.unresolved.empty()) << result.unresolved.front().reason;
}

TEST(LiteralPoolReturns, AFunctionThatReturnsBeforeItsPoolReturns) {
  const AnalysisResult result = analyse_with({kLoadLiteral, kReturn, kNoInstruction});
  EXPECT_EQ(result.unresolved.size(), 1u) << "the number after the call is unknown";
}

TEST(LiteralPoolReturns, BytesThatAreNeitherCodeNorALoadedLiteralMayHideAReturn) {
  const AnalysisResult result = analyse_with({0xe3a00001 /* mov r0, #1 */, kNoInstruction, kLoopForever});
  EXPECT_EQ(result.unresolved.size(), 1u) << "the number after the call is unknown";
}

}  // namespace
}  // namespace sysfence::analysis
