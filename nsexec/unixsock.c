/* Connecting to a unix socket given by path (console socket, seccomp agent):
 * close-on-exec, retried on EINTR, errors named after what the socket is for. */
#include "stub.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

int connect_unix(const char *path, const char *what)
{
  return connect_unix_as(path, what, "connect to");
}

/* `verb` starts the error line: runc words the seccomp agent's differently. */
int connect_unix_as(const char *path, const char *what, const char *verb)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen(path) >= sizeof addr.sun_path)
    die("connect to %s %s: path too long", what, path);
  strcpy(addr.sun_path, path);
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    die_errno("%s socket", what);
  int rc;
  do
    rc = connect(sock, (struct sockaddr *)&addr, sizeof addr);
  while (rc < 0 && errno == EINTR);
  if (rc < 0)
    die_errno("%s %s %s", verb, what, path);
  return sock;
}
