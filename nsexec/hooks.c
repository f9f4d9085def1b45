/* OCI hooks on the container side (runtime-spec config.md, "POSIX-platform
 * Hooks"). With a HOOKS record the init, after its mounts and before
 * pivot_root, sends {"type":"hooks"}: the parent runs the prestart and
 * createRuntime hooks and answers 'H' plus two length-prefixed state JSONs
 * (for createContainer and startContainer), or 'E' when a hook failed. The
 * init then runs the createContainer hooks (paths still resolve as on the
 * host, the namespaces are the container's). The startContainer hooks run
 * after `start` opened exec.fifo, after pivot_root; their failure goes back
 * to `start` through the fifo: '1' followed by the message, instead of '0'.
 *
 * A hook gets its state on stdin (a memfd), its stdout and stderr go to
 * memfds (the first line of either ends up in the error message), its argv
 * and env are exactly the HOOK record's, and a timeout kills it. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stub.h"

#define REASON_SIZE 1024

/* The states the parent sent, kept for startContainer (NULL without HOOKS). */
static char *create_state, *start_state;
static size_t create_len, start_len;

static void read_sync(void *buf, size_t n)
{
  unsigned char *b = buf;
  while (n > 0) {
    ssize_t got = read(SYNC_FD, b, n);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      die_errno("hooks: read answer");
    if (got == 0)
      die("hooks: the runtime went away");
    b += got;
    n -= (size_t)got;
  }
}

static char *read_blob(size_t *len)
{
  unsigned char head[4];
  read_sync(head, sizeof head);
  uint32_t n = (uint32_t)head[0] | (uint32_t)head[1] << 8 | (uint32_t)head[2] << 16 | (uint32_t)head[3] << 24;
  if (n > (64u << 20))
    die("hooks: state of %u bytes is too long", n);
  char *buf = malloc(n ? n : 1);
  if (!buf)
    die_errno("hooks: allocate state");
  read_sync(buf, n);
  *len = n;
  return buf;
}

static int memfd_with(const char *name, const char *data, size_t len)
{
  int fd = memfd_create(name, MFD_CLOEXEC);
  if (fd < 0)
    die_errno("hooks: memfd_create");
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      die_errno("hooks: write state");
    data += n;
    len -= (size_t)n;
  }
  if (lseek(fd, 0, SEEK_SET) < 0)
    die_errno("hooks: rewind state");
  return fd;
}

/* The first non-empty line a hook wrote to fd, trimmed; "" if none. */
static void first_line(int fd, char *out, size_t size)
{
  char buf[4096];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  out[0] = '\0';
  if (n <= 0)
    return;
  buf[n] = '\0';
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
    while (*line == ' ' || *line == '\t' || *line == '\r')
      line++;
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
      line[--len] = '\0';
    if (len > 0) {
      snprintf(out, size, "%s", line);
      return;
    }
  }
}

static void lower_strerror(int errnum, char *out, size_t size)
{
  snprintf(out, size, "%s", strerror(errnum));
  if (out[0] >= 'A' && out[0] <= 'Z')
    out[0] = (char)(out[0] - 'A' + 'a');
}

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for the hook; kills it when timeout_s (> 0) passes. Returns 1 on timeout. */
static int wait_hook(pid_t pid, long long timeout_s, int *status)
{
  int timed_out = 0;
  if (timeout_s > 0) {
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0)
      die_errno("hooks: pidfd_open");
    long long deadline = now_ms() + (timeout_s > LLONG_MAX / 2000 ? LLONG_MAX / 2 : timeout_s * 1000);
    for (;;) {
      long long left = deadline - now_ms();
      struct pollfd pf = { .fd = pidfd, .events = POLLIN };
      int rc = left <= 0 ? 0 : poll(&pf, 1, left > INT_MAX ? INT_MAX : (int)left);
      if (rc < 0 && errno == EINTR)
        continue;
      if (rc < 0)
        die_errno("hooks: poll");
      if (rc == 0 && now_ms() < deadline)
        continue; /* poll waited INT_MAX ms of a longer timeout */
      if (rc == 0) {
        kill(pid, SIGKILL);
        timed_out = 1;
      }
      break;
    }
    close(pidfd);
  }
  while (waitpid(pid, status, 0) < 0)
    if (errno != EINTR)
      die_errno("hooks: waitpid");
  return timed_out;
}

/* Runs one HOOK record (kind, path, timeout, argc, argv..., env...).
 * Returns 0, or -1 with why it failed in reason. */
