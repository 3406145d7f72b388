#include "analysis/syscall_names.h"

#include <seccomp.h>

#include <cstdlib>
#include <string>

namespace sysfence::analysis {

SyscallNames::SyscallNames(std::string_view arch) : token_(seccomp_arch_resolve_name(std::string(arch).c_str())) {}

std::optional<std::string> SyscallNames::name(uint64_t number) const {
  if (!valid() || number > 0x7fffffff) return std::nullopt;
  char* raw = seccomp_syscall_resolve_num_arch(token_, static_cast<int>(number));
  if (raw == nullptr) return std::nullopt;
  std::string out(raw);
  std::free(raw);
  return out;
}

std::optional<uint64_t> SyscallNames::number(std::string_view name) const {
  if (!valid()) return std::nullopt;
  int nr = seccomp_syscall_resolve_name_arch(token_, std::string(name).c_str());
  // Negative numbers are libseccomp's pseudo-syscalls (e.g. socket on MIPS, which it
  // models as a socketcall multiplexer); they have no real number on this architecture.
  if (nr < 0) return std::nullopt;
  return static_cast<uint64_t>(nr);
}

}  // namespace sysfence::analysis
