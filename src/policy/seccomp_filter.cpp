#include "policy/seccomp_filter.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "enforce/bpf_simulator.h"

namespace sysfence::policy {
namespace {

// A rule whose value sets multiply out to more seccomp rules than this is not worth its
// filter length: its syscall is allowed with any arguments (and reported as loosened).
constexpr size_t kMaxCombinationsPerSyscall = 512;

struct ContextDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

uint32_t libseccomp_action(DenyAction action) {
  switch (action) {
    case DenyAction::Kill: return SCMP_ACT_KILL_PROCESS;
    case DenyAction::Errno: return SCMP_ACT_ERRNO(EPERM);
    case DenyAction::Log: return SCMP_ACT_LOG;
    case DenyAction::Trap: return SCMP_ACT_TRAP;
  }
  return SCMP_ACT_KILL_PROCESS;
}

size_t combination_count(const SyscallPolicy& s) {
  size_t total = 0;
  for (const auto& rule : s.rules) {
    size_t n = 1;
    for (const auto& [index, values] : rule) n *= values.size();
    total += n;
  }
  return total;
}

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

Result<std::vector<sock_filter>> build(const Profile& profile, DenyAction action,
                                       const std::vector<bool>& unconstrained) {
  const uint32_t arch = seccomp_arch_resolve_name(profile.arch.c_str());
  if (arch == 0) return Error{fmt::format("libseccomp does not know the architecture \"{}\"", profile.arch)};
  Context ctx(seccomp_init(libseccomp_action(action)));
  if (!ctx) return Error{"libseccomp could not create a filter"};
  if (arch != seccomp_arch_native()) {
    // The host's architecture goes first: libseccomp keeps one byte order per filter.
    if (seccomp_arch_remove(ctx.get(), SCMP_ARCH_NATIVE) != 0 || seccomp_arch_add(ctx.get(), arch) != 0) {
      return Error{fmt::format("libseccomp cannot build a filter for {}", profile.arch)};
    }
  }
  // A call made through another ABI (x32, int 0x80 on x86-64) fails the architecture
  // check and is killed, whatever the action for denied calls.
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);  // binary tree on the syscall number
  for (size_t i = 0; i < profile.syscalls.size(); ++i) {
    const SyscallPolicy& s = profile.syscalls[i];
    // libseccomp takes numbers in the host's namespace (names the host lacks have
    // pseudo-numbers) and maps them by name onto each architecture of the filter.
    const int nr = seccomp_syscall_resolve_name(s.name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;  // a number without a name: see compile_filter
    if (s.enosys) {
      if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), nr, 0); rc != 0) {
        return Error{fmt::format("libseccomp rejected {}: {}", s.name, strerror(-rc))};
      }
      continue;
    }
    if (s.rules.empty() || unconstrained[i]) {
      if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, nr, 0); rc != 0) {
        return Error{fmt::format("libseccomp rejected {}: {}", s.name, strerror(-rc))};
      }
      continue;
    }
    for (const auto& rule : s.rules) {
      for (const auto& combination : rule_combinations(rule)) {
        std::vector<scmp_arg_cmp> compare;
        for (const auto& [index, value] : combination) compare.push_back(SCMP_CMP(index, SCMP_CMP_EQ, value));
        const int rc = seccomp_rule_add_array(ctx.get(), SCMP_ACT_ALLOW, nr, static_cast<unsigned>(compare.size()),
                                              compare.data());
        if (rc != 0) return Error{fmt::format("libseccomp rejected a rule of {}: {}", s.name, strerror(-rc))};
      }
    }
  }
  return export_program(ctx.get(), enforce::big_endian_arch(profile.arch));
}

}  // namespace

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

std::vector<std::vector<std::pair<uint8_t, uint64_t>>> rule_combinations(const analysis::ArgumentTuple& rule) {
  std::vector<std::vector<std::pair<uint8_t, uint64_t>>> out = {{}};
  for (const auto& [index, values] : rule) {
    std::vector<std::vector<std::pair<uint8_t, uint64_t>>> next;
    for (const auto& partial : out) {
      for (uint64_t v : values) {
        next.push_back(partial);
        next.back().emplace_back(index, v);
      }
    }
    out = std::move(next);
  }
  return out;
}

Result<CompiledFilter> compile_filter(const Profile& profile, DenyAction action) {
  CompiledFilter filter;
  for (const SyscallPolicy& s : profile.syscalls) {
    if (seccomp_syscall_resolve_name(s.name.c_str()) == __NR_SCMP_ERROR) filter.unnamed.push_back(s.name);
  }
  std::vector<bool> unconstrained(profile.syscalls.size(), false);
  for (size_t i = 0; i < profile.syscalls.size(); ++i) {
    if (combination_count(profile.syscalls[i]) > kMaxCombinationsPerSyscall) {
      unconstrained[i] = true;
      filter.loosened.push_back(profile.syscalls[i].name);
    }
  }
  for (;;) {
    auto program = build(profile, action, unconstrained);
    if (!program) return program.error();
    if (program->size() <= kMaxFilterInstructions) {
      filter.program = std::move(*program);
      return filter;
    }
    // Too long: the syscall with the most comparisons left is allowed with any arguments.
    size_t widest = profile.syscalls.size();
    for (size_t i = 0; i < profile.syscalls.size(); ++i) {
      if (unconstrained[i] || profile.syscalls[i].rules.empty()) continue;
      if (widest == profile.syscalls.size() ||
          combination_count(profile.syscalls[i]) > combination_count(profile.syscalls[widest])) {
        widest = i;
      }
    }
    if (widest == profile.syscalls.size()) {
      return Error{fmt::format("the filter needs {} instructions even without argument constraints (limit {})",
                               program->size(), kMaxFilterInstructions)};
    }
    unconstrained[widest] = true;
    filter.loosened.push_back(profile.syscalls[widest].name);
  }
}

}  // namespace sysfence::policy
