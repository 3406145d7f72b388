#pragma once
/// Which kernel CVEs a compiled filter blocks (DESIGN.md cve/): a CVE is blocked when
/// the filter denies every way to make at least one call its trigger needs, decided with
/// the seccomp-BPF simulator `check` uses.

#include <linux/filter.h>

#include <span>
#include <string>
#include <vector>

#include "cve/kernel_cves.h"
#include "enforce/trace_reader.h"

namespace sysfence::cve {

struct CveVerdict {
  std::string id;
  bool blocked = false;
  /// Blocked: the needed call the filter denies ("socket with argument 0 = 17").
  /// Not blocked: the calls it allows, as made ("socket(17, …)").
  std::string reason;
  /// Set by mark_made_by_run: the traced run itself makes every call the trigger needs,
  /// with the needed values, so no profile the run works under can block it.
  bool made_by_run = false;
};

struct CveReport {
  std::string arch;
  Context context = Context::Unprivileged;
  std::vector<CveVerdict> verdicts;  ///< the CVEs that apply to the architecture and context
  /// CVEs left out: for another architecture, or needing a syscall it does not have.
  std::vector<std::string> not_applicable;
  /// CVEs the context cannot reach whatever the profile: they need capabilities only the
  /// initial namespace grants, and the context is unprivileged.
  std::vector<std::string> out_of_context;
  size_t blocked() const;
  size_t made_by_run() const;
};

/// The verdict on every CVE of `table` for `program`, a filter for `arch` (libseccomp's
/// name), run in `context`. A needed call also counts as made through a multiplexer
/// (socketcall, ipc) where the architecture has one, and through io_uring where the
/// ring can make it: the arguments are in memory, beyond a filter's reach.
CveReport check_cves(const KernelCves& table, std::span<const sock_filter> program, const std::string& arch,
                     Context context);

/// Marks the verdicts whose trigger a traced run of the program makes itself: each needed
/// step made by a direct call with the needed argument values. A call through a
/// multiplexer, a call the trace shows failing, or an argument the trace does not give as
/// a number does not count, so a mark is certain.
void mark_made_by_run(CveReport& report, const KernelCves& table, const std::vector<enforce::TracedCall>& calls);

}  // namespace sysfence::cve
