/* Connecting to a unix socket given by path (console socket, seccomp agent,
 * pidfd socket) and sending an fd over one:
 * close-on-exec, retried on EINTR, errors named after what the socket is for. */
#include "stub.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

void send_fd(int sock, const char *name, int fd, const char *what)
{
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen(name) };
  struct msghdr msg = {
    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf,
  };
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t n;
  do
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    die_errno("%s", what);
}

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
