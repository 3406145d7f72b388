#pragma once
/// Which kernel CVEs a compiled filter blocks (DESIGN.md cve/): a CVE is blocked when
/// the filter denies every way to make at least one call its trigger needs, decided with
/// the seccomp-BPF simulator `check` uses.

#include <linux/filter.h>

#include <span>
#include <string>
#include <vector>

#include "cve/kernel_cves.h"

namespace sysfence::cve {

struct CveVerdict {
  std::string id;
  bool blocked = false;
  /// Blocked: the needed call the filter denies ("socket with argument 0 = 17").
  /// Not blocked: the calls it allows, as made ("socket(17, …)").
  std::string reason;
};

struct CveReport {
  std::string arch;
  std::vector<CveVerdict> verdicts;  ///< the CVEs that apply to the architecture
  /// CVEs left out: for another architecture, or needing a syscall it does not have.
  std::vector<std::string> not_applicable;
  size_t blocked() const;
};

/// The verdict on every CVE of `table` for `program`, a filter for `arch` (libseccomp's
/// name). A needed call also counts as made through a multiplexer (socketcall, ipc) where
/// the architecture has one: the multiplexed call's arguments are in memory, beyond a
/// filter's reach.
CveReport check_cves(const KernelCves& table, std::span<const sock_filter> program, const std::string& arch);

}  // namespace sysfence::cve
