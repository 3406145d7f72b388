#pragma once
/// A budget for one analysis: how long it may run and how much memory it may hold. A
/// program over budget is reported and ends the process with exit status 1 (DESIGN.md:
/// the profile is incomplete), never a hang or the machine's memory exhausted.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

namespace sysfence::cli {

struct BudgetOptions {
  double seconds = 0;  ///< 0: no limit
  size_t mib = 0;      ///< resident memory; 0: no limit
};

/// Adds --timeout SECONDS and --max-memory MIB to `command`, with `defaults` shown.
void add_budget_options(CLI::App& command, BudgetOptions& options);

/// Watches this process while it lives: once the time or the resident memory (polled every
/// 50 ms, so it may pass the limit by what 50 ms allocate) exceeds `options`, calls
/// `over_budget` with the reason ("over its time budget (300 s)") from the watching
/// thread, then ends the process with _exit(1).
class BudgetWatch {
 public:
  BudgetWatch(const BudgetOptions& options, std::function<void(const std::string&)> over_budget);
  ~BudgetWatch() { stop(); }
  /// Ends the watch: the work is done (its outcome is being reported).
  void stop();
  BudgetWatch(const BudgetWatch&) = delete;
  BudgetWatch& operator=(const BudgetWatch&) = delete;

 private:
  void watch();

  BudgetOptions options_;
  std::function<void(const std::string&)> over_budget_;
  std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stop_ = false;
  std::thread watcher_;
};

/// This process's resident memory in MiB (VmRSS), or 0 when /proc cannot say.
size_t resident_mib();

}  // namespace sysfence::cli
