#pragma once
/// The native policy JSON of DESIGN.md ("sysfence-policy/1").

#include <nlohmann/json.hpp>

#include "analysis/program_analysis.h"
#include "program/program.h"

namespace sysfence::emit {

nlohmann::json native_policy(const program::Program& program, const analysis::AnalysisResult& result);

}  // namespace sysfence::emit
