/* process.terminal: the CONSOLE record. Stage 0 connects to the console
 * socket while it still sees the host's filesystem; the init, after pivot,
 * allocates a pty inside the container (so it belongs to the container's
 * devpts), sends the master over that socket as runc does (SCM_RIGHTS, the
 * payload is the master's path) and makes the slave its terminal and stdio. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "stub.h"

#define PTMX_PATH "/dev/pts/ptmx"

/* Connected in stage 0, inherited by the init through the fork. */
static int console_sock = -1;

void console_connect(const struct plan *p)
{
  const struct record *r = plan_first(p, R_CONSOLE);
  if (!r)
    return;
  console_sock = connect_unix(r->field[0], "console socket");
}

/* The ptmx of the container's own devpts: a devpts mount, inode 2, 5:2. */
static int open_ptmx(void)
{
  int fd = open(PTMX_PATH, O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    die_errno("open %s", PTMX_PATH);
  struct stat st;
  struct statfs sfs;
  if (fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0)
    die_errno("stat %s", PTMX_PATH);
  if (sfs.f_type != DEVPTS_SUPER_MAGIC || st.st_ino != 2 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(5, 2))
    die("open %s: not the ptmx of a devpts mount", PTMX_PATH);
  return fd;
}

/* Bind the slave onto /dev/console, so programs writing there reach the pty. */
static void mount_console(int slave)
{
  int fd = open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    int created = open("/dev/console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (created < 0)
      die_errno("create /dev/console");
    close(created);
    fd = open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  }
  if (fd < 0)
    die_errno("open /dev/console");
  char src[32], dst[32];
  snprintf(src, sizeof src, "/proc/self/fd/%d", slave);
  snprintf(dst, sizeof dst, "/proc/self/fd/%d", fd);
  if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
    die_errno("bind console onto /dev/console");
  close(fd);
}

static void send_master(int master, const char *name)
{
  send_fd(console_sock, name, master, "send console to console socket");
}

void console_setup(const struct plan *p)
{
  const struct record *r = plan_first(p, R_CONSOLE);
  if (!r)
    return;
  if (console_sock < 0)
    die("plan: CONSOLE without a connected console socket");
  unsigned long long rows = field_ull(r, 1), cols = field_ull(r, 2);

  int master = open_ptmx();
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
    die_errno("unlock pty");
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    die_errno("open pty peer");
  if (rows && cols) {
    struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
    if (ioctl(master, TIOCSWINSZ, &ws) < 0)
      die_errno("set console size");
  }
  if (plan_first(p, R_ROOTFS))
    mount_console(slave);
  send_master(master, PTMX_PATH);
  close(master);
  close(console_sock);
  console_sock = -1;

  /* The init is a session leader (SETSID), so the slave becomes its terminal. */
  if (ioctl(slave, TIOCSCTTY, 0) < 0)
    die_errno("ioctl(setctty)");
  for (int fd = 0; fd <= 2; fd++)
    if (dup2(slave, fd) < 0)
      die_errno("dup console to fd %d", fd);
  close(slave);

  /* As runc: the user must own its console; the gid stays devpts's. A gid or
   * owner that is not mapped, or a read-only /dev, leaves it as it is. */
  const struct record *user = plan_first(p, R_USER);
  if (user && fchown(0, (uid_t)field_ull(user, 0), (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM &&
      errno != EROFS)
    die_errno("chown console");
}
