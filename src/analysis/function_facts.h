#pragma once
/// What the per-function value analysis learns about one function, in terms of the
/// function's own parameters. It does not depend on any other function's facts (calls
/// only clobber the caller-saved registers), so facts are computed once per function,
/// in any order, and cached with their module.

#include <cstdint>
#include <vector>

#include "analysis/compact_values.h"
#include "analysis/value.h"

namespace sysfence::analysis {

/// Parameter numbering: 0.. the argument registers, then the stack-passed parameters,
/// and from kRegisterParameter + r the value register r had at entry (for functions
/// that take inputs outside the calling convention, like glibc's __libc_do_syscall).
inline constexpr uint8_t kRegisterParameter = 64;

/// A system call instruction and the values at it.
struct SyscallSite {
  uint64_t address = 0;
  Value number;
  std::vector<IndexedValue> args;  ///< syscall arguments 0..5 with a known value
};

struct CallSite {
  enum class Kind : uint8_t {
    Local,    ///< `target` in this module
    Import,   ///< through this module's dynamic symbol `symbol`
    Unknown,  ///< through a pointer the analysis cannot resolve: any address-taken function
  };
  // (The members are ordered to pack: a program has hundreds of thousands of calls.)
  uint64_t address = 0;
  uint64_t target = 0;
  uint32_t symbol = 0;
  Kind kind = Kind::Unknown;
  bool target_thumb = false;
  bool tail = false;  ///< a jump that leaves the function for good
  /// The caller stored through one of its parameters before this call (on some path):
  /// memory they point to may have changed, so a field it would read there at entry (a
  /// Fields value) no longer says what the callee reads.
  bool memory_written = false;
  CallArguments args;  ///< call parameters with a known value
  /// The known fields of stack objects the call passes by address (arguments whose
  /// value is an address in the caller's frame).
  PassedFields passed;
};

/// A store to a global: `width` bytes at constant `address` of the module's writable data.
struct GlobalStore {
  uint64_t address = 0;
  uint8_t width = 0;
  Value value;
};

struct FunctionFacts {
  uint64_t start = 0;
  uint64_t end = 0;
  bool thumb = false;
  std::vector<SyscallSite> syscalls;
  std::vector<CallSite> calls;
  /// Code addresses of this module (as stored: ARM keeps the Thumb bit) and imports
  /// whose address escapes: stored, passed, returned. They may be called indirectly.
  std::vector<uint64_t> taken_code;
  std::vector<uint32_t> taken_imports;
  /// Addresses in the module's data that the function computes or accesses as
  /// constants: the data it can reach (see Conventions::data_references_complete).
  std::vector<uint64_t> data_refs;
  /// Stores to the module's globals (Value::global), and the addresses of its data that
  /// escape (stored, passed, returned, or written at an unknown offset): a global whose
  /// address escapes may change in ways the stores do not show.
  std::vector<GlobalStore> global_stores;
  std::vector<uint64_t> escaped_data;
  uint32_t undecodable = 0;  ///< bytes that did not decode inside the function
  /// The function reaches data through an address the analysis lost: memory through the
  /// module's global pointer while its value is unknown (Conventions::global_pointer),
  /// or ARM's pc plus an unknown offset (Conventions::got_relative_data). `data_refs`
  /// may lack what it reaches.
  bool data_reference_lost = false;
};

}  // namespace sysfence::analysis
