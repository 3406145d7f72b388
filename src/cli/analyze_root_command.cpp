#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <set>
#include <thread>

#include <elf.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fmt/format.h>

#include "analysis/program_analysis.h"
#include "cli/budget.h"
#include "cli/commands.h"
#include "cli/profile_output.h"
#include "cli/program_loading.h"
#include "cli/program_summary.h"
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
  /// Directories inside the root not to look in (paths inside it: /tmp, /home).
  std::vector<std::string> excluded;
  /// Per program; a program over budget is reported as not analysed and the root goes on.
  BudgetOptions budget{300, 2048};
};

/// How long past its time budget a program's process may take to end itself before it
/// is killed (its own watch ends it; this is for one that cannot).
constexpr double kGraceSeconds = 30;

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
/// time's virtual trees (proc, sys, dev, run) are not entered, nor the directories of
/// `excluded` (paths inside the root).
std::vector<std::string> programs_under(const fs::path& root, const std::vector<std::string>& excluded) {
  static const std::set<std::string> kVirtual = {"proc", "sys", "dev", "run"};
  std::set<fs::path> skipped;
  for (const std::string& dir : excluded) skipped.insert(fs::path(dir).relative_path().lexically_normal());
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path relative = it->path().lexically_relative(root);
    const bool virtual_tree = it.depth() == 0 && kVirtual.count(relative.string());
    if ((virtual_tree || skipped.count(relative)) && it->is_directory()) {
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

/// The signal (SIGINT, SIGTERM, SIGHUP) that asked analyze-root to stop; 0 while none has.
volatile std::sig_atomic_t stop_signal = 0;

extern "C" void note_stop_signal(int signal) {
  stop_signal = signal;
}

/// While it lives, the signals that ask a program to stop only note the request: the
/// analyses running are then stopped (their processes killed by PID), no new one starts,
/// and run_analyze_root removes its scratch files and dies of the same signal.
class StopSignals {
 public:
  StopSignals() {
    struct sigaction action {};
    action.sa_handler = note_stop_signal;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &action, &previous_[i]);
  }
  ~StopSignals() {
    for (size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &previous_[i], nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  static constexpr std::array<int, 3> kSignals = {SIGINT, SIGTERM, SIGHUP};
  std::array<struct sigaction, kSignals.size()> previous_{};
};

/// How one program's analysis process ended.
struct ChildExit {
  int status = 0;    ///< exit status, or 128 + signal
  bool killed = false;  ///< by us, past its time budget and the grace period
};

/// Runs `argv` with stdout on /dev/null and stderr into `log`, and waits for it; kills it
/// (by its PID) when it outlives `seconds` (0: never).
ChildExit run_child(const std::vector<std::string>& argv, const std::string& log, double seconds) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return {127, false};
  const auto started = std::chrono::steady_clock::now();
  ChildExit exit;
  int status = 0;
  bool stopped = false;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (seconds > 0 && elapsed > seconds + kGraceSeconds && !exit.killed) {
      kill(pid, SIGKILL);
      exit.killed = true;
    }
    if (stop_signal != 0 && !stopped) {  // analyze-root was asked to stop (StopSignals)
      kill(pid, SIGKILL);
      stopped = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  exit.status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  return exit;
}

/// The warnings a program's analysis wrote (lines "sysfence: warning: …" of its stderr),
/// and its last line otherwise, for when it ended without a summary.
struct ChildLog {
  std::vector<std::string> warnings;
  std::string last_line;
};

ChildLog read_child_log(const std::string& log) {
  static constexpr std::string_view kWarning = "sysfence: warning: ";
  ChildLog out;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(kWarning, 0) == 0) {
      out.warnings.push_back(line.substr(kWarning.size()));
    } else if (!line.empty()) {
      out.last_line = line;
    }
  }
  return out;
}

/// Analyses each program of a root in a process of its own (`sysfence analyze` with the
/// same options and the per-program budget), so that one program over its budget, or one
/// that crashes the analyser, is reported and the rest of the root goes on.
class RootAnalysis {
 public:
  RootAnalysis(const AnalyzeRootOptions& options, std::vector<std::string> programs, fs::path scratch)
      : options_(options), programs_(std::move(programs)), scratch_(std::move(scratch)), summaries_(programs_.size()) {}

  /// Analyses every program with `options_.jobs` at a time; the summaries in path order.
  const std::vector<ProgramSummary>& run() {
    std::vector<std::thread> workers;
    for (unsigned w = 0; w < std::max(1u, options_.jobs); ++w) {
      workers.emplace_back([this] {
        for (size_t i; stop_signal == 0 && (i = next_++) < programs_.size();) analyse(i);
      });
    }
    for (auto& worker : workers) worker.join();
    return summaries_;
  }

 private:
  void analyse(size_t index) {
    const std::string path = programs_[index];
    const std::string summary_file = (scratch_ / fmt::format("{}.json", index)).string();
    const std::string log_file = (scratch_ / fmt::format("{}.log", index)).string();
    std::string output = "/dev/null";
    if (!options_.output.empty()) {
      const fs::path file = output_file(options_.output, path, options_.format.format);
      std::error_code ec;
      fs::create_directories(file.parent_path(), ec);
      output = file.string();
    }
    const ChildExit exit = run_child(arguments(path, output, summary_file), log_file, options_.budget.seconds);
    if (stop_signal != 0) return;  // stopped, not analysed: the scratch directory goes as a whole
    const ChildLog log = read_child_log(log_file);
    ProgramSummary& s = summaries_[index];
    if (auto summary = read_summary(summary_file); summary && !exit.killed) {
      s = std::move(*summary);
    } else if (exit.killed) {
      s.error = fmt::format("over its time budget ({:g} s), killed", options_.budget.seconds);
    } else {
      s.error = fmt::format("the analysis ended with status {}{}", exit.status,
                            log.last_line.empty() ? "" : ": " + log.last_line);
    }
    s.path = path;
    report(s, log.warnings);
    std::remove(summary_file.c_str());
    std::remove(log_file.c_str());
  }

  /// `sysfence analyze` for one program, with the options the root was given.
  std::vector<std::string> arguments(const std::string& path, const std::string& output,
                                     const std::string& summary) const {
    const FormatOptions& f = options_.format;
    std::vector<std::string> a = {self_, "analyze", path, "--sysroot", options_.root, "-o", output,
                                  "--summary", summary, "--accept-unresolved", "--format", f.format,
                                  "--action", f.action, "--rule-order", f.rule_order,
                                  "--timeout", fmt::format("{:g}", options_.budget.seconds),
                                  "--max-memory", std::to_string(options_.budget.mib)};
    if (f.no_args) a.push_back("--no-args");
    if (!f.runtime.empty()) a.insert(a.end(), {"--runtime", f.runtime});
    if (options_.cache.disabled) {
      a.push_back("--no-cache");
    } else {
      a.insert(a.end(), {"--cache", options_.cache.directory});
    }
    if (!options_.analysis.library_models) a.push_back("--no-library-models");
    if (options_.analysis.threads != 0)
      a.insert(a.end(), {"--threads", std::to_string(options_.analysis.threads)});
    for (const std::string& also : options_.closure.also) a.insert(a.end(), {"--also", also});
    if (!options_.closure.follow_exec_sites) a.push_back("--no-exec-closure");
    if (options_.allow_missing) a.push_back("--allow-missing");
    return a;
  }

  /// Progress and the warnings not yet shown (each distinct warning once), on stderr.
  void report(const ProgramSummary& s, const std::vector<std::string>& warnings) {
    std::lock_guard lock(report_mutex_);
    for (const auto& warning : warnings) {
      if (warned_.insert(warning).second) std::cerr << "sysfence: warning: " << s.path << ": " << warning << "\n";
    }
    ++done_;
    if (s.ok) {
      std::cerr << fmt::format("sysfence: [{}/{}] {}: {} syscalls, {} unresolved sites, {:.2f} s, {} MiB\n", done_,
                               programs_.size(), s.path, s.syscalls, s.unresolved, s.seconds, s.peak_mib);
    } else {
      std::cerr << fmt::format("sysfence: [{}/{}] {}: not analysed: {}\n", done_, programs_.size(), s.path, s.error);
    }
  }

  const AnalyzeRootOptions& options_;
  const std::string self_ = fs::read_symlink("/proc/self/exe").string();
  std::vector<std::string> programs_;
  const fs::path scratch_;  ///< the programs' summaries and logs
  std::vector<ProgramSummary> summaries_;
  std::atomic<size_t> next_ = 0;
  std::mutex report_mutex_;
  std::set<std::string> warned_;
  size_t done_ = 0;
};

/// The summary table on stdout: one row per program, then the mean, median and range.
void print_summary(const std::vector<ProgramSummary>& summaries) {
  std::cout << "| program | syscalls allowed | of its own | programs it runs | with argument rules | unresolved sites "
               "| time (s) | peak memory (MiB) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n";
  std::vector<size_t> counts;
  for (const auto& s : summaries) {
    if (!s.ok) {
      std::cout << fmt::format("| {} | not analysed: {} | | | | | | |\n", s.path, s.error);
      continue;
    }
    std::cout << fmt::format("| {} | {} | {} | {} | {} | {} | {:.2f} | {} |\n", s.path, s.syscalls, s.own_syscalls,
                             s.runs, s.constrained, s.unresolved, s.seconds, s.peak_mib);
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
  for (const std::string& dir : options.excluded) {
    if (!fs::is_directory(fs::path(options.root) / fs::path(dir).relative_path(), ec)) {
      std::cerr << fmt::format("sysfence: --exclude {}: not a directory under {}\n", dir, options.root);
      return 2;
    }
  }
  auto programs = programs_under(fs::path(options.root), options.excluded);
  if (programs.empty()) {
    std::cerr << fmt::format("sysfence: {}: no ELF programs found\n", options.root);
    return 2;
  }
  std::cerr << fmt::format("sysfence: {} programs to analyse, {} at a time\n", programs.size(), options.jobs);
  char scratch[] = "/tmp/sysfence-root-XXXXXX";
  if (mkdtemp(scratch) == nullptr) {
    std::cerr << fmt::format("sysfence: cannot make a scratch directory under /tmp: {}\n", std::strerror(errno));
    return 2;
  }
  std::optional<StopSignals> stop_signals(std::in_place);
  RootAnalysis analysis(options, std::move(programs), scratch);
  const auto& summaries = analysis.run();
  std::error_code ignored;
  fs::remove_all(scratch, ignored);
  if (const int signal = stop_signal; signal != 0) {
    std::cerr << fmt::format("sysfence: stopped by signal {} ({}); no summary\n", signal, strsignal(signal));
    stop_signals.reset();  // the signal's own action again
    raise(signal);
    return 2;  // if the signal's action was to be ignored
  }
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
      "anywhere under ROOTFS, except proc, sys, dev, run and what --exclude names. With -o DIR, each program's profile goes to "
      "DIR/PATH.EXT (the program's path inside ROOTFS; .json, .txt, .bpf, .c or .conf by format). A Markdown "
      "summary goes to stdout, progress to stderr. Each program is analysed by a process of its own within "
      "--timeout and --max-memory; one over budget is reported as not analysed and the rest go on. Exit 1 when "
      "some program could not be analysed (a program whose libraries are not all in ROOTFS is not, unless "
      "--allow-missing).");
  sub->add_option("ROOTFS", options->root, "The firmware root filesystem")->required();
  sub->add_option("-o,--output", options->output, "Write each program's profile under this directory");
  sub->add_option("-j,--jobs", options->jobs, "Programs analysed at a time")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  sub->add_option("--exclude", options->excluded,
                  "A directory inside ROOTFS not to look for programs in (on a live system: /tmp, /home); "
                  "repeatable");
  add_format_options(*sub, options->format);
  add_cache_options(*sub, options->cache);
  add_analysis_options(*sub, options->analysis);
  add_exec_closure_options(*sub, options->closure);
  add_allow_missing_option(*sub, options->allow_missing);
  add_budget_options(*sub, options->budget);
  sub->callback([options, &status] { status = run_analyze_root(*options); });
}

}  // namespace sysfence::cli
