// A function whose only way out is a tail call to a function that never returns does not
// return either (Go's runtime.panicIndex jumps to goPanicIndex, which panics), so the
// code after a call of it is entered only by the branches to it; a cycle of tail calls
// is taken to return. On a hand-assembled x86-64 program:
//
//   0  mov eax, 39        the number on the branch's path: getpid
//   5  test edi, edi
//   7  je 14
//   9  call F             eax unknown after it, if F may return
//  14  syscall            entered by the branch, and after the call if F may return
//  16  jmp .
//  32  F: jmp G, then hlt up to G
//  48  G: jmp .  (or jmp F: a cycle, or ret), then hlt
#include <elf.h>

#include <gtest/gtest.h>

#include "analysis/program_analysis.h"
#include "support/analyse_elf.h"
#include "support/elf_builder.h"

namespace sysfence::analysis {
namespace {

constexpr uint64_t kGetpid = 39;

/// The program above, with `g` as G's code.
AnalysisResult analyse_with(const std::vector<uint8_t>& g) {
  std::vector<uint8_t> code = {0xb8, 0x27, 0x00, 0x00, 0x00,  // mov eax, 39
                               0x85, 0xff,                    // test edi, edi
                               0x74, 0x05,                    // je 14
                               0xe8, 0x12, 0x00, 0x00, 0x00,  // call 32
                               0x0f, 0x05,                    // syscall
                               0xeb, 0xfe};                   // jmp .
  code.resize(32, 0xcc);
  const std::vector<uint8_t> f = {0xe9, 0x0b, 0x00, 0x00, 0x00};  // F: jmp 48
  code.insert(code.end(), f.begin(), f.end());
  code.resize(48, 0xf4);  // hlt: nothing runs on into G
  code.insert(code.end(), g.begin(), g.end());
  code.resize(64, 0xf4);
  testing::ElfBuilder builder(64, ByteOrder::Little, EM_X86_64);
  builder.symbol({.name = "F", .text_offset = 32});
  builder.symbol({.name = "G", .text_offset = 48});
  return testing::analyse_elf(builder.text(code).build());
}

TEST(NoReturnTailCalls, ATailCallToAFunctionThatNeverReturnsDoesNotReturn) {
  const AnalysisResult result = analyse_with({0xeb, 0xfe});  // G: jmp .
  EXPECT_TRUE(result.syscalls.count(kGetpid));
  EXPECT_TRUE(result.unresolved.empty()) << result.unresolved.front().reason;
}

TEST(NoReturnTailCalls, ATailCallToAFunctionThatReturnsReturns) {
  const AnalysisResult result = analyse_with({0xc3});  // G: ret
  EXPECT_EQ(result.unresolved.size(), 1u) << "the number after the call is unknown";
}

TEST(NoReturnTailCalls, ACycleOfTailCallsIsTakenToReturn) {
  const AnalysisResult result = analyse_with({0xe9, 0xeb, 0xff, 0xff, 0xff});  // G: jmp 32 (F)
  EXPECT_EQ(result.unresolved.size(), 1u) << "the number after the call is unknown";
}

}  // namespace
}  // namespace sysfence::analysis
