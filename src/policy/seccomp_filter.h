#pragma once
/// A profile compiled to a seccomp BPF program for its architecture with libseccomp
/// (DESIGN.md policy/): a binary tree on the syscall number, a call through another ABI
/// killed by the architecture check, unconstrained syscalls decided without loading an
/// argument, and argument constraints loosened only as far as the kernel's 4096
/// instruction limit demands.

#include <linux/filter.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/filter_rules.h"
#include "policy/profile.h"
#include "util/result.h"

namespace sysfence::policy {

/// What the filter does with a call the profile does not allow.
enum class DenyAction { Kill, Errno, Log, Trap };

/// Parses "kill", "errno", "log", "trap".
std::optional<DenyAction> deny_action_named(std::string_view name);

/// How the filter finds a syscall's rules.
enum class RuleOrder {
  BinaryTree,  ///< a binary search on the syscall number (sysfence's choice: ~log2(n) jumps)
  Libseccomp,  ///< libseccomp's default: one comparison per syscall in turn
};

/// The kernel's action value for `action` (kill the process, EPERM, log, SIGSYS).
uint32_t action_value(DenyAction action);

/// A syscall whose argument constraints were loosened to fit the instruction limit.
struct Loosening {
  std::string syscall;
  Constraint kept = Constraint::Any;  ///< Masked, or Any when none are left
};

struct CompiledFilter {
  std::vector<sock_filter> program;  ///< in the host's byte order
  /// The rules the program implements (what the OCI and C writers emit too).
  std::vector<FilterRule> rules;
  std::vector<Loosening> loosened;
  /// Numbers the profile allows that have no name in libseccomp ("syscall_112"): no
  /// rule can name them, so they stay denied. The kernel implements none of them (they
  /// come from bytes decoded as code, or from calls long removed).
  std::vector<std::string> unnamed;
};

/// The kernel's limit on a filter's length (BPF_MAXINSNS).
inline constexpr size_t kMaxFilterInstructions = 4096;

/// Compiles `profile`. While the program is longer than the kernel accepts, the syscall
/// with the most rules is loosened one Constraint step (its flags checked by mask, then
/// any arguments); so is one whose rules alone would be too many to be worth their length.
Result<CompiledFilter> compile_filter(const Profile& profile, DenyAction action,
                                      RuleOrder order = RuleOrder::BinaryTree);

/// Compiles `rules` for architecture `arch` (libseccomp's name) with `default_action`
/// for every other call (as compile_filter does, without loosening: an OCI profile's
/// rules are taken as they are). Calls through another ABI are killed.
Result<std::vector<sock_filter>> compile_rules(const std::string& arch, uint32_t default_action,
                                               const std::vector<FilterRule>& rules,
                                               RuleOrder order = RuleOrder::BinaryTree);

/// The program as a BPF file for a machine of the given byte order (what the kernel,
/// bwrap or the device launcher loads there), and back.
std::string program_bytes(const std::vector<sock_filter>& program, bool big_endian);
std::vector<sock_filter> program_from_bytes(std::string_view bytes, bool big_endian);

}  // namespace sysfence::policy
