#include <chrono>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "analysis/program_analysis.h"
#include "cli/commands.h"
#include "cli/profile_output.h"
#include "cli/program_loading.h"
#include "emit/report.h"

namespace sysfence::cli {
namespace {

struct AnalyzeOptions {
  ProgramOptions program;
  std::string output;
  FormatOptions format;
  CacheOptions cache;
  analysis::AnalysisOptions analysis;
  analysis::ExecClosureOptions closure;
  bool accept_unresolved = false;
  bool allow_missing = false;
};

/// How many ranked unresolved sites the warning lists (the profile lists them all).
constexpr size_t kUnresolvedShown = 5;

int run_analyze(const AnalyzeOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto loaded = load_program(options.program);
  if (!loaded) return 2;
  if (const std::string missing = missing_libraries(loaded->program); !missing.empty()) {
    if (!options.allow_missing) {
      std::cerr << fmt::format("sysfence: error: {}; no profile written (exit status 1): it would deny what they "
                               "make. Put them in the sysroot, or pass --allow-missing\n",
                               missing);
      return 1;
    }
    std::cerr << fmt::format("sysfence: warning: {}; the profile denies what they would make\n", missing);
  }
  std::cerr << fmt::format("sysfence: analysing {} ({} modules)\n", loaded->program.modules()[0].path,
                           loaded->program.modules().size());
  Diagnostics diagnostics;
  const auto cache = make_cache(options.cache);
  auto result = analysis::analyse_exec_closure(loaded->root, loaded->program, options.closure, diagnostics,
                                              cache ? &*cache : nullptr, options.analysis);
  for (const auto& warning : diagnostics.warnings()) std::cerr << "sysfence: warning: " << warning << "\n";
  if (!result) {
    std::cerr << "sysfence: " << result.error().message << "\n";
    return 2;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!result->unresolved.empty()) {
    std::cerr << fmt::format(
        "sysfence: {}: {} syscall site(s) with a number the analysis could not resolve; the profile does not allow "
        "what they make unless found elsewhere. Most likely to run first:\n",
        options.accept_unresolved ? "warning" : "error", result->unresolved.size());
    const auto ranked = emit::ranked_unresolved(*result);
    for (size_t i = 0; i < ranked.size() && i < kUnresolvedShown; ++i) std::cerr << "  " << ranked[i] << "\n";
    if (ranked.size() > kUnresolvedShown) std::cerr << "  … all are listed under \"unresolved\" in the profile\n";
  }
  warn_about_exec_sites(*result);
  auto text = render_profile(options.format, loaded->program, *result, seconds);
  if (!text) {
    std::cerr << "sysfence: " << text.error().message << "\n";
    return 2;
  }
  if (!write_output(options.output, *text)) return 2;
  std::cerr << fmt::format(
      "sysfence: {} syscalls, {} unresolved sites, {} functions ({} from the cache), {} program(s), {:.2f} s\n",
      result->syscalls.size() + result->implied.size(), result->unresolved.size(), result->functions_analysed,
      result->functions_from_cache, result->executed.size(), seconds);
  if (!result->unresolved.empty() && !options.accept_unresolved) {
    std::cerr << "sysfence: the profile is incomplete (exit status 1): trace the program with a workload that reaches "
                 "these sites and add what they make, or pass --accept-unresolved (README: unresolved sites)\n";
    return 1;
  }
  return 0;
}

}  // namespace

void add_analyze_command(CLI::App& app, int& status) {
  auto options = std::make_shared<AnalyzeOptions>();
  CLI::App* sub = app.add_subcommand("analyze", "List every syscall the program can make (a seccomp profile)");
  add_program_options(*sub, options->program);
  sub->add_option("-o,--output", options->output, "Write the profile here instead of stdout");
  add_format_options(*sub, options->format);
  add_cache_options(*sub, options->cache);
  add_library_models_option(*sub, options->analysis);
  add_exec_closure_options(*sub, options->closure);
  add_allow_missing_option(*sub, options->allow_missing);
  sub->add_flag("--accept-unresolved", options->accept_unresolved,
                "Exit 0 although some syscall site's number is unknown (the profile may then kill the program "
                "when one of them runs)");
  sub->callback([options, &status] { status = run_analyze(*options); });
}

}  // namespace sysfence::cli
