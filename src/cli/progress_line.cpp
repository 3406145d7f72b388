#include "cli/progress_line.h"

#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

namespace sysfence::cli {

namespace {
constexpr auto kQuietFor = std::chrono::seconds(2);
constexpr auto kEvery = std::chrono::milliseconds(200);
}  // namespace

ProgressLine::ProgressLine(std::string label) : label_(std::move(label)), enabled_(isatty(STDERR_FILENO) == 1) {}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::finish() {
  if (shown_) std::cerr << "\r\033[K" << std::flush;  // the line goes; what follows takes its place
  shown_ = false;
  enabled_ = false;
}

void ProgressLine::update(const analysis::AnalysisProgress& progress) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - started_ < kQuietFor || now - last_ < kEvery) return;
  last_ = now;
  shown_ = true;
  std::cerr << fmt::format("\r\033[Ksysfence: {}: {} modules, {} of {} functions analysed", label_, progress.modules,
                           progress.functions_analysed, progress.functions_found)
            << std::flush;
}

}  // namespace sysfence::cli
