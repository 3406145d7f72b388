#pragma once
/// Groups syscalls by what they are for, for readable reports.

#include <string>
#include <string_view>

namespace sysfence::emit {

/// "file", "network", "memory", "process", "signal", "time", "events", "ipc" or "other".
std::string_view syscall_kind(std::string_view name);

}  // namespace sysfence::emit
