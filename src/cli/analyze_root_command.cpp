#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <set>
#include <thread>

#include <elf.h>
#include <fmt/format.h>

#include "analysis/program_analysis.h"
#include "cli/commands.h"
#include "cli/profile_output.h"
#include "cli/program_loading.h"
#include "program/module.h"
#include "program/program.h"

namespace sysfence::cli {
namespace {

namespace fs = std::filesystem;

struct AnalyzeRootOptions {
  std::string root;
  std::string output;
  unsigned jobs = 1;
  FormatOptions format;
  CacheOptions cache;
  analysis::AnalysisOptions analysis;
  analysis::ExecClosureOptions closure;
  bool allow_missing = false;
};

/// One program's outcome.
struct ProgramSummary {
  std::string path;  ///< inside the root
  bool ok = false;
  std::string error;
  size_t syscalls = 0;
  size_t own_syscalls = 0;  ///< without the programs it runs (its exec closure)
  size_t runs = 0;          ///< programs of its exec closure besides itself
  size_t constrained = 0;  ///< syscalls allowed only with certain argument values
  size_t unresolved = 0;
  double seconds = 0;
};

/// Whether `file` is a program a root runs (not a library): an executable, or a
/// position-independent one (an interpreter, or static-pie's DF_1_PIE, and no soname).
bool is_program(const fs::path& file) {
  auto loaded = program::load_file(file.string(), file.string());
  if (!loaded) return false;
  const elf::ElfFile& elf = loaded->elf;
  if (elf.header().type == elf::FileType::Executable) return true;
  if (elf.header().type != elf::FileType::SharedObject || !elf.dynamic().soname.empty()) return false;
  return elf.interpreter().has_value() || (elf.dynamic().flags_1 & DF_1_PIE) != 0;
}

/// Every program under `root`, as paths inside it, sorted. The kernel's and the run
/// time's virtual trees (proc, sys, dev, run) are not entered.
std::vector<std::string> programs_under(const fs::path& root) {
  static const std::set<std::string> kVirtual = {"proc", "sys", "dev", "run"};
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path relative = it->path().lexically_relative(root);
    if (it.depth() == 0 && it->is_directory() && kVirtual.count(relative.string())) {
      it.disable_recursion_pending();
      continue;
    }
    std::error_code status_error;
    if (it->is_symlink(status_error) || !it->is_regular_file(status_error)) continue;
    char magic[4] = {};
    if (FILE* f = std::fopen(it->path().c_str(), "rb")) {
      const size_t got = std::fread(magic, 1, sizeof magic, f);
      std::fclose(f);
      if (got != sizeof magic || std::string_view(magic, 4) != "\x7f" "ELF") continue;
    }
    if (is_program(it->path())) out.push_back("/" + relative.string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// The file a program's profile goes to under `directory`, by format.
fs::path output_file(const std::string& directory, const std::string& program, const std::string& format) {
  static const std::map<std::string, std::string> kExtension = {
      {"native", ".json"}, {"oci", ".json"}, {"report", ".txt"}, {"bpf", ".bpf"}, {"c", ".c"}, {"systemd", ".conf"}};
  return fs::path(directory) / (program.substr(1) + kExtension.at(format));
}

class RootAnalysis {
 public:
  RootAnalysis(const AnalyzeRootOptions& options, std::vector<std::string> programs)
      : options_(options),
        root_(options.root),
        cache_(make_cache(options.cache)),
        programs_(std::move(programs)),
        summaries_(programs_.size()) {}

  /// Analyses every program with `options_.jobs` at a time; the summaries in path order.
  const std::vector<ProgramSummary>& run() {
    std::vector<std::thread> workers;
    for (unsigned w = 0; w < std::max(1u, options_.jobs); ++w) {
      workers.emplace_back([this] {
        for (size_t i; (i = next_++) < programs_.size();) analyse(i);
      });
    }
    for (auto& worker : workers) worker.join();
    return summaries_;
  }

 private:
  void analyse(size_t index) {
    const auto started = std::chrono::steady_clock::now();
    ProgramSummary& s = summaries_[index];
    s.path = programs_[index];
    Diagnostics diagnostics;
    auto program = program::Program::load(root_, s.path, diagnostics);
    if (!program) {
      s.error = program.error().message;
    } else if (const std::string missing = missing_libraries(*program); !missing.empty() && !options_.allow_missing) {
      s.error = missing;
    } else if (auto result = analysis::analyse_exec_closure(root_, *program, options_.closure, diagnostics,
                                                            cache_ ? &*cache_ : nullptr, options_.analysis);
               !result) {
      s.error = result.error().message;
    } else {
      s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      s.syscalls = result->syscalls.size() + result->implied.size();
      s.own_syscalls = result->executed.front().syscalls;
      s.runs = result->executed.size() - 1;
      s.unresolved = result->unresolved.size();
      for (const auto& [nr, arguments] : result->arguments) {
        s.constrained += arguments.constrained();
      }
      s.ok = write(*program, std::move(*result), s);
    }
    report(s, diagnostics);
  }

  bool write(const program::Program& program, analysis::AnalysisResult result, ProgramSummary& s) {
    if (options_.output.empty()) return true;
    auto text = render_profile(options_.format, program, std::move(result), s.seconds);
    if (!text) {
      s.error = text.error().message;
      return false;
    }
    const fs::path file = output_file(options_.output, s.path, options_.format.format);
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    if (!write_output(file.string(), *text)) {
      s.error = fmt::format("{}: cannot write", file.string());
      return false;
    }
    return true;
  }

  /// Progress and the warnings not yet shown (each distinct warning once), on stderr.
  void report(const ProgramSummary& s, const Diagnostics& diagnostics) {
    std::lock_guard lock(report_mutex_);
    for (const auto& warning : diagnostics.warnings()) {
      if (warned_.insert(warning).second) std::cerr << "sysfence: warning: " << s.path << ": " << warning << "\n";
    }
    ++done_;
    if (s.ok) {
      std::cerr << fmt::format("sysfence: [{}/{}] {}: {} syscalls, {} unresolved sites, {:.2f} s\n", done_,
                               programs_.size(), s.path, s.syscalls, s.unresolved, s.seconds);
    } else {
      std::cerr << fmt::format("sysfence: [{}/{}] {}: not analysed: {}\n", done_, programs_.size(), s.path, s.error);
    }
  }

  const AnalyzeRootOptions& options_;
  program::Sysroot root_;
  const std::optional<analysis::FactsCache> cache_;  ///< one for every program: each library is analysed once
  std::vector<std::string> programs_;
  std::vector<ProgramSummary> summaries_;
  std::atomic<size_t> next_ = 0;
  std::mutex report_mutex_;
  std::set<std::string> warned_;
  size_t done_ = 0;
};

/// The summary table on stdout: one row per program, then the mean, median and range.
void print_summary(const std::vector<ProgramSummary>& summaries) {
  std::cout << "| program | syscalls allowed | of its own | programs it runs | with argument rules | unresolved sites "
               "| time (s) |\n|---|---:|---:|---:|---:|---:|---:|\n";
  std::vector<size_t> counts;
  for (const auto& s : summaries) {
    if (!s.ok) {
      std::cout << fmt::format("| {} | not analysed: {} | | | | | |\n", s.path, s.error);
      continue;
    }
    std::cout << fmt::format("| {} | {} | {} | {} | {} | {} | {:.2f} |\n", s.path, s.syscalls, s.own_syscalls, s.runs,
                             s.constrained, s.unresolved, s.seconds);
    counts.push_back(s.syscalls);
  }
  std::sort(counts.begin(), counts.end());
  std::cout << fmt::format("\n{} programs analysed, {} not", counts.size(), summaries.size() - counts.size());
  if (!counts.empty()) {
    const double mean = static_cast<double>(std::accumulate(counts.begin(), counts.end(), size_t{0})) /
                        static_cast<double>(counts.size());
    const size_t n = counts.size();
    const double median = n % 2 ? static_cast<double>(counts[n / 2])
                                : (static_cast<double>(counts[n / 2 - 1]) + static_cast<double>(counts[n / 2])) / 2;
    std::cout << fmt::format(": {:.1f} syscalls allowed on average (median {:g}, {}–{})", mean, median,
                             counts.front(), counts.back());
  }
  std::cout << "\n";
}

int run_analyze_root(const AnalyzeRootOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(options.root, ec)) {
    std::cerr << fmt::format("sysfence: {}: not a directory\n", options.root);
    return 2;
  }
  std::cerr << fmt::format("sysfence: looking for programs under {}\n", options.root);
  auto programs = programs_under(fs::path(options.root));
  if (programs.empty()) {
    std::cerr << fmt::format("sysfence: {}: no ELF programs found\n", options.root);
    return 2;
  }
  std::cerr << fmt::format("sysfence: {} programs to analyse, {} at a time\n", programs.size(), options.jobs);
  RootAnalysis analysis(options, std::move(programs));
  const auto& summaries = analysis.run();
  print_summary(summaries);
  const bool all = std::all_of(summaries.begin(), summaries.end(), [](const auto& s) { return s.ok; });
  return all ? 0 : 1;
}

}  // namespace

void add_analyze_root_command(CLI::App& app, int& status) {
  auto options = std::make_shared<AnalyzeRootOptions>();
  CLI::App* sub = app.add_subcommand("analyze-root", "Analyse every ELF program in a firmware root filesystem");
  sub->footer(
      "Programs are executables and position-independent executables (an interpreter or DF_1_PIE, no soname) "
      "anywhere under ROOTFS, except proc, sys, dev and run. With -o DIR, each program's profile goes to "
      "DIR/PATH.EXT (the program's path inside ROOTFS; .json, .txt, .bpf, .c or .conf by format). A Markdown "
      "summary goes to stdout, progress to stderr. Exit 1 when some program could not be analysed (a program "
      "whose libraries are not all in ROOTFS is not, unless --allow-missing).");
  sub->add_option("ROOTFS", options->root, "The firmware root filesystem")->required();
  sub->add_option("-o,--output", options->output, "Write each program's profile under this directory");
  sub->add_option("-j,--jobs", options->jobs, "Programs analysed at a time")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  add_format_options(*sub, options->format);
  add_cache_options(*sub, options->cache);
  add_library_models_option(*sub, options->analysis);
  add_exec_closure_options(*sub, options->closure);
  add_allow_missing_option(*sub, options->allow_missing);
  sub->callback([options, &status] { status = run_analyze_root(*options); });
}

}  // namespace sysfence::cli
