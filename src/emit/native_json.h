#pragma once
/// The native policy JSON of DESIGN.md ("sysfence-policy/1").

#include <nlohmann/json.hpp>

#include "analysis/program_analysis.h"
#include "policy/profile.h"
#include "program/program.h"

namespace sysfence::emit {

/// The policy; without `with_arguments` every syscall is allowed with any arguments
/// (`--no-args`, the syscall-only profile).
nlohmann::json native_policy(const program::Program& program, const analysis::AnalysisResult& result,
                             bool with_arguments = true);

/// One rule: {"args": {"i": [values]}}.
nlohmann::json rule_json(const analysis::ArgumentTuple& rule);

}  // namespace sysfence::emit
