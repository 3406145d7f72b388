/* The program of the exec-closure tests: it runs a helper by a constant path three ways
 * (execl in a child, system() through /bin/sh, popen), then, when given arguments, execs
 * the program they name, a path its code cannot know. HELPER is the helper's absolute
 * path, the same inside the test's sysroot and on this machine. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  pid_t pid = fork();
  if (pid == 0) {
    execl(HELPER, HELPER, "execl", (char *)NULL);
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;
  if (system(HELPER " system") != 0) return 2;
  FILE *out = popen(HELPER " popen", "r");
  if (out == NULL) return 3;
  char line[64];
  while (fgets(line, sizeof line, out) != NULL) fputs(line, stdout);
  if (pclose(out) != 0) return 4;
  fflush(stdout);
  if (argc > 1) {
    execv(argv[1], argv + 1);
    return 5;
  }
  return 0;
}
