#pragma once
/// The readable summary (`--format report`): counts, syscalls grouped by kind, the
/// unresolved sites, and the time taken.

#include <string>
#include <vector>

#include "analysis/program_analysis.h"
#include "program/program.h"

namespace sysfence::emit {

/// Where a site is, for people: "MODULE 0xADDRESS", prefixed "[PROGRAM] " when it lies in
/// a program of the exec closure other than the analysed one.
std::string site_place(const analysis::SyscallOrigin& origin);

/// The unresolved sites, one line each, those most likely to run first: ranked by how
/// many calls through function pointers lie between an entry point and the site (code
/// reached by direct calls from main runs in more deployments than code some pointer
/// may reach). A line names the site, the functions it was resolved through, how the
/// outermost was reached, and why its number is not known.
std::vector<std::string> ranked_unresolved(const analysis::AnalysisResult& result);

std::string text_report(const program::Program& program, const analysis::AnalysisResult& result, double seconds);

}  // namespace sysfence::emit
