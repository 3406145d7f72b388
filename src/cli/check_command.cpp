#include <linux/seccomp.h>
#include <seccomp.h>

#include <algorithm>
#include <cerrno>
#include <iostream>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "analysis/syscall_names.h"
#include "cli/commands.h"
#include "cli/program_loading.h"
#include "enforce/bpf_simulator.h"
#include "enforce/trace_reader.h"
#include "policy/policy_file.h"

namespace sysfence::cli {
namespace {

struct CheckOptions {
  std::string policy;
  std::string trace;
  std::string arch;
};

int run_check(const CheckOptions& options) {
  auto filter = load_policy(options.policy, options.arch, std::nullopt);
  if (!filter) return 2;
  const analysis::SyscallNames names(filter->arch);
  const uint32_t audit_arch = seccomp_arch_resolve_name(filter->arch.c_str());
  if (!names.valid() || audit_arch == 0) {
    std::cerr << fmt::format("sysfence: unknown architecture \"{}\"\n", filter->arch);
    return 2;
  }
  auto calls = load_trace(options.trace, filter->arch);
  if (!calls) return 2;
  // Distinct calls (as printed) -> first line, how many.
  std::map<std::string, std::pair<size_t, size_t>> denied, undetermined, unknown_names, substituted;
  size_t allowed = 0;
  size_t instructions = 0, most_instructions = 0, simulated = 0;  // the filter's cost per call
  for (const enforce::TracedCall& call : *calls) {
    const auto nr = names.number(call.name);
    const std::string shown = call.text.substr(call.text.find(call.name));
    auto note = [&](auto& list) {
      auto [it, fresh] = list.try_emplace(shown, call.line, 0);
      ++it->second.second;
    };
    if (!nr) {
      note(unknown_names);
      continue;
    }
    enforce::SeccompData data;
    data.nr = static_cast<int32_t>(*nr);
    data.arch = audit_arch;
    data.args = call.args;
    data.unknown_args = call.unknown;
    auto verdict = enforce::run_filter(filter->program, data, enforce::big_endian_arch(filter->arch));
    if (!verdict) {
      std::cerr << fmt::format("sysfence: {}: {}\n", options.policy, verdict.error().message);
      return 2;
    }
    instructions += verdict->instructions;
    most_instructions = std::max(most_instructions, verdict->instructions);
    ++simulated;
    if (verdict->depends_on_unknown) {
      note(undetermined);  // another value of the argument could change the verdict
    } else if (enforce::action_of(verdict->action) == SECCOMP_RET_ALLOW) {
      ++allowed;
    } else if (verdict->action == (SECCOMP_RET_ERRNO | ENOSYS)) {
      note(substituted);  // the program falls back to a call the filter checks (clone3 -> clone)
    } else {
      note(denied);
    }
  }
  auto count = [](const auto& list) {
    size_t n = 0;
    for (const auto& [text, where] : list) n += where.second;
    return n;
  };
  std::cout << fmt::format(
      "{} calls checked against {} ({}): {} allowed, {} denied, {} undetermined, {} unknown, {} answered ENOSYS\n",
      calls->size(), options.policy, filter->arch, allowed, count(denied), count(undetermined), count(unknown_names),
      count(substituted));
  if (simulated > 0) {
    std::cout << fmt::format("BPF instructions per call: {:.1f} on average, {} at most ({} in the filter)\n",
                             static_cast<double>(instructions) / static_cast<double>(simulated), most_instructions,
                             filter->program.size());
  }
  auto list = [](const char* title, const auto& entries) {
    for (const auto& [text, where] : entries) {
      std::cout << fmt::format("{}: line {}{}: {}\n", title, where.first,
                               where.second > 1 ? fmt::format(" (and {} more)", where.second - 1) : "", text);
    }
  };
  list("denied", denied);
  list("undetermined (the filter reads an argument the trace does not give as a number)", undetermined);
  list("unknown syscall name", unknown_names);
  list("answered ENOSYS (the program falls back to a call the filter checks)", substituted);
  return denied.empty() && unknown_names.empty() ? 0 : 1;
}

}  // namespace

void add_check_command(CLI::App& app, int& status) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* sub = app.add_subcommand(
      "check", "Replay a trace against a policy: exit 1 listing each call the filter would deny");
  sub->add_option("--policy", options->policy, "A sysfence policy (native JSON) or a raw BPF program")->required();
  sub->add_option("--trace", options->trace,
                  "The run: JSON lines (sysfence trace), strace output, or qemu-user -strace output")
      ->required();
  sub->add_option("--arch", options->arch, "The architecture (libseccomp's name) of a raw BPF program, or the one to apply a multi-architecture OCI profile to");
  sub->callback([options, &status] { status = run_check(*options); });
}

}  // namespace sysfence::cli
