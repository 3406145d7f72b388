#pragma once
/// The per-function forward value analysis (DESIGN.md analysis/): decodes a function
/// (linear sweep of its extent plus out-of-line parts reached by jumps), runs a data-flow
/// fixpoint over its blocks on registers, constant-offset stack slots and fields read
/// through its inputs, and records every syscall site, call site (with the stack
/// objects it passes) and escaping code address with abstract values.
///
/// Assumptions, stated because they bound soundness: a store through a pointer that is
/// not a constant offset from the entry stack pointer does not change this function's
/// tracked stack slots; a callee does not change its caller's frame (fill functions
/// aside, FillFunction); memory an input points to changes only through stores the
/// function makes through its inputs (README: assumptions).

#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analysis/function_facts.h"
#include "analysis/memory_view.h"
#include "arch/arch.h"
#include "cfg/function_index.h"

namespace sysfence::analysis {

/// A library function that fills memory (memset, bzero): a call with a constant size and
/// a zero fill clears the caller's stack object it is given (glibc's create_thread clears
/// its struct clone_args with memset on 32-bit ARM), so its fields read as zero.
struct FillFunction {
  uint8_t address_arg = 0;
  std::optional<uint8_t> value_arg;  ///< none: the fill is zero (bzero)
  uint8_t size_arg = 2;

  /// The fill functions by name (memset, bzero, explicit_bzero), or nullptr.
  static const FillFunction* named(std::string_view name);
};

class FunctionAnalyzer {
 public:
  /// `stubs` maps PLT stub addresses of the module to the stub; `fills` maps the code
  /// addresses (functions and PLT stubs) of the module's fill functions to them.
  FunctionAnalyzer(const arch::Backend& backend, arch::Lifter& lifter, const MemoryView& memory,
                   const cfg::FunctionIndex& functions, const std::unordered_map<uint64_t, arch::PltStub>& stubs,
                   const std::unordered_map<uint64_t, const FillFunction*>& fills);

  FunctionFacts analyze(const cfg::FunctionExtent& extent);

 private:
  class Run;
  const arch::Backend& backend_;
  arch::Lifter& lifter_;
  const MemoryView& memory_;
  const cfg::FunctionIndex& functions_;
  const std::unordered_map<uint64_t, arch::PltStub>& stubs_;
  const std::unordered_map<uint64_t, const FillFunction*>& fills_;
  /// The numbers of exit and exit_group on the architecture: a syscall instruction that
  /// makes one of them does not return.
  std::vector<uint64_t> exit_numbers_;
};

}  // namespace sysfence::analysis
