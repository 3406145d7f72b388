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

/// libseccomp's argument comparisons (and the OCI runtime spec's SCMP_CMP_* operators).
enum class Compare { NotEqual, Less, LessEqual, Equal, GreaterEqual, Greater, MaskedEqual };

/// One comparison of argument `index` with `value`; MaskedEqual holds when
/// (argument & value) == value_two. Profiles use Equal and, for a bit set whose values'
/// union is U, MaskedEqual with value ~U and value_two 0 (no bit outside U).
struct ArgumentCheck {
  uint8_t index = 0;
  Compare op = Compare::Equal;
  uint64_t value = 0;
  uint64_t value_two = 0;
  auto operator<=>(const ArgumentCheck&) const = default;
};

/// SECCOMP_RET_ALLOW, and SECCOMP_RET_ERRNO with ENOSYS: the kernel's action values
/// (libseccomp's SCMP_ACT_* are the same numbers).
inline constexpr uint32_t kActionAllow = 0x7fff0000u;
inline constexpr uint32_t kActionErrnoBase = 0x00050000u;
inline constexpr uint32_t kActionEnosys = kActionErrnoBase | 38u;

/// One seccomp rule: a call of `syscall` for which every check holds gets `action`.
struct FilterRule {
  std::string syscall;
  uint32_t action = kActionAllow;
  std::vector<ArgumentCheck> checks;
};

/// The rules that allow what `syscall` allows at `level` (never less: a looser level
/// only allows more). A rule with value sets becomes one rule per combination of values.
std::vector<FilterRule> filter_rules(const SyscallPolicy& syscall, Constraint level);

}  // namespace sysfence::policy
