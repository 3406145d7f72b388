#pragma once
/// Checks a Program's PLT stubs against an independent oracle: binutils' objdump, which
/// labels each PLT entry <name@plt> on x86-64, AArch64 and ARM; on MIPS the ABI itself,
/// as an executable's undefined function symbol carries the address of its lazy stub.

#include "program/program.h"

namespace sysfence::testing {

/// Adds a gtest failure for every stub the oracle knows and the program lacks or
/// names differently.
void expect_plt_stubs_match_oracle(const program::Program& program);

}  // namespace sysfence::testing
