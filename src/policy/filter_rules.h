#pragma once
/// The seccomp rules a profile's syscall stands for (DESIGN.md policy/), at a chosen
/// strength. One list of rules feeds every writer that compiles to a filter (raw BPF,
/// OCI JSON, libseccomp C), so they all enforce the same thing.

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "policy/profile.h"

namespace sysfence::policy {

/// How much of a syscall's argument constraints a filter keeps; compile_filter steps a
/// syscall down this list while the filter is longer than the kernel allows.
enum class Constraint {
  Exact,   ///< every site's value tuple, each argument compared for equality
  Masked,  ///< bit-set arguments (flags, prot) checked by mask: no bit outside their values' union
  Any,     ///< any arguments
};

/// One comparison: the argument equals `value`, or, when `bits_within`, has no bit set
/// outside `value` (seccomp's masked equality: (arg & ~value) == 0).
struct ArgumentCheck {
  uint8_t index = 0;
  bool bits_within = false;
  uint64_t value = 0;
  auto operator<=>(const ArgumentCheck&) const = default;
};

/// One seccomp rule: a call of `syscall` matches when every check holds.
struct FilterRule {
  std::string syscall;
  bool enosys = false;  ///< answered with ENOSYS rather than allowed
  std::vector<ArgumentCheck> checks;
};

/// The rules that allow what `syscall` allows at `level` (never less: a looser level
/// only allows more). A rule with value sets becomes one rule per combination of values.
std::vector<FilterRule> filter_rules(const SyscallPolicy& syscall, Constraint level);

}  // namespace sysfence::policy
