#pragma once
/// The options every subcommand that reads a program shares (BINARY, --sysroot), and
/// loading the program, or a policy file, with warnings and errors reported on stderr.

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "analysis/exec_closure.h"
#include "analysis/facts_cache.h"
#include "analysis/program_analysis.h"
#include "enforce/trace_reader.h"
#include "policy/policy_file.h"
#include "program/program.h"

namespace sysfence::cli {

struct ProgramOptions {
  std::string binary;
  std::string sysroot = "/";
};

/// Adds BINARY and --sysroot to `command`.
void add_program_options(CLI::App& command, ProgramOptions& options);

struct LoadedProgram {
  program::Sysroot root;
  program::Program program;
};

/// Loads the program; prints warnings, and on failure the error, on stderr (and stores it
/// in `error` when given).
std::optional<LoadedProgram> load_program(const ProgramOptions& options, std::string* error = nullptr);

/// "" when every library `program` needs is in the sysroot; otherwise what is missing and
/// who needs it, for an error: its profile would deny what those libraries make.
std::string missing_libraries(const program::Program& program);

/// Adds --allow-missing to `command`: write a profile although libraries are missing.
void add_allow_missing_option(CLI::App& command, bool& allow_missing);

struct CacheOptions {
  std::string directory = analysis::FactsCache::default_directory().string();
  bool disabled = false;
};

/// Adds --cache DIR and --no-cache to `command`.
void add_cache_options(CLI::App& command, CacheOptions& options);

/// Adds --no-library-models and --threads N to `command`: the analysis options they set.
void add_analysis_options(CLI::App& command, analysis::AnalysisOptions& options);

/// Adds --also PROGRAM (repeatable) and --no-exec-closure to `command`: the exec closure
/// options they set.
void add_exec_closure_options(CLI::App& command, analysis::ExecClosureOptions& options);

/// Says on stderr how many exec sites run a path the analysis cannot know.
void warn_about_exec_sites(const analysis::AnalysisResult& result);

/// The facts cache the options ask for, or nullopt with --no-cache.
std::optional<analysis::FactsCache> make_cache(const CacheOptions& options);

/// Reads the run recorded in `path` (enforce::read_trace) for libseccomp's architecture
/// `arch`; on failure says why on stderr.
std::optional<std::vector<enforce::TracedCall>> load_trace(const std::string& path, const std::string& arch);

/// Loads a policy file as policy::load_policy_file does; prints its warnings, and on
/// failure the error, on stderr.
std::optional<policy::LoadedPolicy> load_policy(const std::string& path, const std::string& arch,
                                                std::optional<policy::DenyAction> action);

}  // namespace sysfence::cli
