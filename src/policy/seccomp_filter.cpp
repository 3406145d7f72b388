#include "policy/seccomp_filter.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "enforce/bpf_simulator.h"

namespace sysfence::policy {
namespace {

// A syscall whose rules number more than this is not worth their filter length: it is
// loosened before the first compilation.
constexpr size_t kMaxRulesPerSyscall = 512;

struct ContextDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

sock_filter byte_swapped(sock_filter in) {
  return {static_cast<uint16_t>(__builtin_bswap16(in.code)), in.jt, in.jf, __builtin_bswap32(in.k)};
}

bool host_big_endian() { return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__; }

/// The BPF program libseccomp generates for `ctx`, in the host's byte order (libseccomp
/// writes it in the filtered architecture's).
Result<std::vector<sock_filter>> export_program(void* ctx, bool big_endian) {
  const int fd = memfd_create("sysfence-filter", MFD_CLOEXEC);
  if (fd < 0) return Error{fmt::format("cannot create a memory file for the filter: {}", strerror(errno))};
  std::string bytes;
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc == 0) {
    const off_t size = lseek(fd, 0, SEEK_END);
    bytes.resize(static_cast<size_t>(size));
    if (pread(fd, bytes.data(), bytes.size(), 0) != size) rc = -EIO;
  }
  close(fd);
  if (rc != 0) return Error{fmt::format("libseccomp could not export the filter: {}", strerror(-rc))};
  return program_from_bytes(bytes, big_endian);
}

scmp_compare libseccomp_compare(Compare op) {
  switch (op) {
    case Compare::NotEqual: return SCMP_CMP_NE;
    case Compare::Less: return SCMP_CMP_LT;
    case Compare::LessEqual: return SCMP_CMP_LE;
    case Compare::Equal: return SCMP_CMP_EQ;
    case Compare::GreaterEqual: return SCMP_CMP_GE;
    case Compare::Greater: return SCMP_CMP_GT;
    case Compare::MaskedEqual: return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

/// The rules of every syscall libseccomp can name, each at its level.
std::vector<FilterRule> rules_at(const Profile& profile, const std::vector<Constraint>& levels,
                                 const std::vector<bool>& named) {
  std::vector<FilterRule> rules;
  for (size_t i = 0; i < profile.syscalls.size(); ++i) {
    if (!named[i]) continue;
    for (FilterRule& rule : filter_rules(profile.syscalls[i], levels[i])) rules.push_back(std::move(rule));
  }
  return rules;
}

/// ENOSYS rules for the multiplexers (socketcall, ipc on MIPS o32, i386, s390) that
/// `rules` would reach through without allowing them: for a rule of a syscall the
/// architecture also multiplexes, libseccomp adds one that lets the multiplexed call
/// through, checking only the call's number, as its arguments lie in memory no filter
/// reads (a `socket` rule pinning the family would allow every family through
/// socketcall). A rule for the multiplexer itself replaces that. A profile that allows
/// the multiplexer keeps it; a log filter denies nothing.
std::vector<FilterRule> multiplexer_denials(const std::string& arch_name, const std::vector<FilterRule>& rules,
                                            DenyAction action) {
  if (action == DenyAction::Log) return {};
  const uint32_t arch = seccomp_arch_resolve_name(arch_name.c_str());
  std::set<std::string> named;
  for (const FilterRule& rule : rules) named.insert(rule.syscall);
  std::set<std::string> multiplexers;
  for (const std::string& name : named) {
    const int direct = seccomp_syscall_resolve_name_arch(arch, name.c_str());
    const int rewritten = seccomp_syscall_resolve_name_rewrite(arch, name.c_str());
    if (rewritten < 0 || rewritten == direct) continue;
    std::unique_ptr<char, decltype(&std::free)> multiplexer(seccomp_syscall_resolve_num_arch(arch, rewritten),
                                                            &std::free);
    if (multiplexer && !named.count(multiplexer.get())) multiplexers.insert(multiplexer.get());
  }
  std::vector<FilterRule> out;
  for (const std::string& name : multiplexers) out.push_back({name, kActionEnosys, {}});
  return out;
}

/// Whether every check of `general` is one of `specific`'s: then `specific` allows
/// nothing `general` does not.
bool subsumes(const FilterRule& general, const FilterRule& specific) {
  return std::all_of(general.checks.begin(), general.checks.end(), [&](const ArgumentCheck& c) {
    return std::find(specific.checks.begin(), specific.checks.end(), c) != specific.checks.end();
  });
}

/// `rules` without those another rule of the same syscall and action subsumes (the first
/// of equal ones kept), in their order. They change nothing, and Debian 12's libseccomp
/// (2.5.4) leaks the tree nodes of a rule that a later, more general one prunes (found by
/// parsers_fuzz: mmap with a3 == 50 after mmap with a1 == 0 and a3 == 50).
std::vector<const FilterRule*> without_subsumed(const std::vector<FilterRule>& rules) {
  std::map<std::pair<std::string_view, uint32_t>, std::vector<size_t>> by_call;
  for (size_t i = 0; i < rules.size(); ++i) by_call[{rules[i].syscall, rules[i].action}].push_back(i);
  std::vector<bool> redundant(rules.size(), false);
  for (const auto& [call, indices] : by_call) {
    for (size_t i : indices) {
      for (size_t j : indices) {
        if (j == i || redundant[j] || !subsumes(rules[j], rules[i])) continue;
        // Equal rules subsume each other: the later one goes.
        if (rules[i].checks.size() > rules[j].checks.size() || j < i) {
          redundant[i] = true;
          break;
        }
      }
    }
  }
  std::vector<const FilterRule*> out;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!redundant[i]) out.push_back(&rules[i]);
  }
  return out;
}

}  // namespace