static int run_hook(const struct record *r, const char *state, size_t state_len, char *reason)
{
  if (r->nfields < 5)
    die("plan: HOOK record has %d fields, want at least 5", r->nfields);
  const char *path = r->field[1];
  long long timeout = field_ll(r, 2);
  long long argc = field_ll(r, 3);
  if (argc < 1 || argc > r->nfields - 4)
    die("plan: HOOK record: argc %lld does not fit its %d fields", argc, r->nfields);
  char **argv = calloc((size_t)argc + 1, sizeof *argv);
  if (!argv)
    die_errno("hooks: allocate argv");
  memcpy(argv, r->field + 4, (size_t)argc * sizeof *argv);
  char **envp = r->field + 4 + argc; /* the field list ends with NULL */

  int in = memfd_with("hook-stdin", state, state_len);
  int out = memfd_with("hook-stdout", "", 0);
  int err = memfd_with("hook-stderr", "", 0);
  int ep[2];
  if (pipe2(ep, O_CLOEXEC) < 0)
    die_errno("hooks: pipe");
  /* Raw clone as in nsexec.c: the child only makes plain syscalls until execve. */
  pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid < 0)
    die_errno("hooks: fork");
  if (pid == 0) {
    if (dup2(in, 0) >= 0 && dup2(out, 1) >= 0 && dup2(err, 2) >= 0) {
      /* Nothing of ours but stdio (preserved fds included) reaches the hook. */
      close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
      execve(path, argv, envp);
    }
    int e = errno;
    ssize_t unused = write(ep[1], &e, sizeof e);
    (void)unused;
    _exit(127);
  }
  close(ep[1]);
  int exec_errno = 0;
  ssize_t n;
  do
    n = read(ep[0], &exec_errno, sizeof exec_errno);
  while (n < 0 && errno == EINTR);
  close(ep[0]);
  free(argv);

  int status = 0;
  int timed_out = wait_hook(pid, n == (ssize_t)sizeof exec_errno ? 0 : timeout, &status);
  int rc = -1;
  if (n == (ssize_t)sizeof exec_errno) {
    char text[256];
    lower_strerror(exec_errno, text, sizeof text);
    snprintf(reason, REASON_SIZE, "cannot run: %s", text);
  } else if (timed_out) {
    snprintf(reason, REASON_SIZE, "did not finish within %llds and was killed", timeout);
  } else if (WIFSIGNALED(status)) {
    const char *name = sigabbrev_np(WTERMSIG(status));
    /* With the description, as runc's ("signal: bad system call" for a seccomp kill). */
    char desc[64];
    snprintf(desc, sizeof desc, "%s", strsignal(WTERMSIG(status)));
    desc[0] = (char)tolower((unsigned char)desc[0]);
    if (name)
      snprintf(reason, REASON_SIZE, "killed by signal SIG%s (%s)", name, desc);
    else
      snprintf(reason, REASON_SIZE, "killed by signal %d", WTERMSIG(status));
  } else if (WEXITSTATUS(status) != 0) {
    char line[512];
    first_line(err, line, sizeof line);
    if (!line[0])
      first_line(out, line, sizeof line);
    snprintf(reason, REASON_SIZE, "exited with status %d%s%s", WEXITSTATUS(status), line[0] ? ": " : "", line);
  } else {
    rc = 0;
  }
  close(in);
  close(out);
  close(err);
  return rc;
}

/* Runs the HOOK records of one kind in order; stops at the first failure,
 * leaving "<kind>: error running hook #<i> (<path>): <reason>" in msg (runc's
 * words first, as engines and runc's tests look for them). */
static int run_kind(const struct plan *p, const char *kind, const char *state, size_t len, char *msg, size_t size)
{
  int index = 0;
  plan_each(r, p, R_HOOK) {
    if (r->nfields < 1 || strcmp(r->field[0], kind) != 0)
      continue;
    char reason[REASON_SIZE];
    if (run_hook(r, state, len, reason) < 0) {
      snprintf(msg, size, "%s: error running hook #%d (%s): %s", kind, index, r->field[1], reason);
      return -1;
    }
    index++;
  }
  return 0;
}

void hooks_before_pivot(const struct plan *p)
{
  if (!plan_first(p, R_HOOKS))
    return;
  msg_hooks();
  char answer;
  read_sync(&answer, 1);
  if (answer != 'H')
    die("hooks: a runtime hook failed"); /* the parent already knows why */
  create_state = read_blob(&create_len);
  start_state = read_blob(&start_len);
  char msg[2048];
  if (run_kind(p, "createContainer", create_state, create_len, msg, sizeof msg) < 0)
    die("%s", msg);
}

int has_start_hooks(const struct plan *p)
{
  plan_each(r, p, R_HOOK)
    if (r->nfields >= 1 && strcmp(r->field[0], "startContainer") == 0)
      return 1;
  return 0;
}

void hooks_at_start(const struct plan *p, int fifofd)
{
  if (!start_state)
    return;
  char msg[2048];
  if (run_kind(p, "startContainer", start_state, start_len, msg + 1, sizeof msg - 1) == 0)
    return;
  msg[0] = '1';
  size_t len = strlen(msg);
  for (size_t off = 0; off < len;) {
    ssize_t n = write(fifofd, msg + off, len - off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    off += (size_t)n;
  }
  _exit(1);
}
