#include "enforce/filter_loader.h"

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace sysfence::enforce {

Result<void> install_filter(std::span<const sock_filter> program) {
  if (program.empty() || program.size() > BPF_MAXINSNS) {
    return Error{fmt::format("a filter of {} instructions cannot be loaded (1 to {})", program.size(), BPF_MAXINSNS)};
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return Error{fmt::format("cannot set no_new_privs: {}", strerror(errno))};
  }
  sock_fprog prog{static_cast<unsigned short>(program.size()), const_cast<sock_filter*>(program.data())};
  // seccomp(2) has no glibc wrapper in Debian 12's headers.
  const long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
  if (rc < 0) return Error{fmt::format("the kernel refused the filter: {}", strerror(errno))};
  if (rc > 0) return Error{fmt::format("thread {} could not take the filter", rc)};  // TSYNC's failure report
  return {};
}

std::string host_arch() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#elif defined(__arm__)
  return "arm";
#elif defined(__mips__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "mipsel";
#elif defined(__mips__)
  return "mips";
#elif defined(__i386__)
  return "x86";
#else
#error "sysfence: add this architecture's libseccomp name"
#endif
}

}  // namespace sysfence::enforce
