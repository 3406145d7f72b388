#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "analysis/program_analysis.h"
#include "cli/budget.h"
#include "cli/commands.h"
#include "cli/profile_output.h"
#include "cli/program_loading.h"
#include "cli/program_summary.h"
#include "cli/progress_line.h"
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
  BudgetOptions budget;
  bool accept_unresolved = false;
  bool allow_missing = false;
  std::string summary;  ///< where analyze-root wants the outcome (hidden option)
};

/// How many ranked unresolved sites the warning lists (the profile lists them all).
constexpr size_t kUnresolvedShown = 5;

class Analyze {
 public:
  explicit Analyze(const AnalyzeOptions& options) : options_(options) {}

  int run() {
    summary_.path = options_.program.binary;
    BudgetWatch watch(options_.budget, [this](const std::string& reason) { over_budget(reason); });
    std::string load_error;
    auto loaded = load_program(options_.program, &load_error);
    if (!loaded) return failed(2, load_error);
    if (const std::string missing = missing_libraries(loaded->program); !missing.empty()) {
      if (!options_.allow_missing) {
        std::cerr << fmt::format("sysfence: error: {}; no profile written (exit status 1): it would deny what they "
                                 "make. Put them in the sysroot, or pass --allow-missing\n",
                                 missing);
        return failed(1, missing);
      }
      std::cerr << fmt::format("sysfence: warning: {}; the profile denies what they would make\n", missing);
    }
    std::cerr << fmt::format("sysfence: analysing {} ({} modules)\n", loaded->program.modules()[0].path,
                             loaded->program.modules().size());
    Diagnostics diagnostics;
    const auto cache = make_cache(options_.cache);
    analysis::AnalysisOptions analysis = options_.analysis;
    ProgressLine progress(loaded->program.modules()[0].path);
    if (progress.enabled()) analysis.progress = [&progress](const auto& done) { progress.update(done); };
    auto result = analysis::analyse_exec_closure(loaded->root, loaded->program, options_.closure, diagnostics,
                                                cache ? &*cache : nullptr, analysis);
    progress.finish();  // cleared before anything else is said
    for (const auto& warning : diagnostics.warnings()) std::cerr << "sysfence: warning: " << warning << "\n";
    if (!result) {
      std::cerr << "sysfence: " << result.error().message << "\n";
      return failed(2, result.error().message);
    }
    const double seconds = elapsed();
    warn_about_unresolved(*result);
    warn_about_exec_sites(*result);
    if (auto added = add_runtime_syscalls(options_.format, *result); !added) {
      std::cerr << "sysfence: " << added.error().message << "\n";
      return failed(2, added.error().message);
    }
    auto text = render_profile(options_.format, loaded->program, *result, seconds);
    if (!text) {
      std::cerr << "sysfence: " << text.error().message << "\n";
      return failed(2, text.error().message);
    }
    writing_ = true;
    if (!write_output(options_.output, *text)) return failed(2, "cannot write " + options_.output);
    writing_ = false;
    watch.stop();  // the profile is written: what follows reports it
    std::cerr << fmt::format(
        "sysfence: {} syscalls, {} unresolved sites, {} functions ({} from the cache), {} program(s), {:.2f} s\n",
        result->allowed_count(), result->unresolved.size(), result->functions_analysed,
        result->functions_from_cache, result->executed.size(), seconds);
    summary_ = summarise(*result);
    summary_.path = options_.program.binary;
    finish(summary_);
    if (!result->unresolved.empty() && !options_.accept_unresolved) {
      std::cerr << "sysfence: the profile is incomplete (exit status 1): trace the program with a workload that "
                   "reaches these sites and add what they make, or pass --accept-unresolved (README: unresolved "
                   "sites)\n";
      return 1;
    }
    return 0;
  }

 private:
  double elapsed() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count(); }

  void warn_about_unresolved(const analysis::AnalysisResult& result) const {
    if (result.unresolved.empty()) return;
    std::cerr << fmt::format(
        "sysfence: {}: {} syscall site(s) with a number the analysis could not resolve; the profile does not allow "
        "what they make unless found elsewhere. Most likely to run first:\n",
        options_.accept_unresolved ? "warning" : "error", result.unresolved.size());
    const auto ranked = emit::ranked_unresolved(result);
    for (size_t i = 0; i < ranked.size() && i < kUnresolvedShown; ++i) std::cerr << "  " << ranked[i] << "\n";
    if (ranked.size() > kUnresolvedShown) std::cerr << "  … all are listed under \"unresolved\" in the profile\n";
  }

  int failed(int status, const std::string& error) {
    summary_.ok = false;
    summary_.error = error;
    finish(summary_);
    return status;
  }

  /// Writes the summary analyze-root asked for, with the time and memory taken.
  void finish(ProgramSummary& summary) const {
    if (options_.summary.empty()) return;
    summary.seconds = elapsed();
    summary.peak_mib = peak_resident_mib();
    write_summary(options_.summary, summary);
  }

  /// Called from the budget's watching thread, just before the process ends (so it
  /// touches nothing the analysis is using).
  void over_budget(const std::string& reason) const {
    std::cerr << fmt::format("sysfence: {}: {}; no profile written (exit status 1)\n", options_.program.binary, reason);
    if (writing_) std::remove((options_.output + ".tmp").c_str());  // write_output's temporary file
    ProgramSummary summary;
    summary.path = options_.program.binary;
    summary.error = reason;
    finish(summary);
  }

  const AnalyzeOptions& options_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  ProgramSummary summary_;
  std::atomic<bool> writing_ = false;
};

}  // namespace

void add_analyze_command(CLI::App& app, int& status) {
  auto options = std::make_shared<AnalyzeOptions>();
  CLI::App* sub = app.add_subcommand("analyze", "List every syscall the program can make (a seccomp profile)");
  add_program_options(*sub, options->program);
  sub->add_option("-o,--output", options->output, "Write the profile here instead of stdout");
  add_format_options(*sub, options->format);
  add_cache_options(*sub, options->cache);
  add_analysis_options(*sub, options->analysis);
  add_exec_closure_options(*sub, options->closure);
  add_allow_missing_option(*sub, options->allow_missing);
  sub->add_flag("--accept-unresolved", options->accept_unresolved,
                "Exit 0 although some syscall site's number is unknown (the profile may then kill the program "
                "when one of them runs)");
  add_budget_options(*sub, options->budget);
  sub->add_option("--summary", options->summary, "Write the outcome as JSON here (for analyze-root)")->group("");
  sub->callback([options, &status] { status = Analyze(*options).run(); });
}

}  // namespace sysfence::cli