uint32_t action_value(DenyAction action) {
  switch (action) {
    case DenyAction::Kill: return SCMP_ACT_KILL_PROCESS;
    case DenyAction::Errno: return SCMP_ACT_ERRNO(EPERM);
    case DenyAction::Log: return SCMP_ACT_LOG;
    case DenyAction::Trap: return SCMP_ACT_TRAP;
  }
  return SCMP_ACT_KILL_PROCESS;
}


Result<std::vector<sock_filter>> compile_rules(const std::string& arch_name, uint32_t default_action,
                                               const std::vector<FilterRule>& rules, RuleOrder order) {
  const uint32_t arch = seccomp_arch_resolve_name(arch_name.c_str());
  if (arch == 0) return Error{fmt::format("libseccomp does not know the architecture \"{}\"", arch_name)};
  Context ctx(seccomp_init(default_action));
  if (!ctx) return Error{"libseccomp could not create a filter"};
  if (arch != seccomp_arch_native()) {
    // The host's architecture goes first: libseccomp keeps one byte order per filter.
    if (seccomp_arch_remove(ctx.get(), SCMP_ARCH_NATIVE) != 0 || seccomp_arch_add(ctx.get(), arch) != 0) {
      return Error{fmt::format("libseccomp cannot build a filter for {}", arch_name)};
    }
  }
  // A call made through another ABI (x32, int 0x80 on x86-64) fails the architecture
  // check and is killed, whatever the action for denied calls.
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (order == RuleOrder::BinaryTree) seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
  for (const FilterRule* kept : without_subsumed(rules)) {
    const FilterRule& rule = *kept;
    if (rule.action == default_action) continue;  // libseccomp refuses a rule that changes nothing
    // libseccomp takes numbers in the host's namespace (names the host lacks have
    // pseudo-numbers) and maps them by name onto each architecture of the filter.
    const int nr = seccomp_syscall_resolve_name(rule.syscall.c_str());
    if (nr == __NR_SCMP_ERROR) return Error{fmt::format("libseccomp has no syscall named \"{}\"", rule.syscall)};
    std::vector<scmp_arg_cmp> compare;
    for (const ArgumentCheck& check : rule.checks) {
      compare.push_back({check.index, libseccomp_compare(check.op), check.value, check.value_two});
    }
    if (int rc = seccomp_rule_add_array(ctx.get(), rule.action, nr, static_cast<unsigned>(compare.size()),
                                        compare.data());
        rc != 0) {
      return Error{fmt::format("libseccomp rejected a rule of {}: {}", rule.syscall, strerror(-rc))};
    }
  }
  return export_program(ctx.get(), enforce::big_endian_arch(arch_name));
}

