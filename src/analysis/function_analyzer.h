#pragma once
/// The per-function forward value analysis (DESIGN.md analysis/): decodes a function
/// (linear sweep of its extent plus out-of-line parts reached by jumps), runs a data-flow
/// fixpoint over its blocks on registers and constant-offset stack slots, and records
/// every syscall site, call site and escaping code address with abstract values.
///
/// Assumptions, stated because they bound soundness: a store through a pointer that is
/// not a constant offset from the entry stack pointer does not change this function's
/// tracked stack slots, and a callee does not change its caller's frame.

#include <unordered_map>
#include <vector>

#include "analysis/function_facts.h"
#include "analysis/memory_view.h"
#include "arch/arch.h"
#include "cfg/function_index.h"

namespace sysfence::analysis {

class FunctionAnalyzer {
 public:
  /// `stubs` maps PLT stub addresses of the module to the stub.
  FunctionAnalyzer(const arch::Backend& backend, arch::Lifter& lifter, const MemoryView& memory,
                   const cfg::FunctionIndex& functions, const std::unordered_map<uint64_t, arch::PltStub>& stubs);

  FunctionFacts analyze(const cfg::FunctionExtent& extent);

 private:
  class Run;
  const arch::Backend& backend_;
  arch::Lifter& lifter_;
  const MemoryView& memory_;
  const cfg::FunctionIndex& functions_;
  const std::unordered_map<uint64_t, arch::PltStub>& stubs_;
  /// The numbers of exit and exit_group on the architecture: a syscall instruction that
  /// makes one of them does not return.
  std::vector<uint64_t> exit_numbers_;
};

}  // namespace sysfence::analysis
