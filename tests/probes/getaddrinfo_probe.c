// A program that opens a socket for each address getaddrinfo returns, as clients and
// daemons do: the family comes from the result list (data/library_values.json, the
// getaddrinfo result model), so the analysis pins it only through the model.
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  struct addrinfo* res = NULL;
  if (getaddrinfo(argc > 1 ? argv[1] : "127.0.0.1", "80", &hints, &res) != 0) return 2;
  int opened = 0;
  for (struct addrinfo* rp = res; rp != NULL; rp = rp->ai_next) {
    const int fd = socket(rp->ai_family, rp->ai_socktype, rp->ai_protocol);
    if (fd >= 0) {
      ++opened;
      close(fd);
    }
  }
  freeaddrinfo(res);
  printf("sockets opened: %d\n", opened);
  return opened > 0 ? 0 : 3;
}