std::string program_bytes(const std::vector<sock_filter>& program, bool big_endian) {
  std::string out;
  for (sock_filter in : program) {
    if (big_endian != host_big_endian()) in = byte_swapped(in);
    out.append(reinterpret_cast<const char*>(&in), sizeof in);
  }
  return out;
}

std::vector<sock_filter> program_from_bytes(std::string_view bytes, bool big_endian) {
  std::vector<sock_filter> program(bytes.size() / sizeof(sock_filter));
  std::memcpy(program.data(), bytes.data(), program.size() * sizeof(sock_filter));
  if (big_endian != host_big_endian()) std::transform(program.begin(), program.end(), program.begin(), byte_swapped);
  return program;
}

std::optional<DenyAction> deny_action_named(std::string_view name) {
  if (name == "kill") return DenyAction::Kill;
  if (name == "errno") return DenyAction::Errno;
  if (name == "log") return DenyAction::Log;
  if (name == "trap") return DenyAction::Trap;
  return std::nullopt;
}

Result<CompiledFilter> compile_filter(const Profile& profile, DenyAction action, RuleOrder order) {
  CompiledFilter filter;
  std::vector<bool> named(profile.syscalls.size(), true);
  std::vector<Constraint> levels(profile.syscalls.size(), Constraint::Exact);
  const auto rule_count = [&](size_t i) { return filter_rules(profile.syscalls[i], levels[i]).size(); };
  const auto loosen = [&](size_t i) {
    levels[i] = levels[i] == Constraint::Exact ? Constraint::Masked : Constraint::Any;
    const std::string& name = profile.syscalls[i].name;
    auto it = std::find_if(filter.loosened.begin(), filter.loosened.end(),
                           [&](const Loosening& l) { return l.syscall == name; });
    if (it == filter.loosened.end()) {
      filter.loosened.push_back({name, levels[i]});
    } else {
      it->kept = levels[i];
    }
  };
  for (size_t i = 0; i < profile.syscalls.size(); ++i) {
    const SyscallPolicy& s = profile.syscalls[i];
    if (seccomp_syscall_resolve_name(s.name.c_str()) == __NR_SCMP_ERROR) {
      named[i] = false;
      filter.unnamed.push_back(s.name);
      continue;
    }
    while (levels[i] != Constraint::Any && rule_count(i) > kMaxRulesPerSyscall) loosen(i);
  }
  for (;;) {
    std::vector<FilterRule> rules = rules_at(profile, levels, named);
    for (FilterRule& denial : multiplexer_denials(profile.arch, rules, action)) rules.push_back(std::move(denial));
    auto program = compile_rules(profile.arch, action_value(action), rules, order);
    if (!program) return program.error();
    if (program->size() <= kMaxFilterInstructions) {
      filter.program = std::move(*program);
      filter.rules = std::move(rules);
      return filter;
    }
    // Too long: the syscall with the most rules left is loosened one step.
    size_t widest = profile.syscalls.size();
    size_t widest_rules = 0;
    for (size_t i = 0; i < profile.syscalls.size(); ++i) {
      if (!named[i] || levels[i] == Constraint::Any || profile.syscalls[i].rules.empty()) continue;
      const size_t n = rule_count(i);
      if (widest == profile.syscalls.size() || n > widest_rules) {
        widest = i;
        widest_rules = n;
      }
    }
    if (widest == profile.syscalls.size()) {
      return Error{fmt::format("the filter needs {} instructions even without argument constraints (limit {})",
                               program->size(), kMaxFilterInstructions)};
    }
    loosen(widest);
  }
}

}  // namespace sysfence::policy
