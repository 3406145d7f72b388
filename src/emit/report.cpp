#include "emit/report.h"

#include <algorithm>
#include <map>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/scalar_args.h"
#include "analysis/syscall_names.h"
#include "emit/syscall_kinds.h"
#include "policy/profile.h"

namespace sysfence::emit {
namespace {

/// "socket(domain 1|2, type 1|524290)": one rule of a syscall, scalar arguments by meaning.
std::string describe_rule(const std::string& name, const analysis::ArgumentTuple& rule) {
  std::vector<std::string> parts;
  for (const auto& [index, values] : rule) {
    std::string meaning = analysis::ScalarArgs::table().meaning(name, index);
    if (meaning.empty()) meaning = fmt::format("arg{}", index);
    parts.push_back(fmt::format("{} {:#x}", meaning, fmt::join(values, "|")));
  }
  return fmt::format("{}({})", name, fmt::join(parts, ", "));
}

template <class NameOf>
std::string argument_section(const analysis::AnalysisResult& result, const NameOf& name_of) {
  std::string lines;
  size_t constrained = 0;
  for (const auto& [nr, arguments] : result.arguments) {
    if (!arguments.constrained()) continue;
    ++constrained;
    for (const auto& rule : arguments.tuples) lines += "  " + describe_rule(name_of(nr), rule) + "\n";
  }
  return fmt::format("syscalls allowed only with certain argument values: {}\n", constrained) + lines;
}

/// Where the program runs programs, and the exec closure the profile covers.
std::string exec_section(const analysis::AnalysisResult& result) {
  std::string out = fmt::format("exec sites: {}\n", result.exec_sites.size());
  for (const auto& site : result.exec_sites) {
    const std::string path = site.path ? *site.path + (site.searched ? " (searched in PATH)" : "") : "not constant";
    out += fmt::format("  {}: runs {}\n", site_place(site.origin), path);
    out += fmt::format("    via {}\n", fmt::join(site.origin.via, " <- "));
  }
  if (result.executed.size() > 1) {
    out += "programs in the profile (a filter loaded before exec is inherited):\n";
    for (const auto& p : result.executed) {
      out += p.problem ? fmt::format("  {}: {}; NOT analysed: {}\n", p.path, p.why, *p.problem)
                       : fmt::format("  {}: {}, {} syscalls of its own\n", p.path, p.why, p.syscalls);
    }
  }
  return out;
}

}  // namespace

std::string site_place(const analysis::SyscallOrigin& origin) {
  const std::string place = fmt::format("{} {:#x}", origin.module_path, origin.address);
  return origin.program.empty() ? place : fmt::format("[{}] {}", origin.program, place);
}

std::vector<std::string> ranked_unresolved(const analysis::AnalysisResult& result) {
  auto pointer_hops = [](const analysis::UnresolvedSyscall& u) {
    return std::count_if(u.origin.reached.begin(), u.origin.reached.end(),
                         [](const std::string& step) { return step.ends_with("(pointer)"); });
  };
  std::vector<const analysis::UnresolvedSyscall*> order;
  for (const auto& u : result.unresolved) order.push_back(&u);
  std::stable_sort(order.begin(), order.end(), [&](const auto* a, const auto* b) { return pointer_hops(*a) < pointer_hops(*b); });
  std::vector<std::string> lines;
  for (const auto* u : order) {
    const std::string reached = u->origin.reached.empty() ? "" : ", reached from " + u->origin.reached.front();
    lines.push_back(fmt::format("{} in {}{}: {}", site_place(u->origin), fmt::join(u->origin.via, " <- "), reached,
                                u->reason));
  }
  return lines;
}

std::string text_report(const program::Program& program, const analysis::AnalysisResult& result, double seconds) {
  const analysis::SyscallNames names(result.arch);
  std::map<std::string_view, std::vector<std::string>> by_kind;
  auto name_of = [&](uint64_t nr) { return names.name(nr).value_or(fmt::format("syscall_{}", nr)); };
  for (const auto& [nr, origins] : result.syscalls) {
    std::string name = name_of(nr);
    std::string_view kind = syscall_kind(name);
    by_kind[kind].push_back(std::move(name));
  }
  for (const auto& [nr, reason] : result.implied) {
    std::string name = name_of(nr) + "*";
    std::string_view kind = syscall_kind(name_of(nr));
    by_kind[kind].push_back(std::move(name));
  }
  std::string out;
  out += fmt::format("sysfence report: {} ({}, {} modules)\n", program.modules()[0].path, result.arch,
                     program.modules().size());
  out += fmt::format("syscalls allowed: {} ({} found in code, {} implied*)\n",
                     result.allowed_count(), result.syscalls.size(), result.implied.size());
  for (const auto& [kind, list] : by_kind) {
    out += fmt::format("  {:<8} {:>3}: ", kind, list.size());
    for (size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + list[i];
    out += "\n";
  }
  for (const auto& [nr, reason] : result.implied) out += fmt::format("  * {}: {}\n", name_of(nr), reason);
  out += argument_section(result, name_of);
  for (const auto& s : policy::profile_of(result, true).syscalls) {
    if (s.enosys) out += fmt::format("substituted: {}\n", policy::kClone3Substitution);
  }
  for (const auto& gate : result.closed_gates) out += fmt::format("library model: {}\n", gate);
  out += fmt::format("unresolved syscall sites (most likely to run first): {}\n", result.unresolved.size());
  for (const auto& line : ranked_unresolved(result)) out += "  " + line + "\n";
  out += exec_section(result);
  out += fmt::format("functions analysed: {}, address-taken: {}\n", result.functions_analysed,
                     result.address_taken);
  out += fmt::format("calls that may go to any address-taken function: {} through pointers, {} of ifuncs\n",
                     result.fallback_pointer_calls, result.fallback_ifunc_calls);
  out += fmt::format("time: {:.2f} s\n", seconds);
  return out;
}

}  // namespace sysfence::emit
