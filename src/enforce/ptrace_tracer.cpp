#include "enforce/ptrace_tracer.h"

#include <linux/audit.h>
#include <seccomp.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sysfence::enforce {
namespace {

constexpr uint64_t kX32Bit = 0x40000000;

/// libseccomp's name of an AUDIT_ARCH_* value (libseccomp's SCMP_ARCH_* are the same numbers).
std::string arch_name(uint32_t arch, uint64_t nr) {
  if (arch == AUDIT_ARCH_X86_64 && (nr & kX32Bit) != 0) return "x32";
  switch (arch) {
    case AUDIT_ARCH_X86_64: return "x86_64";
    case AUDIT_ARCH_I386: return "x86";
    case AUDIT_ARCH_AARCH64: return "aarch64";
    case AUDIT_ARCH_ARM: return "arm";
    case AUDIT_ARCH_MIPS: return "mips";
    case AUDIT_ARCH_MIPSEL: return "mipsel";
    default: return fmt::format("{:#x}", arch);
  }
}

std::string syscall_name(uint32_t arch, uint64_t nr) {
  const uint32_t token = arch == AUDIT_ARCH_X86_64 && (nr & kX32Bit) != 0 ? SCMP_ARCH_X32 : arch;
  char* name = seccomp_syscall_resolve_num_arch(token, static_cast<int>(nr));
  std::string out = name != nullptr ? name : fmt::format("syscall_{}", nr);
  free(name);
  return out;
}

/// ptrace option set: every child followed, syscall stops told apart from SIGTRAP, the
/// tracees killed if the tracer dies.
constexpr long kOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                          PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;

}  // namespace

Result<int> trace_command(const std::vector<std::string>& command, std::ostream& out) {
  if (command.empty()) return Error{"no command to trace"};
  std::vector<char*> argv;
  for (const std::string& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  int ready[2], go[2];
  if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(go, O_CLOEXEC) != 0) return Error{fmt::format("pipe: {}", strerror(errno))};
  const pid_t child = fork();
  if (child < 0) return Error{fmt::format("fork: {}", strerror(errno))};
  if (child == 0) {
    close(ready[0]);
    close(go[1]);
    char released = 0;
    (void)!read(go[0], &released, 1);  // until the tracer has seized this process
    execvp(argv[0], argv.data());
    const int error = errno;
    (void)!write(ready[1], &error, sizeof error);  // the pipe closes on a successful exec
    _exit(127);
  }
  close(ready[1]);
  close(go[0]);
  // PTRACE_SEIZE (not TRACEME/ATTACH): a group-stop, the program stopping itself with
  // SIGSTOP or SIGTSTP, is then told apart from a signal to deliver (PTRACE_EVENT_STOP),
  // so the program stays stopped until it is continued, as it would untraced.
  int status = 0;
  const bool seized = ptrace(PTRACE_SEIZE, child, nullptr, kOptions) == 0 &&
                      ptrace(PTRACE_INTERRUPT, child, nullptr, nullptr) == 0 &&
                      waitpid(child, &status, __WALL) == child && WIFSTOPPED(status) &&
                      ptrace(PTRACE_SYSCALL, child, nullptr, nullptr) == 0;
  if (!seized) {
    const int error = errno;
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    close(ready[0]);
    close(go[1]);
    return Error{fmt::format("cannot trace {}: {}", command[0], strerror(error))};
  }
  close(go[1]);  // the child execs the command now
  std::set<pid_t> tracees = {child};
  // What the forked child runs before it execs the command (glibc's set_robust_list after
  // fork, closing the pipes, the read that waits for the seize) is the tracer's code, not
  // the command's: the trace starts with the child's exec (each execve execvp tries).
  bool launched = false;
  int exit_status = 0;
  while (!tracees.empty()) {
    const pid_t pid = waitpid(-1, &status, __WALL);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      tracees.erase(pid);
      if (pid == child) exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    tracees.insert(pid);  // a new process or thread may stop before its parent's event
    int deliver = 0;
    const int stop = WSTOPSIG(status);
    const int event = status >> 16;
    if (event == PTRACE_EVENT_STOP) {
      if (stop == SIGSTOP || stop == SIGTSTP || stop == SIGTTIN || stop == SIGTTOU) {
        // A group-stop: the tracee stays stopped until SIGCONT, then stops here again.
        ptrace(PTRACE_LISTEN, pid, nullptr, nullptr);
        continue;
      }
      // A new process or thread's first stop (SIGTRAP), or the end of a group-stop.
    } else if (stop == (SIGTRAP | 0x80)) {
      __ptrace_syscall_info info{};
      const bool entry = ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info) > 0 &&
                         info.op == PTRACE_SYSCALL_INFO_ENTRY;
      const std::string name = entry ? syscall_name(info.arch, info.entry.nr) : std::string();
      launched = launched || (pid == child && (name == "execve" || name == "execveat"));
      if (entry && (launched || pid != child)) {
        nlohmann::json args = nlohmann::json::array();
        for (uint64_t a : info.entry.args) args.push_back(a);
        out << nlohmann::json{{"pid", pid},
                              {"arch", arch_name(info.arch, info.entry.nr)},
                              {"name", name},
                              {"nr", info.entry.nr},
                              {"args", std::move(args)}}
                   .dump()
            << "\n";
      }
    } else if (stop == SIGTRAP && event != 0) {
      // A fork, clone or exec event: nothing to deliver.
    } else {
      deliver = stop;  // a signal for the program: pass it on
    }
    ptrace(PTRACE_SYSCALL, pid, nullptr, deliver);
  }
  int exec_error = 0;
  const bool exec_failed = read(ready[0], &exec_error, sizeof exec_error) == sizeof exec_error;
  close(ready[0]);
  out.flush();
  if (exec_failed) return Error{fmt::format("{}: {}", command[0], strerror(exec_error))};
  return exit_status;
}

}  // namespace sysfence::enforce
