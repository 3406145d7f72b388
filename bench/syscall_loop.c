/* Syscall micro-benchmark for scripts/bench-overhead: makes one syscall N times and prints
 * the nanoseconds per call.
 *   syscall_loop getppid N   a syscall its profile allows with any arguments
 *   syscall_loop prctl N     prctl(PR_GET_DUMPABLE): its profile checks the option */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
  if (argc != 3)
    return 2;
  const long n = atol(argv[2]);
  const int checked = strcmp(argv[1], "prctl") == 0;
  if (!checked && strcmp(argv[1], "getppid") != 0)
    return 2;
  const double start = now();
  for (long i = 0; i < n; ++i) {
    if (checked)
      prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    else
      getppid();
  }
  printf("%.1f\n", (now() - start) / (double)n);
  return 0;
}
