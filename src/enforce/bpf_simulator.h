#pragma once
/// Classic BPF as the kernel runs it for seccomp (DESIGN.md enforce/): the instructions
/// seccomp accepts, over a seccomp_data laid out in the filtered architecture's byte
/// order. Used by `sysfence check` to replay traces against a filter and by the tests
/// that compare a filter's verdicts with the kernel's.

#include <linux/filter.h>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace sysfence::enforce {

/// What the kernel passes a filter for one call.
struct SeccompData {
  int32_t nr = 0;
  uint32_t arch = 0;  ///< AUDIT_ARCH_*
  uint64_t instruction_pointer = 0;
  std::array<uint64_t, 6> args{};
  /// Arguments whose value is not known (a trace that printed a name, not a number).
  std::array<bool, 6> unknown_args{};
};

struct Verdict {
  uint32_t action = 0;  ///< the filter's return value (SECCOMP_RET_* | data)
  size_t instructions = 0;  ///< instructions executed
  /// The filter read an argument marked unknown: `action` is one possible outcome only.
  bool depends_on_unknown = false;
  /// Which unknown arguments it read (bit i: argument i).
  uint8_t unknown_args_read = 0;
};

/// Runs `program` on `data`; `big_endian` is the filtered architecture's byte order. An
/// error for a program the kernel would refuse or that runs off its end.
Result<Verdict> run_filter(std::span<const sock_filter> program, const SeccompData& data, bool big_endian);

/// The AUDIT_ARCH_* values `program` compares seccomp_data.arch with (`jeq #k` after a
/// load of the arch word), in order; empty for a filter that never looks at it.
std::vector<uint32_t> checked_architectures(std::span<const sock_filter> program);

/// Whether libseccomp's architecture `arch` ("mips", "ppc64", …) is big endian.
bool big_endian_arch(std::string_view arch);

/// SECCOMP_RET_ALLOW, …: the action part of a filter's return value.
inline uint32_t action_of(uint32_t ret) { return ret & 0xffff0000u; }

}  // namespace sysfence::enforce
