// A program that connects with OpenSSL's connect BIO, as TLS clients do: libcrypto
// creates the socket from an entry of its own address lookup, a family, type and
// protocol it keeps in heap memory (data/library_values.json, the libcrypto model), so
// the analysis pins socket's arguments there only through the model.
#include <netinet/in.h>
#include <openssl/bio.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
  // A listener on a free loopback port for the BIO to connect to.
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t length = sizeof address;
  if (listener < 0 || bind(listener, (struct sockaddr*)&address, sizeof address) != 0 || listen(listener, 1) != 0 ||
      getsockname(listener, (struct sockaddr*)&address, &length) != 0) {
    return 2;
  }
  char target[32];
  snprintf(target, sizeof target, "127.0.0.1:%u", ntohs(address.sin_port));
  BIO* connection = BIO_new_connect(target);
  if (connection == NULL || BIO_do_connect(connection) <= 0) return 3;
  const int accepted = accept(listener, NULL, NULL);
  if (accepted < 0) return 4;
  printf("connected through a BIO\n");
  close(accepted);
  BIO_free_all(connection);
  close(listener);
  return 0;
}
