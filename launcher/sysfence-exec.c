/* sysfence-exec: the on-device launcher (DESIGN.md enforce/).
 *
 *   sysfence-exec BPF_FILE PROGRAM [ARGS...]
 *
 * Loads the raw seccomp filter BPF_FILE (`sysfence analyze --format bpf`, written in the
 * device's byte order), then execs PROGRAM, so the filter confines PROGRAM from its first
 * instruction: its dynamic loader, every thread and every child. It sets no_new_privs
 * first, so it works unprivileged and a set-uid program cannot shed the filter. It fails
 * closed: when the filter cannot be read or loaded, PROGRAM is not run.
 *
 * Exit status: PROGRAM's; 2 for a usage error or a filter that cannot be read or loaded;
 * 127 when PROGRAM is not found, 126 when it cannot be executed.
 *
 * Plain C and the few libc calls every libc has (glibc, musl, uClibc-ng), so that it builds
 * statically for any device; no other dependency. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's seccomp ABI (linux/filter.h, linux/seccomp.h, linux/prctl.h), spelled out
 * because a musl cross toolchain has no kernel headers; these values never change. */
struct sock_filter {
  unsigned short code;
  unsigned char jt;
  unsigned char jf;
  unsigned int k;
};
struct sock_fprog {
  unsigned short len;
  struct sock_filter *filter;
};
#define MAX_INSTRUCTIONS 4096 /* BPF_MAXINSNS */
#define SET_MODE_FILTER 1     /* SECCOMP_SET_MODE_FILTER */
#define FILTER_FLAG_TSYNC 1   /* SECCOMP_FILTER_FLAG_TSYNC */
#define MODE_FILTER 2         /* SECCOMP_MODE_FILTER */
#ifndef PR_SET_NO_NEW_PRIVS
#define PR_SET_NO_NEW_PRIVS 38
#endif
#ifndef PR_SET_SECCOMP
#define PR_SET_SECCOMP 22
#endif

static struct sock_filter program[MAX_INSTRUCTIONS];

/* Messages go out with write(2) alone: no stdio, so a static build stays small. */
static void say(const char *a, const char *b, const char *c)
{
  const char *parts[] = {"sysfence-exec: ", a, ": ", b, c ? "; " : "", c ? c : "", "\n"};
  for (unsigned i = 0; i < sizeof parts / sizeof parts[0]; ++i)
    if (write(2, parts[i], strlen(parts[i])) < 0)
      return;
}

static int fail(const char *what, const char *detail)
{
  say(what, detail, 0);
  return 2;
}

/* Reads the whole filter; returns its instruction count, or 0 after saying what is wrong. */
static unsigned short read_filter(const char *path)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fail(path, strerror(errno));
    return 0;
  }
  size_t size = 0;
  char *into = (char *)program;
  for (;;) {
    if (size == sizeof program) {
      char extra;
      ssize_t more = read(fd, &extra, 1);
      if (more != 0) {
        close(fd);
        fail(path, "longer than the kernel's 4096-instruction limit");
        return 0;
      }
      break;
    }
    ssize_t got = read(fd, into + size, sizeof program - size);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      close(fd);
      fail(path, strerror(errno));
      return 0;
    }
    if (got == 0)
      break;
    size += (size_t)got;
  }
  close(fd);
  if (size == 0 || size % sizeof(struct sock_filter) != 0) {
    fail(path, "not a BPF program (empty, or not a multiple of 8 bytes)");
    return 0;
  }
  return (unsigned short)(size / sizeof(struct sock_filter));
}

static int load_filter(unsigned short length)
{
  struct sock_fprog prog = {length, program};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return -1;
#ifdef SYS_seccomp
  /* TSYNC: should a libc have started a thread already, it is filtered too. */
  if (syscall(SYS_seccomp, SET_MODE_FILTER, FILTER_FLAG_TSYNC, &prog) == 0)
    return 0;
  if (errno != ENOSYS)
    return -1;
#endif
  /* Kernels before 3.17 have no seccomp(2); their prctl loads the same program. */
  return prctl(PR_SET_SECCOMP, MODE_FILTER, &prog, 0, 0);
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    static const char usage[] = "usage: sysfence-exec BPF_FILE PROGRAM [ARGS...]\n"
                                "Loads the seccomp filter BPF_FILE, then execs PROGRAM under it.\n";
    return write(2, usage, sizeof usage - 1) < 0 ? 2 : 2;
  }
  unsigned short length = read_filter(argv[1]);
  if (length == 0)
    return 2;
  if (load_filter(length) != 0) {
    say(argv[1], strerror(errno), "the kernel refused the filter; the program was not run");
    return 2;
  }
  execvp(argv[2], argv + 2);
  int error = errno;
  say(argv[2], strerror(error), 0);
  return error == ENOENT ? 127 : 126;
}
