#pragma once
/// Syscall names and numbers per architecture, from libseccomp (DESIGN.md: never from
/// hand-written tables).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sysfence::analysis {

class SyscallNames {
 public:
  /// `arch` is libseccomp's architecture name ("x86_64", "arm", "mipsel", …).
  explicit SyscallNames(std::string_view arch);
  bool valid() const { return token_ != 0; }
  /// The kernel's name for `number` on this architecture, or nullopt.
  std::optional<std::string> name(uint64_t number) const;
  /// The number of `name` on this architecture (real numbers only, no pseudo-syscalls:
  /// where libseccomp models a call only through a multiplexer, the real number that
  /// carries the name).
  std::optional<uint64_t> number(std::string_view name) const;

 private:
  uint32_t token_ = 0;
};

}  // namespace sysfence::analysis
