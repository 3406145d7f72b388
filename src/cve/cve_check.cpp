#include "cve/cve_check.h"

#include <seccomp.h>

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/syscall_names.h"
#include "enforce/bpf_simulator.h"

namespace sysfence::cve {
namespace {

/// "socket with argument 0 = 17" / "clone with argument 0 having bits 0x10000000".
std::string describe(const std::string& syscall, const std::vector<enforce::ArgumentCondition>& conditions) {
  std::string text = syscall;
  for (size_t i = 0; i < conditions.size(); ++i) {
    const auto& c = conditions[i];
    text += i == 0 ? " with " : " and ";
    if (!c.values.empty()) {
      std::vector<std::string> values;
      for (uint64_t v : c.values) values.push_back(std::to_string(v));
      text += fmt::format("argument {} = {}", c.index, fmt::join(values, " or "));
    } else {
      text += fmt::format("argument {} having bits {:#x}", c.index, c.mask);
    }
  }
  return text;
}

/// A call as made: "socket(17, 0, 0, 0, 0, 0)" from a witness.
std::string as_made(const std::string& syscall, const std::array<uint64_t, 6>& args) {
  std::vector<std::string> shown;
  for (uint64_t a : args) shown.push_back(a > 0xffff ? fmt::format("{:#x}", a) : std::to_string(a));
  return fmt::format("{}({})", syscall, fmt::join(shown, ", "));
}

struct Alternative {
  std::string description;
  std::string syscall;
  uint32_t nr;
  std::vector<enforce::ArgumentCondition> conditions;
};

/// The ways to make one needed step on `arch`: each listed call the architecture has,
/// each through a multiplexer it has, and a ring that can make one of them.
std::vector<Alternative> alternatives(const KernelCves& table, const Need& need, const std::string& arch,
                                      const analysis::SyscallNames& names) {
  std::vector<Alternative> out;
  std::optional<std::string> ring;  ///< the ring that can make some of the calls
  std::vector<std::string> by_ring;
  for (const CallNeed& call : need.any_of) {
    if (auto via = table.ring_for(call.syscall)) {
      ring = via;
      by_ring.push_back(call.syscall);
    }
    auto conditions = conditions_on(call, arch);
    if (auto nr = names.number(call.syscall)) {
      out.push_back({describe(call.syscall, conditions), call.syscall, static_cast<uint32_t>(*nr), conditions});
    }
    for (const auto& [multiplexer, number] : table.multiplexed(call.syscall)) {
      auto nr = names.number(multiplexer);
      if (!nr) continue;
      enforce::ArgumentCondition selects;
      if (multiplexer == "ipc") {
        selects.mask = 0xffff;  // ipc takes a version in the high half: only the low 16 bits select
        selects.value = number;
      } else {
        selects.values = {number};
      }
      out.push_back({describe(multiplexer, {selects}) + " (" + call.syscall + ")", multiplexer,
                     static_cast<uint32_t>(*nr), {selects}});
    }
  }
  if (ring) {
    if (auto nr = names.number(*ring)) {
      out.push_back({fmt::format("{} (a ring making {})", *ring, fmt::join(by_ring, ", ")), *ring,
                     static_cast<uint32_t>(*nr), {}});
    }
  }
  return out;
}

/// "user_namespace: " before the alternatives of a step that is a route.
std::string step_label(const Need& need) { return need.route.empty() ? "" : need.route + ": "; }

/// Whether traced `call` satisfies every condition (an argument it does not give does not).
bool satisfies(const enforce::TracedCall& call, const std::vector<enforce::ArgumentCondition>& conditions) {
  return std::all_of(conditions.begin(), conditions.end(), [&](const enforce::ArgumentCondition& c) {
    if (c.index >= call.args.size() || call.unknown[c.index]) return false;
    const uint64_t arg = call.args[c.index];
    if (!c.values.empty()) return std::find(c.values.begin(), c.values.end(), arg) != c.values.end();
    return (arg & c.mask) == c.value;
  });
}

/// Whether the trace shows `call` failing (strace's and qemu's "= -1 …"): a profile may
/// deny such a call with an error and the run goes on as it did.
bool failed(const enforce::TracedCall& call) { return call.text.find(" = -1 ") != std::string::npos; }

}  // namespace

size_t CveReport::blocked() const {
  return static_cast<size_t>(std::count_if(verdicts.begin(), verdicts.end(), [](const auto& v) { return v.blocked; }));
}

size_t CveReport::made_by_run() const {
  return static_cast<size_t>(
      std::count_if(verdicts.begin(), verdicts.end(), [](const auto& v) { return v.made_by_run; }));
}

CveReport check_cves(const KernelCves& table, std::span<const sock_filter> program, const std::string& arch,
                     Context context) {
  CveReport report;
  report.arch = arch;
  report.context = context;
  const analysis::SyscallNames names(arch);
  const uint32_t audit_arch = seccomp_arch_resolve_name(arch.c_str());
  const bool big_endian = enforce::big_endian_arch(arch);
  for (const KernelCve& cve : table.cves()) {
    if (!cve.arches.empty() && std::find(cve.arches.begin(), cve.arches.end(), arch) == cve.arches.end()) {
      report.not_applicable.push_back(cve.id);
      continue;
    }
    const auto steps = table.steps_in(cve, context);
    if (!steps) {
      report.out_of_context.push_back(cve.id);
      continue;
    }
    CveVerdict verdict{cve.id, false, ""};
    std::vector<std::string> allowed;
    bool applicable = true;
    for (const Need& need : *steps) {
      const auto ways = alternatives(table, need, arch, names);
      if (ways.empty()) {
        applicable = false;  // no syscall the trigger needs exists here
        break;
      }
      bool denied = true;
      for (const Alternative& way : ways) {
        const auto search = enforce::search_allowed_call(program, audit_arch, big_endian, way.nr, way.conditions);
        if (search.outcome == enforce::Reachability::Denied) continue;
        denied = false;
        allowed.push_back(search.witness ? as_made(way.syscall, *search.witness)
                                         : way.description + " (undecided, counted as allowed)");
        break;
      }
      if (denied && !verdict.blocked) {
        verdict.blocked = true;
        std::vector<std::string> all;
        for (const Alternative& way : ways) all.push_back(way.description);
        verdict.reason = "denies " + step_label(need) + fmt::format("{}", fmt::join(all, "; "));
      }
    }
    if (!applicable) {
      report.not_applicable.push_back(cve.id);
      continue;
    }
    if (!verdict.blocked) verdict.reason = "allows " + fmt::format("{}", fmt::join(allowed, ", "));
    report.verdicts.push_back(std::move(verdict));
  }
  return report;
}

void mark_made_by_run(CveReport& report, const KernelCves& table, const std::vector<enforce::TracedCall>& calls) {
  auto made = [&](const CallNeed& need) {
    const auto conditions = conditions_on(need, report.arch);
    return std::any_of(calls.begin(), calls.end(), [&](const enforce::TracedCall& call) {
      return need.trace_proves && call.name == need.syscall && !failed(call) && satisfies(call, conditions);
    });
  };
  for (CveVerdict& verdict : report.verdicts) {
    const auto cve = std::find_if(table.cves().begin(), table.cves().end(),
                                  [&](const KernelCve& c) { return c.id == verdict.id; });
    if (cve == table.cves().end()) continue;
    const auto steps = table.steps_in(*cve, report.context);
    verdict.made_by_run = steps && std::all_of(steps->begin(), steps->end(), [&](const Need& need) {
      return std::any_of(need.any_of.begin(), need.any_of.end(), made);
    });
  }
}

}  // namespace sysfence::cve
