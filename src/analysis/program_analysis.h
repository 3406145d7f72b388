#pragma once
/// The whole-program analysis (DESIGN.md analysis/): from the program's entry points
/// (executable entry, interpreter entry, every module's initialisers, ifunc resolvers)
/// it analyses each reachable function once, follows direct calls, imports bound across
/// modules and indirect calls (to every address-taken function), then instantiates the
/// functions' parameter-dependent syscall sites at their call sites, bottom-up, until
/// every syscall number is a constant or is reported as unresolved. Calls a library model
/// holds back (LibraryModels) are followed once reachable code uses their feature.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "analysis/facts_cache.h"
#include "program/program.h"
#include "util/diagnostics.h"

namespace sysfence::analysis {

/// Where a syscall is made: the instruction, and the functions it was reached through
/// (innermost first, each "module:name" or "module:0xaddress").
struct SyscallOrigin {
  std::string module_path;  ///< the module's path inside the sysroot
  /// The exec'd program (ExecClosure) whose module it is; empty: the analysed program.
  std::string program;
  uint64_t address = 0;
  std::vector<std::string> via;
  /// How the outermost function of `via` was first reached, from its caller out to an
  /// entry point ("(pointer)": called through a function pointer).
  std::vector<std::string> reached;
};

/// A place where the program runs another program (an exec syscall, or a call of a
/// library function ExecCalls models), and the path it runs.
struct ExecSite {
  SyscallOrigin origin;
  /// The path, when the analysis knows it as a constant string; nullopt: not a constant.
  std::optional<std::string> path;
  bool searched = false;  ///< a name without '/' is looked up in PATH (posix_spawnp)
};

/// A program in the profile's exec closure (ExecClosure): the analysed one, what it
/// runs, what the user named with --also, and the interpreters of scripts among them.
struct ExecutedProgram {
  std::string path;  ///< inside the sysroot, as named (before symlinks)
  std::string why;   ///< "the analysed program", "run by …", "--also", "interpreter of …"
  /// The syscalls its own analysis allows; 0 when it could not be analysed.
  size_t syscalls = 0;
  /// Why it could not be analysed (not in the sysroot, not a program, …); its syscalls
  /// are then missing from the profile.
  std::optional<std::string> problem;
};

struct UnresolvedSyscall {
  SyscallOrigin origin;
  std::string reason;
};

/// One call site's constraint on a syscall: each scalar argument it pins (ScalarArgs)
/// with the values it can take there; arguments it does not pin are absent.
using ArgumentTuple = std::map<uint8_t, std::vector<uint64_t>>;

/// What the sites of one syscall pass in its scalar arguments.
struct SyscallArguments {
  /// Some site pins none of them (or the syscall has none): any arguments.
  bool any = false;
  /// Otherwise, one tuple per distinct site constraint: a call must match one of them.
  std::set<ArgumentTuple> tuples;
  /// When `any`: the sites that pass values the analysis cannot know, as found (at most
  /// kMaxOriginsPerSyscall; none for a syscall without scalar arguments or without an
  /// instruction for it).
  std::vector<SyscallOrigin> any_from;

  /// Whether a filter allows the syscall only with certain argument values.
  bool constrained() const { return !any && !tuples.empty(); }
};

/// How many sites AnalysisResult::syscalls keeps per syscall (for reports).
inline constexpr size_t kMaxOriginsPerSyscall = 4;

struct AnalysisResult {
  std::string arch;
  /// Syscall number → the sites that make it (at most kMaxOriginsPerSyscall).
  std::map<uint64_t, std::vector<SyscallOrigin>> syscalls;
  /// Numbers added without an instruction for them, with the reason.
  std::map<uint64_t, std::string> implied;
  /// Syscall number → the argument values its sites pass (every number in `syscalls`).
  std::map<uint64_t, SyscallArguments> arguments;
  std::vector<UnresolvedSyscall> unresolved;
  /// Every place that runs a program, once per path and call path.
  std::vector<ExecSite> exec_sites;
  /// The exec closure the profile covers ([0] the analysed program); empty when the
  /// closure was not built (analyse_program alone).
  std::vector<ExecutedProgram> executed;
  size_t functions_analysed = 0;
  size_t address_taken = 0;
  /// Reached calls whose target the analysis cannot tell, each of which therefore may go
  /// to every address-taken function (README: how the analysis works): calls through a
  /// pointer, and calls of an ifunc (and its address taken), which reach whatever its
  /// resolver returns.
  size_t fallback_pointer_calls = 0;
  size_t fallback_ifunc_calls = 0;
  size_t functions_from_cache = 0;
  /// Library features no reachable code uses (library models, LibraryModels): the calls
  /// their gates hold back were not followed. One line each, naming library, feature and wrappers.
  std::vector<std::string> closed_gates;

  /// How many syscalls the profile allows: those made and those implied.
  size_t allowed_count() const { return syscalls.size() + implied.size(); }
};

/// How far an analysis has come (for progress reports).
struct AnalysisProgress {
  size_t modules = 0;
  size_t functions_analysed = 0;
  size_t functions_found = 0;  ///< analysed or queued
};

struct AnalysisOptions {
  /// Apply the library models of data/library_gates.json.
  bool library_models = true;
  /// Worker threads analysing functions and loading modules; 0: one per core.
  unsigned threads = 0;
  /// Called from the analysing thread after each wave of functions.
  std::function<void(const AnalysisProgress&)> progress;
};

/// Analyses `program`; problems that leave the analysis conservative go to `diagnostics`.
/// With a `cache`, per-function facts are read from and written back to it.
Result<AnalysisResult> analyse_program(const program::Program& program, Diagnostics& diagnostics,
                                       const FactsCache* cache = nullptr, const AnalysisOptions& options = {});

}  // namespace sysfence::analysis
