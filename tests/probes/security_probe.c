/* A small program for the security tests (tests/security_test.cpp). Built twice: as the
 * application whose profile sysfence generates (`work` only), and with -DATTACKS as the
 * same application taken over by an attacker, whose extra calls that profile must stop.
 *
 *   security_probe work    sockets (AF_INET, AF_UNIX), mprotect(PROT_READ), a thread, a
 *                          child process: the values the application uses; exit 0
 *   security_probe ATTACK  (the -DATTACKS build) one forbidden call, see main */
#define _GNU_SOURCE /* CLONE_NEWUSER */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void *thread_body(void *arg)
{
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd >= 0)
    close(fd);
  return arg;
}

static int work(void)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return 10;
  close(fd);
  fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0)
    return 11;
  close(fd);
  char *page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED)
    return 12;
  page[0] = 1;
  if (mprotect(page, 4096, PROT_READ) != 0)
    return 13;
  pthread_t thread;
  if (pthread_create(&thread, 0, thread_body, 0) != 0 || pthread_join(thread, 0) != 0)
    return 14;
  pid_t child = fork();
  if (child == 0)
    _exit(0);
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child || status != 0)
    return 15;
  return 0;
}

#ifdef ATTACKS
static void *attacking_thread(void *arg)
{
  socket(AF_PACKET, SOCK_RAW, 0);
  return arg;
}

static int attack(const char *what)
{
  char *page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (strcmp(what, "af_packet") == 0)
    socket(AF_PACKET, SOCK_RAW, 0);
  else if (strcmp(what, "newuser") == 0)
    syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
  else if (strcmp(what, "prot_exec") == 0)
    mprotect(page, 4096, PROT_READ | PROT_EXEC);
  else if (strcmp(what, "x32") == 0)
    syscall(0x40000000 | SYS_getpid); /* __X32_SYSCALL_BIT */
  else if (strcmp(what, "int80") == 0) {
    long ret = 20; /* getpid in i386 numbering */
    __asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
  } else if (strcmp(what, "unknown") == 0)
    syscall(1000);
  else if (strcmp(what, "thread") == 0) {
    pthread_t thread;
    if (pthread_create(&thread, 0, attacking_thread, 0) == 0)
      pthread_join(thread, 0);
  } else
    return 2;
  return 0; /* reached only when the call was not stopped */
}
#endif

int main(int argc, char **argv)
{
  if (argc == 2 && strcmp(argv[1], "work") == 0)
    return work();
#ifdef ATTACKS
  if (argc == 2)
    return attack(argv[1]);
#endif
  return 2;
}
