#pragma once
/// The readable summary (`--format report`): counts, syscalls grouped by kind, the
/// unresolved sites, and the time taken.

#include <string>

#include "analysis/program_analysis.h"
#include "program/program.h"

namespace sysfence::emit {

/// Where a site is, for people: "MODULE 0xADDRESS", prefixed "[PROGRAM] " when it lies in
/// a program of the exec closure other than the analysed one.
std::string site_place(const analysis::SyscallOrigin& origin);

std::string text_report(const program::Program& program, const analysis::AnalysisResult& result, double seconds);

}  // namespace sysfence::emit
