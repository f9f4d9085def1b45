/* linux.seccomp.listenerPath: the SECCOMP_LISTENER record. Stage 0 connects
 * to the agent's unix socket while it still sees the host's filesystem (as
 * for CONSOLE); the init, right after loading the filter (which returned the
 * notify fd because of SECCOMP_FILTER_FLAG_NEW_LISTENER), sends the
 * container process state JSON with the fd (SCM_RIGHTS, in the first
 * sendmsg) and closes both: one state per connection (config-linux.md).
 *
 * The JSON comes from the parent in pieces (fields 1..n) to be joined with
 * the process's pid as the runtime sees it (stage 0 tells the init). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "stub.h"

static int listener_sock = -1;

void seccomp_listener_connect(const struct plan *p)
{
  const struct record *r = plan_first(p, R_SECCOMP_LISTENER);
  if (!r)
    return;
  if (r->nfields < 2)
    die("plan: SECCOMP_LISTENER needs a path and a message");
  listener_sock = connect_unix_as(r->field[0], "seccomp agent", "failed to connect with");
}

static char *build_message(const struct record *r, size_t *len)
{
  char pid[24];
  int pidlen = snprintf(pid, sizeof pid, "%d", (int)host_pid);
  size_t total = 0;
  for (int i = 1; i < r->nfields; i++)
    total += strlen(r->field[i]) + (size_t)pidlen;
  char *msg = malloc(total + 1);
  if (!msg)
    die_errno("seccomp agent: allocate message");
  size_t n = 0;
  for (int i = 1; i < r->nfields; i++) {
    size_t l = strlen(r->field[i]);
    memcpy(msg + n, r->field[i], l);
    n += l;
    if (i + 1 < r->nfields) {
      memcpy(msg + n, pid, (size_t)pidlen);
      n += (size_t)pidlen;
    }
  }
  *len = n;
  return msg;
}

void seccomp_listener_send(const struct plan *p, int notify_fd)
{
  const struct record *r = plan_first(p, R_SECCOMP_LISTENER);
  if (!r || listener_sock < 0) {
    /* Without an agent nobody could answer: closing the fd makes notified
     * syscalls fail with ENOSYS instead of hanging. */
    if (notify_fd >= 0)
      close(notify_fd);
    return;
  }
  size_t len;
  char *msg = build_message(r, &len);
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct iovec iov = { .iov_base = msg, .iov_len = len };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &notify_fd, sizeof(int));

  /* The fd goes with the first sendmsg only; the rest of a long state follows. */
  size_t sent = 0;
  while (sent < len) {
    ssize_t n = sendmsg(listener_sock, &mh, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      die_errno("send seccomp fd to agent %s", r->field[0]);
    sent += (size_t)n;
    iov.iov_base = msg + sent;
    iov.iov_len = len - sent;
    mh.msg_control = NULL;
    mh.msg_controllen = 0;
  }
  free(msg);
  close(listener_sock);
  listener_sock = -1;
  close(notify_fd);
}
