#pragma once
/// One program's outcome in a root's analysis: what `analyze --summary FILE` writes for
/// `analyze-root`, which runs each program's analysis as a process of its own.

#include <optional>
#include <string>

#include "analysis/program_analysis.h"

namespace sysfence::cli {

struct ProgramSummary {
  std::string path;  ///< inside the root
  bool ok = false;
  std::string error;
  size_t syscalls = 0;
  size_t own_syscalls = 0;  ///< without the programs it runs (its exec closure)
  size_t runs = 0;          ///< programs of its exec closure besides itself
  size_t constrained = 0;   ///< syscalls allowed only with certain argument values
  size_t unresolved = 0;
  double seconds = 0;
  size_t peak_mib = 0;  ///< the analysing process's peak resident memory
};

/// The figures of `result` (ok, not timed).
ProgramSummary summarise(const analysis::AnalysisResult& result);

/// Writes `summary` to `file` as JSON; false when it cannot.
bool write_summary(const std::string& file, const ProgramSummary& summary);

/// The summary in `file`, or nullopt when there is none (the process ended first).
std::optional<ProgramSummary> read_summary(const std::string& file);

/// This process's peak resident memory in MiB (VmHWM), or 0 when /proc cannot say.
size_t peak_resident_mib();

}  // namespace sysfence::cli
