#pragma once
/// Analyses a hand-built ELF program (ElfBuilder's bytes) as a user's analyze would, alone
/// in a scratch root; a test failure where it does not load or analyse.

#include <cstdint>
#include <vector>

#include "analysis/program_analysis.h"

namespace sysfence::testing {

/// The analysis of `bytes` as the program /program of an otherwise empty root.
analysis::AnalysisResult analyse_elf(const std::vector<uint8_t>& bytes);

}  // namespace sysfence::testing
