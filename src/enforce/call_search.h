#pragma once
/// Whether a filter lets through some call that meets conditions on its arguments (for
/// the CVE report: can a program under this profile still make the calls a trigger
/// needs?). Runs the seccomp-BPF simulator over candidate argument values.

#include <linux/filter.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "enforce/bpf_simulator.h"

namespace sysfence::enforce {

/// What one argument of the call must be: one of `values`, or a value v with
/// (v & mask) == value (flags a trigger needs: mask = value = the bits).
struct ArgumentCondition {
  uint8_t index = 0;
  std::vector<uint64_t> values;  ///< empty: the mask form
  uint64_t mask = 0;
  uint64_t value = 0;
};

enum class Reachability {
  Allowed,    ///< some such call is allowed (witness given)
  Denied,     ///< every such call is denied
  Undecided,  ///< the search gave up (too many combinations): count it as allowed
};

struct CallSearch {
  Reachability outcome = Reachability::Denied;
  std::optional<std::array<uint64_t, 6>> witness;  ///< arguments of an allowed call
  uint32_t denied_action = 0;  ///< the filter's answer to the calls tried, when denied
};

/// Whether `program` (for AUDIT_ARCH `arch`, byte order `big_endian`) allows syscall `nr`
/// with arguments meeting `conditions`. Arguments the filter reads are tried with the
/// values that can change its path: for each word of the argument, each constant the
/// program compares it (or masks it) with, one above, one below, zero and all ones, each
/// made to meet the conditions; for the comparisons libseccomp generates (equality,
/// order, masked equality) these cover every outcome. A call is allowed when the filter's action lets it run (ALLOW, LOG, TRACE,
/// USER_NOTIF).
CallSearch search_allowed_call(std::span<const sock_filter> program, uint32_t arch, bool big_endian, uint32_t nr,
                               const std::vector<ArgumentCondition>& conditions);

}  // namespace sysfence::enforce
