#pragma once
/// Functions decoded to answer a caller's question about them (FunctionAnalyzer::shape_of),
/// kept for their own analysis: the analysis goes from callers to callees in waves, so a
/// callee is decoded for its first caller in one wave and analysed in the next. Keeping
/// its code saves the second decoding (cli_fuzz, built with ASan, replayed 300 inputs in
/// 14.1 s instead of 19.2; a release build's analyses of small programs took 4-6% less
/// time), within a bound on the instructions kept; past it the oldest go, and their
/// analysis decodes them again.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "analysis/function_code.h"

namespace sysfence::analysis {

class DecodedCodeStore {
 public:
  /// Enough for the callees one wave finds in a small program. A large program's waves
  /// find far more, which the bound drops before their analysis; each kept instruction
  /// holds a few hundred bytes and pins freed memory around it: at this bound cc1plus and
  /// node peaked 22-42 MiB higher (454 and 458 MiB), at 2^15 over 500 MiB.
  static constexpr size_t kMaxInstructions = 1 << 14;

  /// The code kept for the function at `extent`, if any (decoded with Reach::Whole).
  std::shared_ptr<const FunctionCode> find(uint64_t key, const cfg::FunctionExtent& extent) const;
  /// Keeps `code` under `key`, dropping the oldest kept code while over the bound.
  void keep(uint64_t key, std::shared_ptr<const FunctionCode> code);
  /// Drops the code kept under `key`: its function is analysed.
  void forget(uint64_t key);

 private:
  void drop_oldest();

  mutable std::mutex mutex_;
  std::unordered_map<uint64_t, std::shared_ptr<const FunctionCode>> kept_;
  std::deque<uint64_t> order_;  ///< the keys in the order kept (forgotten ones too)
  size_t instructions_ = 0;
};

}  // namespace sysfence::analysis
