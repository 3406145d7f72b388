/* A program the exec probe runs. It makes one syscall the probe itself never makes
 * (personality for the helper run by its constant path, sched_rr_get_interval for the
 * build named only on the command line), so a profile without it kills the run. */
#include <stdio.h>
#include <sched.h>
#include <sys/personality.h>

int main(int argc, char **argv) {
#ifdef NAMED_ON_COMMAND_LINE
  struct timespec interval;
  if (sched_rr_get_interval(0, &interval) != 0) return 1;
#else
  if (personality(0xffffffff) == -1) return 1;
#endif
  printf("helper %s\n", argc > 1 ? argv[1] : "");
  return 0;
}
