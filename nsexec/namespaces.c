/* Stage 0 namespace work: join existing namespaces, create a user namespace
 * (the parent writes its id maps), unshare the others, set time offsets. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stub.h"

static int ns_flag(const char *name)
{
  static const struct { const char *name; int flag; } kinds[] = {
    { "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC },   { "uts", CLONE_NEWUTS },
    { "net", CLONE_NEWNET },   { "pid", CLONE_NEWPID },   { "mnt", CLONE_NEWNS },
    { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
  };
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strcmp(kinds[i].name, name) == 0)
      return kinds[i].flag;
  die("plan: unknown namespace type \"%s\"", name);
}

/* Opens every NS_JOIN path first (joining mnt would change what the later
 * paths resolve to), then setns() in record order. */
void join_namespaces(const struct plan *p)
{
  size_t n = 0;
  plan_each(r, p, R_NS_JOIN)
    n++;
  if (n == 0)
    return;

  int *fds = calloc(n, sizeof *fds);
  if (!fds)
    die_errno("allocate namespace fds");
  size_t i = 0;
  plan_each(r, p, R_NS_JOIN) {
    ns_flag(r->field[0]);
    fds[i] = open(r->field[1], O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0)
      die_errno("open %s namespace %s", r->field[0], r->field[1]);
    i++;
  }
  i = 0;
  plan_each(r, p, R_NS_JOIN) {
    if (setns(fds[i], ns_flag(r->field[0])) < 0)
      die_errno("setns %s namespace %s", r->field[0], r->field[1]);
    msg_debug("nsexec: setns into %s namespace %s", r->field[0], r->field[1]);
    close(fds[i]);
    i++;
  }
  free(fds);
}

/* unshare(CLONE_NEWUSER), let the parent write uid_map/gid_map, become root
 * in the new namespace. */
void new_user_namespace(void)
{
  if (unshare(CLONE_NEWUSER) < 0)
    die_errno("unshare user namespace");
  msg_debug("nsexec: unshared the user namespace, asking for id maps");
  /* Keeps /proc/self owned by us so the parent may write the maps. */
  if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
    die_errno("set dumpable");
  msg_pid("idmap", getpid());

  char ack;
  ssize_t n;
  do
    n = read(SYNC_FD, &ack, 1);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    die_errno("read idmap ack");
  if (n == 0 || ack != 'M')
    die("read idmap ack: parent did not confirm the id maps");

  if (setresgid(0, 0, 0) < 0)
    die_errno("setresgid 0 in new user namespace");
  if (setresuid(0, 0, 0) < 0)
    die_errno("setresuid 0 in new user namespace");
}

/* A new network namespace starts with lo down; runc brings it up (the
 * kernel then gives it 127.0.0.1/8 and ::1), and engines that hand over a
 * namespace without a network hook count on that. */
static void loopback_up(void)
{
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    die_errno("set up loopback: socket");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
    die_errno("set up loopback: get flags of lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
    die_errno("set up loopback: bring lo up");
  close(sock);
}

void unshare_namespaces(const struct plan *p)
{
  plan_each(r, p, R_NS_UNSHARE) {
    int flags = (int)field_ll(r, 0);
    if (flags & CLONE_NEWUSER)
      die("plan: NS_UNSHARE must not contain CLONE_NEWUSER");
    if (unshare(flags) < 0)
      die_errno("unshare namespaces (flags 0x%x)", flags);
    msg_debug("nsexec: unshared namespaces (flags 0x%x)", flags);
    if (flags & CLONE_NEWNET)
      loopback_up();
  }
}

/* Must happen after unshare(CLONE_NEWTIME) and before the first child. */
void write_time_offsets(const struct plan *p)
{
  plan_each(r, p, R_TIMENS_OFFSET) {
    char line[128];
    int n = snprintf(line, sizeof line, "%s %s %s\n", r->field[0], r->field[1], r->field[2]);
    int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
      die_errno("open /proc/self/timens_offsets");
    if (n <= 0 || (size_t)n >= sizeof line || write(fd, line, (size_t)n) != n)
      die_errno("write time offset %s %s %s", r->field[0], r->field[1], r->field[2]);
    close(fd);
  }
}
