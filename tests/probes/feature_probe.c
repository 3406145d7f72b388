/* A dynamically linked glibc program that uses one library feature a library model
 * gates (data/library_gates.json), chosen at build time, so that tests can check the
 * gate stays closed without the feature and opens with it, and that a traced run of
 * the feature is allowed by the profile:
 *   -DUSE_SYSTEM            system() only (posix_spawn without scheduling attributes)
 *   -DUSE_SPAWN_SCHEDPARAM  posix_spawn with POSIX_SPAWN_SETSCHEDPARAM
 *   -DUSE_PRIO_PROTECT      a priority-protect mutex, locked and unlocked
 *   -DUSE_SPAWN_TCSETPGRP   posix_spawn with the tcsetpgrp file action
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

#if defined(USE_SPAWN_SCHEDPARAM) || defined(USE_SPAWN_TCSETPGRP)
static int spawn_true(const posix_spawnattr_t* attr, const posix_spawn_file_actions_t* actions) {
  char* argv[] = {"true", NULL};
  pid_t pid;
  if (posix_spawn(&pid, "/bin/true", actions, attr, argv, environ) != 0) return 1;
  int status;
  return waitpid(pid, &status, 0) == pid ? 0 : 1;
}
#endif

int main(void) {
#if defined(USE_SYSTEM)
  return system("true") == -1;
#elif defined(USE_SPAWN_SCHEDPARAM)
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  struct sched_param param = {.sched_priority = 0};
  posix_spawnattr_setschedparam(&attr, &param);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSCHEDPARAM);
  return spawn_true(&attr, NULL);
#elif defined(USE_PRIO_PROTECT)
  pthread_mutexattr_t attr;
  pthread_mutex_t mutex;
  pthread_mutexattr_init(&attr);
  if (pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_PROTECT) != 0) return 1;
  if (pthread_mutex_init(&mutex, &attr) != 0) return 1;
  pthread_mutex_lock(&mutex);
  pthread_mutex_unlock(&mutex);
  return 0;
#elif defined(USE_SPAWN_TCSETPGRP)
  /* The child asks for its process group (getpgid) before tcsetpgrp, which fails
   * without a terminal: the spawn may fail, the call was made. */
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addtcsetpgrp_np(&actions, STDIN_FILENO);
  spawn_true(NULL, &actions);
  return 0;
#else
#error "choose a feature"
#endif
}
