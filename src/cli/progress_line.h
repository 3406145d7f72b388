#pragma once
/// Progress of one long analysis on stderr, when stderr is a terminal: nothing for the
/// first two seconds (most analyses end before), then one line rewritten at most five
/// times a second, and cleared when the analysis ends.

#include <chrono>
#include <string>

#include "analysis/program_analysis.h"

namespace sysfence::cli {

class ProgressLine {
 public:
  explicit ProgressLine(std::string label);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  /// Whether stderr is a terminal (otherwise update() prints nothing).
  bool enabled() const { return enabled_; }
  void update(const analysis::AnalysisProgress& progress);
  /// Clears the line if it was shown (the destructor does it too).
  void finish();

 private:
  std::string label_;
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace sysfence::cli
