#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/exec_calls.h"
#include "analysis/program_analysis.h"
#include "analysis/syscall_names.h"
#include "cli/commands.h"
#include "cli/program_loading.h"
#include "emit/report.h"

namespace sysfence::cli {
namespace {

struct ExplainOptions {
  ProgramOptions program;
  std::string syscall;
  CacheOptions cache;
  analysis::AnalysisOptions analysis;
  analysis::ExecClosureOptions closure;
};

/// The number of `text`: a syscall name on this architecture, or a number.
std::optional<uint64_t> syscall_number(const analysis::SyscallNames& names, const std::string& text) {
  if (auto nr = names.number(text)) return nr;
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) return std::stoull(text);
  return std::nullopt;
}

/// The functions a site was reached through, innermost first, out to an entry point.
void print_call_path(const analysis::SyscallOrigin& origin) {
  for (const auto& via : origin.via) std::cout << "    in " << via << "\n";
  for (const auto& from : origin.reached) std::cout << "    reached from " << from << "\n";
}

/// What the profile lets the syscall's scalar arguments be, and, when anything, which
/// site is why.
void print_arguments(const analysis::AnalysisResult& result, uint64_t nr) {
  auto known = result.arguments.find(nr);
  if (known == result.arguments.end()) return;
  const analysis::SyscallArguments& arguments = known->second;
  if (!arguments.any) {
    std::cout << "arguments: only these values (one line per site constraint, index: values):\n";
    for (const auto& tuple : arguments.tuples) {
      std::string line;
      for (const auto& [index, values] : tuple) {
        line += fmt::format("{}{}: {:#x}", line.empty() ? "" : "; ", index, fmt::join(values, " "));
      }
      std::cout << "  " << line << "\n";
    }
    return;
  }
  if (arguments.any_from.empty()) {
    std::cout << "arguments: any (it has no argument a filter checks)\n";
    return;
  }
  // Every site listed must be fixed before the profile can pin the arguments.
  for (const auto& origin : arguments.any_from) {
    std::cout << fmt::format("arguments: any, because the site at {} passes values the analysis cannot know:\n",
                             emit::site_place(origin));
    print_call_path(origin);
  }
  if (arguments.any_from.size() >= analysis::kMaxOriginsPerSyscall) {
    std::cout << fmt::format("(the first {} such paths; there may be more)\n", analysis::kMaxOriginsPerSyscall);
  }
}

/// Where the program runs programs, what, and which programs the profile covers.
void print_exec_sites(const analysis::AnalysisResult& result) {
  std::cout << fmt::format("exec sites: {}\n", result.exec_sites.size());
  for (const auto& site : result.exec_sites) {
    std::cout << fmt::format("  {} runs {}\n", emit::site_place(site.origin),
                             site.path ? *site.path : "a path that is not a constant");
    print_call_path(site.origin);
  }
  for (const auto& p : result.executed) {
    std::cout << fmt::format("program in the profile: {} ({}){}\n", p.path, p.why,
                             p.problem ? "; not analysed: " + *p.problem : "");
  }
}

int run_explain(const ExplainOptions& options) {
  auto loaded = load_program(options.program);
  if (!loaded) return 2;
  Diagnostics diagnostics;
  const auto cache = make_cache(options.cache);
  auto result = analysis::analyse_exec_closure(loaded->root, loaded->program, options.closure, diagnostics,
                                              cache ? &*cache : nullptr, options.analysis);
  if (!result) {
    std::cerr << "sysfence: " << result.error().message << "\n";
    return 2;
  }
  const analysis::SyscallNames names(result->arch);
  const auto nr = syscall_number(names, options.syscall);
  if (!nr) {
    std::cerr << fmt::format("sysfence: {}: not a syscall name or number on {}\n", options.syscall, result->arch);
    return 2;
  }
  const std::string name = names.name(*nr).value_or(options.syscall);
  if (analysis::ExecCalls::table().syscall_path(name)) print_exec_sites(*result);
  if (auto implied = result->implied.find(*nr); implied != result->implied.end()) {
    std::cout << fmt::format("{} ({}) is allowed without an instruction for it: {}\n", name, *nr, implied->second);
    return 0;
  }
  auto found = result->syscalls.find(*nr);
  if (found == result->syscalls.end()) {
    std::cout << fmt::format("{} ({}) is not reachable from the program's entry points", name, *nr);
    if (!result->unresolved.empty()) {
      std::cout << fmt::format(" (except perhaps through one of the {} unresolved sites)", result->unresolved.size());
    }
    std::cout << "\n";
    for (const auto& gate : result->closed_gates) {
      std::cout << fmt::format("  library model: {} (--no-library-models follows them)\n", gate);
    }
    return 1;
  }
  // The analysis keeps a few sites per syscall, each with the functions its number was
  // resolved through (a site with a constant number names only its own function).
  std::cout << fmt::format("{} ({}) is made at these sites, innermost function first:\n", name, *nr);
  for (const auto& origin : found->second) {
    std::cout << "  " << emit::site_place(origin) << "\n";
    print_call_path(origin);
  }
  print_arguments(*result, *nr);
  return 0;
}

}  // namespace

void add_explain_command(CLI::App& app, int& status) {
  auto options = std::make_shared<ExplainOptions>();
  CLI::App* sub = app.add_subcommand("explain", "Show the call paths through which the program makes SYSCALL");
  add_program_options(*sub, options->program);
  sub->add_option("SYSCALL", options->syscall, "A syscall name (e.g. socket) or number")->required();
  add_cache_options(*sub, options->cache);
  add_analysis_options(*sub, options->analysis);
  add_exec_closure_options(*sub, options->closure);
  sub->callback([options, &status] { status = run_explain(*options); });
}

}  // namespace sysfence::cli
