#include "emit/syscall_kinds.h"

#include <array>
#include <utility>

namespace sysfence::emit {
namespace {

// Name prefixes per kind; the first matching prefix wins, so longer, more specific
// prefixes come before shorter ones of another kind.
constexpr std::pair<std::string_view, std::string_view> kPrefixes[] = {
    {"rt_sig", "signal"}, {"sigaltstack", "signal"}, {"signalfd", "signal"}, {"sigreturn", "signal"},
    {"sigaction", "signal"}, {"sigprocmask", "signal"}, {"kill", "signal"}, {"tkill", "signal"}, {"tgkill", "signal"},
    {"pause", "signal"},
    {"socket", "network"}, {"bind", "network"}, {"connect", "network"}, {"listen", "network"}, {"accept", "network"},
    {"send", "network"}, {"recv", "network"}, {"getsockopt", "network"}, {"setsockopt", "network"},
    {"getsockname", "network"}, {"getpeername", "network"}, {"shutdown", "network"},
    {"mmap", "memory"}, {"munmap", "memory"}, {"mprotect", "memory"}, {"brk", "memory"}, {"madvise", "memory"},
    {"mremap", "memory"}, {"mlock", "memory"}, {"munlock", "memory"}, {"msync", "memory"}, {"membarrier", "memory"},
    {"mincore", "memory"}, {"memfd", "memory"}, {"pkey", "memory"},
    {"clock_", "time"}, {"gettimeofday", "time"}, {"settimeofday", "time"}, {"time", "time"}, {"nanosleep", "time"},
    {"alarm", "time"}, {"setitimer", "time"}, {"getitimer", "time"}, {"adjtimex", "time"},
    {"poll", "events"}, {"ppoll", "events"}, {"select", "events"}, {"pselect", "events"}, {"_newselect", "events"},
    {"epoll", "events"}, {"eventfd", "events"}, {"inotify", "events"}, {"fanotify", "events"},
    {"msg", "ipc"}, {"sem", "ipc"}, {"shm", "ipc"}, {"ipc", "ipc"}, {"mq_", "ipc"}, {"pipe", "ipc"},
    {"clone", "process"}, {"fork", "process"}, {"vfork", "process"}, {"exec", "process"}, {"exit", "process"},
    {"wait", "process"}, {"getpid", "process"}, {"getppid", "process"}, {"gettid", "process"},
    {"set_tid_address", "process"}, {"prctl", "process"}, {"arch_prctl", "process"}, {"setuid", "process"},
    {"setgid", "process"}, {"setres", "process"}, {"setre", "process"}, {"setgroups", "process"},
    {"getuid", "process"}, {"geteuid", "process"}, {"getgid", "process"}, {"getegid", "process"},
    {"getres", "process"}, {"getgroups", "process"}, {"cap", "process"}, {"sched_", "process"},
    {"set_robust_list", "process"}, {"get_robust_list", "process"}, {"rseq", "process"}, {"futex", "process"},
    {"setsid", "process"}, {"getsid", "process"}, {"setpgid", "process"}, {"getpgid", "process"},
    {"getrlimit", "process"}, {"setrlimit", "process"}, {"prlimit", "process"}, {"getrusage", "process"},
    {"unshare", "process"},
};

}  // namespace

std::string_view syscall_kind(std::string_view name) {
  for (const auto& [prefix, kind] : kPrefixes) {
    if (name.substr(0, prefix.size()) == prefix) return kind;
  }
  // What remains is mostly the file system: open, read, write, stat, ioctl, fcntl, …
  static constexpr std::array<std::string_view, 3> kOther = {"uname", "getrandom", "sysinfo"};
  for (std::string_view other : kOther) {
    if (name == other) return "other";
  }
  return "file";
}

}  // namespace sysfence::emit
