#pragma once
/// The exec closure of a program (DESIGN.md: a filter loaded before exec is inherited by
/// every program exec'd, so a profile is the union over them): the programs it runs by a
/// constant path (its exec sites, ExecCalls), the programs a deployment runs that its
/// code cannot name (`--also`: CGI interpreters, hook scripts' shells), and the
/// interpreter of each `#!` script among them, recursively, each analysed once in the
/// same sysroot. A target that cannot be analysed is listed with the reason, never
/// dropped silently; an exec site whose path is not a constant is listed as such.

#include <string>
#include <vector>

#include "analysis/facts_cache.h"
#include "analysis/program_analysis.h"
#include "program/program.h"
#include "program/sysroot.h"
#include "util/diagnostics.h"

namespace sysfence::analysis {

struct ExecClosureOptions {
  /// Paths inside the sysroot of programs the analysed one runs without naming them.
  std::vector<std::string> also;
  /// Follow the constant paths of exec sites (false: only `also`).
  bool follow_exec_sites = true;
};

/// Where a program that names `path` (absolute, or a bare name looked up in PATH as the
/// exec functions that search do) finds it inside `root`: its canonical inside path, or
/// nullopt. `self` answers for /proc/self/exe.
std::optional<std::string> find_executed(const program::Sysroot& root, const std::string& path,
                                         const std::string& self);

/// Analyses `program` and its exec closure inside `root`. The result is the union of the
/// members' analyses (syscalls, argument rules, unresolved and exec sites); its
/// `executed` lists every member, [0] being `program`. Problems loading a member go to
/// `diagnostics` and the member's `problem`.
Result<AnalysisResult> analyse_exec_closure(const program::Sysroot& root, const program::Program& program,
                                            const ExecClosureOptions& closure, Diagnostics& diagnostics,
                                            const FactsCache* cache = nullptr, const AnalysisOptions& options = {});

}  // namespace sysfence::analysis
