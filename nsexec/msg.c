/* Messages to the parent: JSON lines on the sync socket (fd 3), and the
 * error path every failure takes (send {"type":"error"}, then _exit(1)). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stub.h"

/* send() with MSG_NOSIGNAL: a parent that went away must not kill us with
 * SIGPIPE. Falls back to write() if fd 3 is a pipe rather than a socket. */
/* All of buf to fd: send() without SIGPIPE on the sync socket, plain write() on
 * what is not a socket (exec.fifo, a pipe). */
static void write_all(int fd, const char *buf, size_t len)
{
  while (len > 0) {
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    if (n < 0 && errno == ENOTSOCK)
      n = write(fd, buf, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    buf += n;
    len -= (size_t)n;
  }
}

static void send_line(const char *buf, size_t len)
{
  write_all(SYNC_FD, buf, len);
}

void msg_pid(const char *type, pid_t pid)
{
  char buf[64];
  int n = snprintf(buf, sizeof buf, "{\"type\":\"%s\",\"pid\":%d}\n", type, (int)pid);
  send_line(buf, (size_t)n);
}

void msg_ready(void)
{
  static const char ready[] = "{\"type\":\"ready\"}\n";
  send_line(ready, sizeof ready - 1);
}

void msg_hooks(void)
{
  static const char hooks[] = "{\"type\":\"hooks\"}\n";
  send_line(hooks, sizeof hooks - 1);
}

/* After start released the init, nobody reads the sync socket any more:
 * errors then go to exec.fifo, after the "0", where `start` waits for EOF. */
static int late_error_fd = -1;

void msg_errors_to(int fd)
{
  late_error_fd = fd;
}


/* One JSON line {"type":TYPE,"msg":text}, text escaped. */
static void send_text(const char *type, const char *text)
{
  char buf[8192];
  size_t n = 0;
  const size_t room = sizeof buf - 10; /* one escape plus the closing "}\n */

  n += (size_t)snprintf(buf, sizeof buf, "{\"type\":\"%s\",\"msg\":\"", type);
  for (const unsigned char *c = (const unsigned char *)text; *c && n < room; c++) {
    if (*c == '"' || *c == '\\') {
      buf[n++] = '\\';
      buf[n++] = (char)*c;
    } else if (*c < 0x20) {
      n += (size_t)snprintf(buf + n, sizeof buf - n, "\\u%04x", *c);
    } else {
      buf[n++] = (char)*c;
    }
  }
  memcpy(buf + n, "\"}\n", 3);
  send_line(buf, n + 3);
}

/* Sends {"type":"error","msg":text}, then exits. */
static _Noreturn void send_error(const char *text)
{
  if (late_error_fd >= 0)
    write_all(late_error_fd, text, strlen(text));
  else
    send_text("error", text);
  _exit(1);
}

int debug_enabled;

void msg_debug(const char *fmt, ...)
{
  /* after start nobody reads the socket: the trace ends there */
  if (!debug_enabled || late_error_fd >= 0)
    return;
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  send_text("debug", text);
}

static _Noreturn void vdie(int errnum, const char *fmt, va_list ap)
{
  char text[4096];
  int n = vsnprintf(text, sizeof text, fmt, ap);
  if (n < 0)
    n = 0;
  if (errnum && (size_t)n < sizeof text) {
    /* "Operation not permitted" -> "operation not permitted", like Go's texts. */
    char reason[256];
    snprintf(reason, sizeof reason, "%s", strerror(errnum));
    reason[0] = (char)tolower((unsigned char)reason[0]);
    snprintf(text + n, sizeof text - (size_t)n, ": %s", reason);
  }
  send_error(text);
}

void die(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vdie(0, fmt, ap);
}

void die_errno(const char *fmt, ...)
{
  int errnum = errno;
  va_list ap;
  va_start(ap, fmt);
  vdie(errnum, fmt, ap);
}
