#pragma once
/// A profile compiled to a seccomp BPF program for its architecture with libseccomp
/// (DESIGN.md policy/): a binary tree on the syscall number, a call through another ABI
/// killed by the architecture check, unconstrained syscalls decided without loading an
/// argument, and argument constraints loosened only as far as the kernel's 4096
/// instruction limit demands.

#include <linux/filter.h>

#include <optional>
#include <string_view>

#include <string>
#include <vector>

#include "policy/profile.h"
#include "util/result.h"

namespace sysfence::policy {

/// What the filter does with a call the profile does not allow.
enum class DenyAction { Kill, Errno, Log, Trap };

/// Parses "kill", "errno", "log", "trap".
std::optional<DenyAction> deny_action_named(std::string_view name);

struct CompiledFilter {
  std::vector<sock_filter> program;  ///< in the host's byte order
  /// Syscalls whose argument constraints were dropped to fit the instruction limit.
  std::vector<std::string> loosened;
  /// Numbers the profile allows that have no name in libseccomp ("syscall_112"): no
  /// rule can name them, so they stay denied. The kernel implements none of them (they
  /// come from bytes decoded as code, or from calls long removed).
  std::vector<std::string> unnamed;
};

/// The kernel's limit on a filter's length (BPF_MAXINSNS).
inline constexpr size_t kMaxFilterInstructions = 4096;

Result<CompiledFilter> compile_filter(const Profile& profile, DenyAction action);

/// The program as a BPF file for a machine of the given byte order (what the kernel,
/// bwrap or the device launcher loads there), and back.
std::string program_bytes(const std::vector<sock_filter>& program, bool big_endian);
std::vector<sock_filter> program_from_bytes(std::string_view bytes, bool big_endian);

/// The comparisons one rule stands for: every combination of one value per argument
/// (a rule with value sets is several seccomp rules, each argument compared for equality).
std::vector<std::vector<std::pair<uint8_t, uint64_t>>> rule_combinations(const analysis::ArgumentTuple& rule);

}  // namespace sysfence::policy
