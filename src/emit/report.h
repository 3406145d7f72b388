#pragma once
/// The readable summary (`--format report`): counts, syscalls grouped by kind, the
/// unresolved sites, and the time taken.

#include <string>

#include "analysis/program_analysis.h"
#include "program/program.h"

namespace sysfence::emit {

std::string text_report(const program::Program& program, const analysis::AnalysisResult& result, double seconds);

}  // namespace sysfence::emit
