/* Memory-operation benchmark for scripts/bench-overhead: prints the milliseconds one loop
 * takes.
 *   memory_loop syscalls N   mmap, touch, mprotect, munmap and brk growth and shrink, N times
 *   memory_loop copy N       memcpy of 64 MiB, N times (no syscalls: the filter's cost is nil) */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int syscalls(long n)
{
  for (long i = 0; i < n; ++i) {
    char *p = mmap(0, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
      return 1;
    p[0] = p[4096] = 1;
    if (mprotect(p, 65536, PROT_READ) != 0 || munmap(p, 65536) != 0)
      return 1;
    if (sbrk(65536) == (void *)-1 || sbrk(-65536) == (void *)-1)
      return 1;
  }
  return 0;
}

static int copy(long n)
{
  const size_t size = 64u << 20;
  char *a = malloc(size), *b = malloc(size);
  if (!a || !b)
    return 1;
  memset(a, 1, size);
  memset(b, 2, size);
  uint64_t sum = 0;
  for (long i = 0; i < n; ++i) {
    memcpy(i % 2 ? a : b, i % 2 ? b : a, size);
    sum += (unsigned char)a[i % size];
  }
  return sum == 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
  if (argc != 3)
    return 2;
  const long n = atol(argv[2]);
  const double start = now_ms();
  int rc = strcmp(argv[1], "syscalls") == 0 ? syscalls(n) : strcmp(argv[1], "copy") == 0 ? copy(n) : 2;
  if (rc != 0)
    return rc;
  printf("%.2f\n", now_ms() - start);
  return 0;
}
