#pragma once
/// What a caller needs to know of a local function it calls, found from its code alone
/// (one decoding, no value analysis): whether it may return, which argument registers and
/// stack parameters it may read, how much of its caller's stack it may write, and, for a
/// small leaf, which registers it changes.
/// FunctionAnalyzer asks this of every local callee, once per function.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "analysis/function_code.h"
#include "arch/arch.h"

namespace sysfence::analysis {

/// What a caller needs to know of a local function it calls, found from one decoding of
/// it (FunctionAnalyzer::shape_of).
struct CalleeShape {
  /// Whether a call of it may return to its caller: false only when no path of it leaves
  /// it (a return, a tail call, a computed jump, running into the next function other
  /// than after a call that does not return). Such a call's successor is not reached
  /// from it (ld.so's loop after `__libc_fatal`).
  bool returns = true;
  /// The argument registers it may read: those live at its entry (all of them where its
  /// code does not decode whole).
  std::vector<arch::Reg> arguments;
  /// How many of the stack parameters (Conventions::stack_params) it may read: all of
  /// them where its use of the stack is not plain (varargs, a frame pointer, a tail call,
  /// code that does not decode whole).
  size_t stack_arguments = 0;
  /// How many bytes from its entry's stack pointer up it may write (kAnyStackWrite where
  /// its use of the stack is not plain): its stack parameters, and in Go's stack ABI
  /// (ABI0) its results, which Go returns in its caller's frame.
  int64_t stack_written = kAnyStackWrite;
  static constexpr int64_t kAnyStackWrite = std::numeric_limits<int64_t>::max();
};

/// Whether a call of the module's function at `target` (in Thumb code: `thumb`) may
/// return (its CalleeShape::returns).
using TailCalleeReturns = std::function<bool(uint64_t target, bool thumb)>;

/// The shape of the function `code` is for, loaded whole (FunctionCode::Reach::Whole).
/// A tail call to a function of the module that never returns (`tail_callee_returns`)
/// is no way back to the caller.
CalleeShape describe_callee(const FunctionCode& code, const arch::Conventions& conventions,
                            const TailCalleeReturns& tail_callee_returns);

/// The call-clobbered registers a call of the function `code` is for may change: those a
/// small leaf function (no call, no jump out, decoded whole from its entry) writes; all
/// of them for any other function (glibc's ARM __libc_do_syscall keeps ip, which its
/// callers set once before a loop of calls). Decodes `code`.
std::vector<arch::Reg> leaf_clobbers(FunctionCode& code, const arch::Conventions& conventions);

}  // namespace sysfence::analysis
