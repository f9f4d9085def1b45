/* --pidfd-socket (runc >= 1.2): stage 0 connects to the unix socket on the
 * host; the container's process, once it is set up as a process of the
 * container (in its pid namespace, before the rootfs is finished, as runc),
 * opens a pidfd of itself and sends it over the socket (SCM_RIGHTS; payload
 * "standard" for create/run, "setns" for exec, as runc). */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stub.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static int pidfd_sock = -1;

void pidfd_connect(const struct plan *p)
{
  const struct record *r = plan_first(p, R_PIDFD_SOCKET);
  if (r)
    pidfd_sock = connect_unix(r->field[0], "pidfd socket");
}

void pidfd_send(const struct plan *p)
{
  const struct record *r = plan_first(p, R_PIDFD_SOCKET);
  if (!r)
    return;
  if (pidfd_sock < 0)
    die("plan: PIDFD_SOCKET without a connected socket");
  int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
  if (fd < 0)
    die_errno("pidfd_open (--pidfd-socket needs Linux 5.3 or later)");
  send_fd(pidfd_sock, r->field[1], fd, "send pidfd to pidfd socket");
  close(fd);
  close(pidfd_sock);
  pidfd_sock = -1;
}
