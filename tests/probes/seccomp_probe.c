// A program that sandboxes itself with libseccomp, as self-sandboxing daemons do: it
// loads a filter allowing what it needs next, then works under it. libseccomp makes the
// seccomp syscall with a number it looks up at run time (data/library_values.json).
#include <seccomp.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
  if (ctx == NULL) return 2;
  const int allowed[] = {SCMP_SYS(write), SCMP_SYS(exit_group), SCMP_SYS(exit), SCMP_SYS(fstat),
                         SCMP_SYS(newfstatat), SCMP_SYS(brk), SCMP_SYS(getpid)};
  for (unsigned i = 0; i < sizeof allowed / sizeof *allowed; ++i) {
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0) != 0) return 3;
  }
  if (seccomp_load(ctx) != 0) return 4;
  seccomp_release(ctx);
  printf("sandboxed as %d\n", (int)getpid());
  return 0;
}
