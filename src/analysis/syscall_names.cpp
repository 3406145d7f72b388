#include "analysis/syscall_names.h"

#include <seccomp.h>

#include <cstdlib>
#include <map>
#include <mutex>
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
  const int nr = seccomp_syscall_resolve_name_arch(token_, std::string(name).c_str());
  if (nr >= 0) return static_cast<uint64_t>(nr);
  if (nr == __NR_SCMP_ERROR) return std::nullopt;
  // A pseudo-syscall: libseccomp 2.5 resolves MIPS's direct socket calls (accept is
  // 4168) by number but, by name, only to its socketcall model. Find the number that
  // carries the name, once per architecture and name.
  static std::mutex mutex;
  static std::map<std::pair<uint32_t, std::string>, std::optional<uint64_t>, std::less<>> found;
  const std::lock_guard lock(mutex);
  auto [it, fresh] = found.try_emplace({token_, std::string(name)});
  if (fresh) {
    // Numbers start at the ABI's base (MIPS o32 4000), which libseccomp also resolves
    // without: start where `read` is.
    const int read = seccomp_syscall_resolve_name_arch(token_, "read");
    const uint64_t base = read < 0 ? 0 : static_cast<uint64_t>(read) / 1000 * 1000;
    for (uint64_t n = base; n < base + 1000 && !it->second; ++n) {
      if (this->name(n) == name) it->second = n;
    }
  }
  return it->second;
}

}  // namespace sysfence::analysis
