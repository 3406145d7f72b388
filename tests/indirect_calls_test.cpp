// Calls whose target the analysis cannot tell, on hand-assembled x86-64 programs: each
// is counted (the report's "calls that may go to any address-taken function"), and each
// sends the analysis into every address-taken function.
#include <elf.h>

#include <gtest/gtest.h>

#include "analysis/program_analysis.h"
#include "support/analyse_elf.h"
#include "support/elf_builder.h"

namespace sysfence::analysis {
namespace {

constexpr uint64_t kExit = 60, kGetpid = 39;

/// Analyses `code`, entered at its first byte, as a static program.
AnalysisResult analyse(const std::vector<uint8_t>& code) {
  return testing::analyse_elf(testing::ElfBuilder(64, ByteOrder::Little, EM_X86_64).text(code).build());
}

TEST(IndirectCalls, DirectCodeFallsBackNowhere) {
  const AnalysisResult result = analyse({0xb8, 0x3c, 0x00, 0x00, 0x00, 0x31, 0xff, 0x0f, 0x05});  // exit(0)
  EXPECT_EQ(result.fallback_pointer_calls, 0u);
  EXPECT_EQ(result.fallback_ifunc_calls, 0u);
  EXPECT_TRUE(result.syscalls.count(kExit));
}

// call rax, where rax holds whatever the loader left there. A function at +16 makes
// getpid; its address is only stored (lea rcx, [rip+…]; mov [rdi], rcx), so the analysis
// reaches it only because the call may go anywhere an address was taken.
TEST(IndirectCalls, ACallThroughAnUnknownPointerIsCountedAndReachesTakenFunctions) {
  std::vector<uint8_t> code = {0x48, 0x8d, 0x0d, 0x09, 0x00, 0x00, 0x00,  // lea rcx, [rip+9] (+16)
                               0x48, 0x89, 0x0f,                          // mov [rdi], rcx
                               0xff, 0xd0,                                // call rax
                               0xeb, 0xfe,                                // jmp .
                               0xcc, 0xcc};
  // mov eax, 39; syscall; ret
  const std::vector<uint8_t> getpid = {0xb8, 0x27, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xc3};
  code.insert(code.end(), getpid.begin(), getpid.end());
  const AnalysisResult result = analyse(code);
  EXPECT_EQ(result.fallback_pointer_calls, 1u);
  EXPECT_EQ(result.fallback_ifunc_calls, 0u);
  EXPECT_TRUE(result.syscalls.count(kGetpid));

  // The same program without the call: the stored address is never called.
  code[10] = code[11] = 0x90;  // nop; nop
  const AnalysisResult without_call = analyse(code);
  EXPECT_EQ(without_call.fallback_pointer_calls, 0u);
  EXPECT_FALSE(without_call.syscalls.count(kGetpid));
}

}  // namespace
}  // namespace sysfence::analysis
