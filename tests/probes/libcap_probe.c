// A program that sets its capabilities with libcap, as daemons that drop privileges do:
// libcap makes capset through its syscall hook, whose number comes from the hook's
// callers (data/library_values.json).
#include <stdio.h>
#include <sys/capability.h>

int main(void) {
  cap_t caps = cap_get_proc();
  if (caps == NULL) return 2;
  if (cap_set_proc(caps) != 0) return 3;  // the capabilities it has: allowed to anyone
  cap_free(caps);
  printf("capabilities set\n");
  return 0;
}
