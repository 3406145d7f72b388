/* A dynamically linked glibc program that uses one library feature a library model
 * gates (data/library_gates.json), chosen at build time, so that tests can check the
 * gate stays closed without the feature and opens with it, and that a traced run of
 * the feature is allowed by the profile:
 *   -DUSE_SYSTEM            system() only (posix_spawn without scheduling attributes)
 *   -DUSE_SPAWN_SCHEDPARAM  posix_spawn with POSIX_SPAWN_SETSCHEDPARAM
 *   -DUSE_PRIO_PROTECT      a priority-protect mutex, locked and unlocked
 *   -DUSE_SPAWN_TCSETPGRP   posix_spawn with the tcsetpgrp file action
 *   -DUSE_PRIO_INHERIT      a priority-inheritance mutex two threads contend for
 *   -DUSE_THREADS           threads that wait on semaphores, a barrier and a read-write
 *                           lock (with and without timeouts) and are joined: no mutex
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
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

#if defined(USE_PRIO_INHERIT)
static pthread_mutex_t pi_mutex;

/* Holds the mutex a while so that the main thread's lock has to wait in the kernel. */
static void* hold_pi_mutex(void* unused) {
  (void)unused;
  pthread_mutex_lock(&pi_mutex);
  usleep(100 * 1000);
  pthread_mutex_unlock(&pi_mutex);
  return NULL;
}
#elif defined(USE_THREADS)
static sem_t ready, go;
static pthread_barrier_t barrier;
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;

static void* worker(void* unused) {
  (void)unused;
  sem_post(&ready);
  sem_wait(&go);
  pthread_rwlock_rdlock(&rwlock);
  pthread_rwlock_unlock(&rwlock);
  pthread_barrier_wait(&barrier);
  return NULL;
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
#elif defined(USE_PRIO_INHERIT)
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  if (pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT) != 0) return 1;
  if (pthread_mutex_init(&pi_mutex, &attr) != 0) return 1;
  pthread_t holder;
  if (pthread_create(&holder, NULL, hold_pi_mutex, NULL) != 0) return 1;
  usleep(20 * 1000);
  if (pthread_mutex_trylock(&pi_mutex) == 0) return 1; /* the holder has it */
  pthread_mutex_lock(&pi_mutex);
  pthread_mutex_unlock(&pi_mutex);
  return pthread_join(holder, NULL);
#elif defined(USE_THREADS)
  sem_init(&ready, 0, 0);
  sem_init(&go, 0, 0);
  pthread_barrier_init(&barrier, NULL, 3);
  pthread_t threads[2];
  for (int i = 0; i < 2; ++i) {
    if (pthread_create(&threads[i], NULL, worker, NULL) != 0) return 1;
  }
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 5;
  sem_timedwait(&ready, &deadline);
  sem_wait(&ready);
  pthread_rwlock_wrlock(&rwlock);
  sem_post(&go);
  sem_post(&go);
  usleep(20 * 1000); /* the readers wait for the writer in the kernel */
  pthread_rwlock_unlock(&rwlock);
  pthread_barrier_wait(&barrier);
  for (int i = 0; i < 2; ++i) pthread_join(threads[i], NULL);
  return 0;
#else
#error "choose a feature"
#endif
}
