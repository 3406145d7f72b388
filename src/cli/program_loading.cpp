#include "cli/program_loading.h"

#include <linux/audit.h>
#include <seccomp.h>

#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "enforce/trace_constants.h"
#include "util/file_text.h"

namespace sysfence::cli {

void add_program_options(CLI::App& command, ProgramOptions& options) {
  command.add_option("BINARY", options.binary, "The program: a path inside the sysroot, or a host path under it")
      ->required();
  command.add_option("--sysroot", options.sysroot, "The firmware root filesystem the program runs in")
      ->capture_default_str();
}

void add_cache_options(CLI::App& command, CacheOptions& options) {
  command.add_option("--cache", options.directory, "Where per-function facts of each library are cached")
      ->capture_default_str();
  command.add_flag("--no-cache", options.disabled, "Analyse everything afresh and leave the cache alone");
}

void add_analysis_options(CLI::App& command, analysis::AnalysisOptions& options) {
  command.add_flag_callback(
      "--no-library-models", [&options] { options.library_models = false; },
      "Follow every call inside libraries, also the code a library runs only for features no reachable code "
      "uses (data/library_gates.json; README: library models)");
  command.add_option("--threads", options.threads, "Threads analysing one program (default: one per core)")
      ->check(CLI::Range(1u, 256u));
}

void add_exec_closure_options(CLI::App& command, analysis::ExecClosureOptions& options) {
  command.add_option("--also", options.also,
                     "A program (path inside the sysroot) the analysed one runs without naming it in its code (a CGI "
                     "interpreter, a hook script's shell): its syscalls join the profile; repeatable");
  command.add_flag_callback(
      "--no-exec-closure", [&options] { options.follow_exec_sites = false; },
      "Leave out the programs the analysed one runs by a constant path (README: exec closure); a filter loaded "
      "before exec kills them");
}

void warn_about_exec_sites(const analysis::AnalysisResult& result) {
  size_t unknown = 0;
  for (const auto& site : result.exec_sites) unknown += site.path ? 0 : 1;
  if (unknown == 0) return;
  std::cerr << fmt::format(
      "sysfence: warning: {} exec site(s) run a program the analysis cannot name (listed under \"exec\" with path "
      "null); a filter loaded before exec is inherited, so add what they run with --also\n",
      unknown);
}

std::optional<analysis::FactsCache> make_cache(const CacheOptions& options) {
  if (options.disabled) return std::nullopt;
  return analysis::FactsCache(options.directory);
}

std::optional<LoadedProgram> load_program(const ProgramOptions& options, std::string* error) {
  const auto fail = [&](const std::string& message) {
    std::cerr << "sysfence: " << message << "\n";
    if (error != nullptr) *error = message;
    return std::nullopt;
  };
  std::error_code ec;
  if (!std::filesystem::is_directory(options.sysroot, ec)) {
    return fail(fmt::format("{}: sysroot is not a directory", options.sysroot));
  }
  program::Sysroot root(options.sysroot);
  Diagnostics diagnostics;
  auto program = program::Program::load(root, options.binary, diagnostics);
  for (const auto& warning : diagnostics.warnings()) std::cerr << "sysfence: warning: " << warning << "\n";
  if (!program) return fail(program.error().message);
  return LoadedProgram{std::move(root), std::move(*program)};
}

std::string missing_libraries(const program::Program& program) {
  std::vector<std::string> gaps;
  for (const auto& gap : program.missing()) gaps.push_back(fmt::format("{} (needed by {})", gap.name, gap.needed_by));
  if (gaps.empty()) return "";
  return fmt::format("{}: {} librar{} not in the sysroot: {}", program.modules()[0].path, gaps.size(),
                     gaps.size() == 1 ? "y" : "ies", fmt::join(gaps, ", "));
}

void add_allow_missing_option(CLI::App& command, bool& allow_missing) {
  command.add_flag("--allow-missing", allow_missing,
                   "Write a profile although libraries the program needs are not in the sysroot (it then denies "
                   "what they would make)");
}

std::optional<std::vector<enforce::TracedCall>> load_trace(const std::string& path, const std::string& arch) {
  auto text = read_whole_file(path);
  if (!text) {
    std::cerr << "sysfence: " << text.error().message << "\n";
    return std::nullopt;
  }
  const uint32_t audit_arch = seccomp_arch_resolve_name(arch.c_str());
  const int bits = audit_arch & __AUDIT_ARCH_64BIT ? 64 : 32;
  auto calls = enforce::read_trace(*text, path, bits, enforce::TraceConstants(arch));
  if (!calls) {
    std::cerr << "sysfence: " << calls.error().message << "\n";
    return std::nullopt;
  }
  return std::move(*calls);
}

std::optional<policy::LoadedPolicy> load_policy(const std::string& path, const std::string& arch,
                                                std::optional<policy::DenyAction> action) {
  auto loaded = policy::load_policy_file(path, arch, action);
  if (!loaded) {
    std::cerr << "sysfence: " << loaded.error().message << "\n";
    return std::nullopt;
  }
  for (const auto& warning : loaded->warnings) std::cerr << "sysfence: warning: " << warning << "\n";
  return std::move(*loaded);
}

}  // namespace sysfence::cli
