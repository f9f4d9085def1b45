/* `tsrunc-nsexec console-proxy PATH`: the terminal of a foreground `tsrunc
 * run` with process.terminal and no --console-socket. Node cannot receive a
 * file descriptor, so this small process does what runc does in-process: it
 * listens on PATH (the container's console socket), receives the pty master,
 * and copies between its own stdio and the master until the master hangs up.
 *
 * It is started by tsrunc, not by the stub, so it stays outside the
 * container's cgroup and namespaces. Protocol on fd 3: one line "ready\n"
 * once PATH is listening; then fd 3 is closed. With a terminal on stdin the
 * host terminal is put in raw mode (restored on exit) and its size is copied
 * to the pty at start and on SIGWINCH. SIGTERM, SIGHUP and the death of
 * tsrunc (parent death signal) end the proxy; SIGINT is left to the
 * container (tsrunc forwards it). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "stub.h"

#define READY_FD 3

static struct termios saved;
static int raw_mode;

static _Noreturn void fail(const char *what)
{
  fprintf(stderr, "tsrunc: console: %s: %s\n", what, strerror(errno));
  if (raw_mode)
    tcsetattr(0, TCSANOW, &saved);
  _exit(1);
}

static int listen_at(const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen(path) >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    fail(path);
  }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 1) < 0)
    fail("listen on console socket");
  return fd;
}

/* One connection, one message carrying exactly one fd (runc's recvtty rules). */
static int receive_master(int listener)
{
  int conn;
  do
    conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
  while (conn < 0 && errno == EINTR);
  if (conn < 0)
    fail("accept console connection");
  char name[4096];
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = name, .iov_len = sizeof name };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
  ssize_t n;
  do
    n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    fail("receive console");
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int))) {
    errno = EBADMSG;
    fail("receive console");
  }
  int master;
  memcpy(&master, CMSG_DATA(c), sizeof master);
  close(conn);
  return master;
}

/* Host terminal size onto the pty; a terminal that reports 0x0 (e.g. under
 * script(1) without a terminal) leaves process.consoleSize in place. */
static void copy_size(int master)
{
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
    ioctl(master, TIOCSWINSZ, &ws);
}

static int write_all(int fd, const char *buf, size_t len)
{
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Copies until the master hangs up (every slave closed: the container ended). */
static void proxy(int master, int sigfd)
{
  char out[16384], in[4096];
  size_t pending = 0, sent = 0; /* stdin bytes not yet written to the master */
  int stdin_open = 1;
  if (fcntl(master, F_SETFL, O_NONBLOCK) < 0)
    fail("console: set non-blocking");
  for (;;) {
    struct pollfd fds[3] = {
      { .fd = master, .events = POLLIN | (pending ? POLLOUT : 0) },
      { .fd = sigfd, .events = POLLIN },
      { .fd = stdin_open && !pending ? 0 : -1, .events = POLLIN },
    };
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR)
        continue;
      fail("poll");
    }
    if (fds[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGWINCH)
          copy_size(master);
        else
          return;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(master, out, sizeof out);
      if (n > 0) {
        if (write_all(1, out, (size_t)n) < 0 && errno == EPIPE)
          return;
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        return; /* EIO: the last slave was closed */
      }
    }
    if (pending && (fds[0].revents & POLLOUT)) {
      ssize_t n = write(master, in + sent, pending);
      if (n > 0) {
        sent += (size_t)n;
        pending -= (size_t)n;
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        pending = 0;
      }
    }
    if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(0, in, sizeof in);
      if (n > 0) {
        pending = (size_t)n;
        sent = 0;
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        stdin_open = 0;
      }
    }
  }
}

int console_proxy_main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: %s console-proxy SOCKET\n", argv[0]);
    return 2;
  }
  const char *path = argv[2];
  signal(SIGINT, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0)
    fail("set parent death signal");
  if (getppid() != parent)
    return 1;

  int listener = listen_at(path);
  if (write_all(READY_FD, "ready\n", 6) < 0)
    fail("report ready");
  close(READY_FD);
  int master = receive_master(listener);
  close(listener);
  unlink(path);
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  rmdir(dirname(dir));

  /* Until now SIGTERM simply ends us; from here on it must restore the terminal. */
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGWINCH);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGHUP);
  if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0)
    fail("block signals");
  int sigfd = signalfd(-1, &sigs, SFD_CLOEXEC);
  if (sigfd < 0)
    fail("signalfd");

  if (isatty(0) && tcgetattr(0, &saved) == 0) {
    struct termios raw = saved;
    cfmakeraw(&raw);
    if (tcsetattr(0, TCSANOW, &raw) == 0)
      raw_mode = 1;
    copy_size(master);
  }
  proxy(master, sigfd);
  if (raw_mode)
    tcsetattr(0, TCSANOW, &saved);
  return 0;
}
