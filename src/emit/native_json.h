#pragma once
/// The native policy JSON of DESIGN.md ("sysfence-policy/1").

#include <nlohmann/json.hpp>

#include "analysis/program_analysis.h"
#include "program/program.h"

namespace sysfence::emit {

/// The policy; without `with_arguments` every syscall is allowed with any arguments
/// (`--no-args`, the syscall-only profile).
nlohmann::json native_policy(const program::Program& program, const analysis::AnalysisResult& result,
                             bool with_arguments = true);

/// A syscall's "rules": one {"args": {"i": [values]}} per distinct site constraint, or
/// empty (any arguments).
nlohmann::json rules_json(const analysis::SyscallArguments& arguments);

}  // namespace sysfence::emit
