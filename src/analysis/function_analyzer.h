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
/// aside, FillFunction), except in code Go linked, where it may write its results there
/// (above the stack pointer at the call, as far as its code reaches, or the whole frame
/// where the callee is not known); memory an input points to changes only through
/// stores the function makes through its inputs (README: assumptions).

#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analysis/callee_shape.h"
#include "analysis/decoded_code_store.h"
#include "analysis/function_facts.h"
#include "analysis/library_values.h"
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

/// One thing FunctionAnalyzer finds out about a module's functions as callees, by
/// facts_key; shared by the workers analysing the module's functions at the same time.
template <class V>
class CalleeProperty {
 public:
  /// What is remembered for `key`, else what `compute` finds, remembered. The lock is not
  /// held while computing: the computation may ask about other callees. The reference
  /// stays valid while the property lives (the map's nodes never move).
  template <class Compute>
  const V& get(uint64_t key, Compute compute) {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (auto it = known_.find(key); it != known_.end()) return it->second;
    }
    V value = compute();
    const std::lock_guard<std::mutex> lock(mutex_);
    return known_.emplace(key, std::move(value)).first->second;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<uint64_t, V> known_;
};

/// What FunctionAnalyzer finds out about a module's functions as callees.
struct CalleeMemo {
  CalleeProperty<CalleeShape> shapes;
  CalleeProperty<std::vector<arch::Reg>> clobbers;  ///< the registers a call of it may change
  DecodedCodeStore decoded;  ///< callees decoded for their shape, kept for their analysis
};

/// What the analysis of a function reads of its module, shared by all its functions.
struct ModuleCode {
  const MemoryView& memory;
  const cfg::FunctionIndex& functions;
  const std::unordered_map<uint64_t, arch::PltStub>& stubs;  ///< by stub address
  /// The code addresses (functions and PLT stubs) of the module's fill functions.
  const std::unordered_map<uint64_t, const FillFunction*>& fills;
  /// The code addresses (functions and PLT stubs) of functions a result model describes
  /// (LibraryValues: getaddrinfo).
  const std::unordered_map<uint64_t, const ResultModel*>& results;
  /// The same by dynamic symbol, for calls through a GOT entry bound to it (MIPS).
  const std::unordered_map<uint32_t, const FillFunction*>& fills_by_symbol;
  const std::unordered_map<uint32_t, const ResultModel*>& results_by_symbol;
  CalleeMemo& callees;
  /// What Conventions::global_pointer holds in the module's code, if the ABI fixes it
  /// (Backend::global_pointer).
  std::optional<uint64_t> global_pointer;
  /// The address GOT-relative offsets start from (Conventions::got_relative_data): the
  /// module's DT_PLTGOT, `_GLOBAL_OFFSET_TABLE_`.
  std::optional<uint64_t> got_base;
  /// Go linked the module: in Go's stack ABI (ABI0) a callee returns its results in its
  /// caller's frame, above its stack parameters, where the caller reads them.
  bool linked_by_go = false;
};

class FunctionAnalyzer {
 public:
  FunctionAnalyzer(const arch::Backend& backend, arch::Lifter& lifter, const ModuleCode& module);

  FunctionFacts analyze(const cfg::FunctionExtent& extent);

 private:
  class Run;
  /// What decoding one of the module's functions reads.
  CodeSource code_source() const;
  /// The function at `extent` loaded whole (FunctionCode::Reach::Whole): kept from a
  /// caller's question about it, else decoded here.
  std::shared_ptr<const FunctionCode> load_whole(const cfg::FunctionExtent& extent) const;
  /// What a caller needs to know of the local function at `target`.
  const CalleeShape& shape_of(uint64_t target, bool thumb) const;
  /// Whether the local function at `target`, which a callee whose shape is being found
  /// tail-calls, may return: its shape's answer, but true for one whose shape is being
  /// found on this thread already (a cycle of tail calls) or past a bound on the chain.
  bool tail_callee_returns(uint64_t target, bool thumb) const;
  /// The call-clobbered registers a call of the local function at `target` may change:
  /// those a small leaf function (no call, no jump out, decoded whole) writes; all of
  /// them for any other function (glibc's ARM __libc_do_syscall keeps ip, which its
  /// callers set once before a loop of calls).
  const std::vector<arch::Reg>& clobbered_by(uint64_t target, bool thumb) const;

  const arch::Backend& backend_;
  arch::Lifter& lifter_;
  const MemoryView& memory_;
  const cfg::FunctionIndex& functions_;
  const std::unordered_map<uint64_t, arch::PltStub>& stubs_;
  const std::unordered_map<uint64_t, const FillFunction*>& fills_;
  const std::unordered_map<uint64_t, const ResultModel*>& results_;
  const std::unordered_map<uint32_t, const FillFunction*>& fills_by_symbol_;
  const std::unordered_map<uint32_t, const ResultModel*>& results_by_symbol_;
  CalleeMemo& callees_;
  std::optional<uint64_t> global_pointer_;  ///< ModuleCode::global_pointer
  std::optional<uint64_t> got_base_;  ///< ModuleCode::got_base
  bool linked_by_go_;                 ///< ModuleCode::linked_by_go
  /// The numbers of exit and exit_group on the architecture: a syscall instruction that
  /// makes one of them does not return.
  std::vector<uint64_t> exit_numbers_;
};

}  // namespace sysfence::analysis
