#pragma once
/// PLT entries as binutils' objdump labels them (`<name@plt>`), an independent oracle
/// for the backends' PLT decoders.

#include <cstdint>
#include <map>
#include <string>

namespace sysfence::testing {

/// Address → symbol name of every `<name@plt>` label objdump prints for `path`,
/// using the cross objdump for `arch` (a backend name such as "arm").
std::map<uint64_t, std::string> objdump_plt_labels(const std::string& arch, const std::string& path);

}  // namespace sysfence::testing
