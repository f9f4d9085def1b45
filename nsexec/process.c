/* Process setup in the init: resource limits, oom_score_adj, user, groups
 * and capabilities, the seccomp filter, and the execvp-like lookup of argv[0]. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "stub.h"

void set_rlimits(const struct plan *p)
{
  plan_each(r, p, R_RLIMIT) {
    int resource = (int)field_ll(r, 0);
    struct rlimit lim = { .rlim_cur = field_ull(r, 1), .rlim_max = field_ull(r, 2) };
    if (prlimit(0, resource, &lim, NULL) < 0)
      die_errno("set rlimit %d", resource);
  }
}

void set_oom_score_adj(const struct plan *p)
{
  plan_each(r, p, R_OOM_SCORE_ADJ) {
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    size_t len = strlen(r->field[0]);
    if (fd < 0 || write(fd, r->field[0], len) != (ssize_t)len)
      die_errno("write oom_score_adj %s", r->field[0]);
    close(fd);
  }
}

/* Drops from the bounding set every capability the kernel knows that is not
 * in keep (needs CAP_SETPCAP, so before the user changes). */
static void drop_bounding(uint64_t keep)
{
  for (int cap = 0; cap < 64; cap++) {
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
      break; /* past the last capability of this kernel */
    if (!(keep & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
      die_errno("drop capability %d from bounding set", cap);
  }
}

static void set_caps(uint64_t effective, uint64_t permitted, uint64_t inheritable, uint64_t ambient)
{
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[2] = {
    { .effective = (uint32_t)effective, .permitted = (uint32_t)permitted, .inheritable = (uint32_t)inheritable },
    { .effective = (uint32_t)(effective >> 32), .permitted = (uint32_t)(permitted >> 32),
      .inheritable = (uint32_t)(inheritable >> 32) },
  };
  if (syscall(SYS_capset, &hdr, data) < 0)
    die_errno("capset");
  for (int cap = 0; cap < 64; cap++)
    if ((ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      die_errno("raise ambient capability %d", cap);
}

/* Bounding set, then groups and ids with capabilities kept across the uid
 * change (PR_SET_KEEPCAPS), then the final capability sets. */
/* The container's stdio (pipes, fifos, files from the engine) was opened
 * outside as root: hand it to the user we become, as runc's
 * fixStdioPermissions does, so `cat /dev/stdin` (a reopen through /proc)
 * works for that user. Only the owner changes; /dev/null and what the user
 * already owns are left alone, and a refusal (EINVAL: unmapped id, EPERM:
 * unmapped owner, EROFS) leaves the fd as it is. */
static void fix_stdio_owner(uid_t uid)
{
  struct stat null;
  if (stat("/dev/null", &null) < 0)
    null.st_rdev = makedev(1, 3); /* an image without one: the device it would be */
  for (int fd = 0; fd <= 2; fd++) {
    struct stat st;
    if (fstat(fd, &st) < 0) {
      if (errno == EBADF)
        continue;
      die_errno("fstat stdio fd %d", fd);
    }
    if (st.st_uid == uid || st.st_rdev == null.st_rdev)
      continue;
    if (fchown(fd, uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
      die_errno("chown stdio fd %d to uid %u", fd, (unsigned)uid);
  }
}

void set_credentials(const struct plan *p)
{
  const struct record *caps = plan_first(p, R_CAPS);
  const struct record *user = plan_first(p, R_USER);
  const struct record *groups = plan_first(p, R_GROUPS);

  if (caps)
    drop_bounding(field_ull(caps, 0));
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    die_errno("set keepcaps");
  if (groups) {
    gid_t *gids = calloc((size_t)groups->nfields + 1, sizeof *gids);
    if (!gids)
      die_errno("allocate groups");
    for (int i = 0; i < groups->nfields; i++)
      gids[i] = (gid_t)field_ull(groups, i);
    /* An empty list may be refused where setgroups is denied (rootless). */
    if (setgroups((size_t)groups->nfields, gids) < 0 && !(errno == EPERM && groups->nfields == 0))
      die_errno("setgroups");
    free(gids);
  }
  if (user) {
    gid_t gid = (gid_t)field_ull(user, 1);
    uid_t uid = (uid_t)field_ull(user, 0);
    fix_stdio_owner(uid);
    if (setresgid(gid, gid, gid) < 0)
      die_errno("setgid %u", (unsigned)gid);
    if (setresuid(uid, uid, uid) < 0)
      die_errno("setuid %u", (unsigned)uid);
    long long mask = field_ll(user, 2);
    if (mask != -1)
      umask((mode_t)mask);
  }
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    die_errno("clear keepcaps");
  if (caps)
    set_caps(field_ull(caps, 1), field_ull(caps, 2), field_ull(caps, 3), field_ull(caps, 4));
}

void load_seccomp(const struct plan *p)
{
  const struct record *r = plan_first(p, R_SECCOMP);
  if (!r)
    return;
  struct sock_fprog prog = { .len = (unsigned short)(r->len / 8), .filter = (struct sock_filter *)r->data };
  if (r->len / 8 > USHRT_MAX)
    die("load seccomp filter: %u instructions is too many", r->len / 8);
  /* seccomp(2) rather than prctl: only it takes SECCOMP_FILTER_FLAG_* (e.g. SPEC_ALLOW, LOG). */
  const struct record *fr = plan_first(p, R_SECCOMP_FLAGS);
  unsigned long flags = fr ? (unsigned long)field_ull(fr, 0) : 0;
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (fd < 0)
    die_errno("load seccomp filter");
  /* With SECCOMP_FILTER_FLAG_NEW_LISTENER the result is the notify fd. */
  if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
    seccomp_listener_send(p, (int)fd);
}

/* Go's exec.LookPath rule: an existing non-directory with any x bit. */
static int is_executable(const char *path)
{
  struct stat st;
  if (stat(path, &st) < 0)
    return -1;
  if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111)) {
    errno = EACCES;
    return -1;
  }
  return 0;
}

/* argv[0] resolved like execvp against PATH from ENV; messages as runc's. */
const char *resolve_executable(const struct plan *p)
{
  static char found[PATH_MAX];
  const struct record *args = plan_first(p, R_ARGS);
  if (!args || args->nfields == 0)
    die("args must not be empty");
  const char *name = args->field[0];

  if (strchr(name, '/')) {
    struct stat st;
    if (stat(name, &st) < 0)
      die_errno("exec: \"%s\": stat %s", name, name);
    if (is_executable(name) < 0)
      die_errno("exec: \"%s\"", name);
    return name;
  }
  const char *path = NULL;
  plan_each(r, p, R_ENV)
    for (int i = 0; i < r->nfields; i++)
      if (strncmp(r->field[i], "PATH=", 5) == 0)
        path = r->field[i] + 5;
  if (path && *name) {
    for (;;) {
      const char *colon = strchr(path, ':');
      size_t dirlen = colon ? (size_t)(colon - path) : strlen(path);
      int n = dirlen ? snprintf(found, sizeof found, "%.*s/%s", (int)dirlen, path, name)
                     : snprintf(found, sizeof found, "./%s", name);
      if (n > 0 && (size_t)n < sizeof found && is_executable(found) == 0)
        return found;
      if (!colon)
        break;
      path = colon + 1;
    }
  }
  die("exec: \"%s\": executable file not found in $PATH", name);
}
