#include "cli/budget.h"

#include <unistd.h>

#include <chrono>
#include <fstream>

#include <fmt/format.h>

namespace sysfence::cli {

void add_budget_options(CLI::App& command, BudgetOptions& options) {
  command.add_option("--timeout", options.seconds, "Stop a program's analysis after this many seconds (0: never)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command.add_option("--max-memory", options.mib, "Stop a program's analysis when it holds more memory (MiB; 0: no limit)")
      ->capture_default_str();
}

size_t resident_mib() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) / (1024 * 1024);
}

BudgetWatch::BudgetWatch(const BudgetOptions& options, std::function<void(const std::string&)> over_budget)
    : options_(options), over_budget_(std::move(over_budget)) {
  if (options_.seconds > 0 || options_.mib > 0) watcher_ = std::thread([this] { watch(); });
}

void BudgetWatch::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  stop_requested_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

void BudgetWatch::watch() {
  const auto started = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!stop_requested_.wait_for(lock, std::chrono::milliseconds(50), [this] { return stop_; })) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::string reason;
    if (options_.seconds > 0 && elapsed > options_.seconds) {
      reason = fmt::format("over its time budget ({:g} s)", options_.seconds);
    } else if (const size_t mib = options_.mib > 0 ? resident_mib() : 0; mib > options_.mib) {
      reason = fmt::format("over its memory budget ({} MiB resident, {} MiB allowed)", mib, options_.mib);
    }
    if (!reason.empty()) {
      over_budget_(reason);
      _exit(1);
    }
  }
}

}  // namespace sysfence::cli
