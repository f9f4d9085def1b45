/* CVE-2024-21626: a cwd such as /proc/self/fd/N names whatever host
 * directory fd N of the init is (the state dir is open O_PATH until start),
 * so after the last chdir the init checks that its cwd is reachable from its
 * root. The kernel's getcwd prefixes an unreachable cwd with "(unreachable)"
 * and fails with ENOENT for a deleted one. Texts as runc's. */
#include <errno.h>
#include <limits.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stub.h"

void verify_cwd(void)
{
  char buf[PATH_MAX];
  if (syscall(SYS_getcwd, buf, sizeof buf) < 0) {
    if (errno == ENOENT)
      die("current working directory is outside of container mount namespace root -- possible container breakout detected");
    die_errno("getcwd");
  }
  if (buf[0] != '/')
    die("current working directory is not absolute -- possible malicious host working directory");
}
