#pragma once
/// Rendering an analysis as a profile in the format a user asked for, and writing it
/// without leaving a half-written file: shared by `analyze` and `analyze-root`.

#include <string>

#include <CLI/CLI.hpp>

#include "analysis/program_analysis.h"
#include "program/program.h"
#include "util/result.h"

namespace sysfence::cli {

struct FormatOptions {
  std::string format = "native";
  std::string action = "kill";
  std::string rule_order = "tree";
  bool no_args = false;
  /// The container runtimes whose calls after loading the filter the profile allows
  /// ("runc,crun", "none"); empty: runc and crun for the oci format, none otherwise.
  std::string runtime;
};

/// Adds --format, --action, --rule-order, --no-args and --runtime to `command`.
void add_format_options(CLI::App& command, FormatOptions& options);

/// Adds, as implied syscalls, what the container runtimes `options` name (by default
/// runc and crun for the oci format) make after they load the filter: before the
/// profile is counted or rendered, so that counts and profile agree.
Result<void> add_runtime_syscalls(const FormatOptions& options, analysis::AnalysisResult& result);

/// The profile of `result` in the format asked for (the BPF program as its raw bytes);
/// says on stderr which argument constraints the filter could not keep.
Result<std::string> render_profile(const FormatOptions& options, const program::Program& program,
                                   analysis::AnalysisResult result, double seconds);

/// Writes `text` to `path` atomically (a temporary file, then a rename), or to stdout for
/// "" and "-"; false, said on stderr, when it cannot.
bool write_output(const std::string& path, const std::string& text);

}  // namespace sysfence::cli
