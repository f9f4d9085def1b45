/* Id-mapped bind mounts: a MOUNT record followed by a MOUNT_IDMAP record.
 * Stage 0, still in the host's namespaces and with the host's privileges,
 * prepares each one: a short-lived child in a new user namespace gets the
 * mapping written to its uid_map/gid_map, its /proc/<pid>/ns/user is opened,
 * the source is cloned as a detached tree (open_tree OPEN_TREE_CLONE,
 * recursive for rbind) and mount_setattr(MOUNT_ATTR_IDMAP) attaches the
 * mapping (to the whole tree for ridmap). The init inherits the tree fds and
 * move_mount()s each one onto its destination in config order (mounts.c).
 *
 * With a user namespace, every other bind source is cloned the same way
 * (without a mapping): the init, root only inside that namespace, may not
 * be able to reach a source only the host's root can (a 0700 directory),
 * as runc opens them before entering it. A caller that is not root cannot
 * clone trees of the host's mount namespace (that needs CAP_SYS_ADMIN over
 * it): then the init binds those sources by path, which reaches what the
 * caller itself can reach, since the caller owns the user namespace. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stub.h"

struct idmap_tree {
  const struct record *mount;
  int fd;
};

static struct idmap_tree *trees;
static size_t ntrees;

static void add_tree(const struct record *m, int fd)
{
  trees = realloc(trees, (ntrees + 1) * sizeof *trees);
  if (!trees)
    die_errno("bind mount: allocate");
  trees[ntrees].mount = m;
  trees[ntrees].fd = fd;
  ntrees++;
}

static int clone_tree(const struct record *m)
{
  unsigned long flags = (unsigned long)field_ull(m, 3);
  unsigned tree_flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((flags & MS_REC) ? AT_RECURSIVE : 0);
  return open_tree(AT_FDCWD, m->field[0], tree_flags);
}

static int enters_userns(const struct plan *p)
{
  if (plan_first(p, R_USERNS_NEW))
    return 1;
  plan_each(r, p, R_NS_JOIN)
    if (strcmp(r->field[0], "user") == 0)
      return 1;
  return 0;
}

static void write_file(pid_t pid, const char *name, const char *text, const char *dst)
{
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  size_t len = strlen(text);
  if (fd < 0 || write(fd, text, len) != (ssize_t)len)
    die_errno("id-mapped mount %s: write %s", dst, name);
  close(fd);
}

/* A user namespace with the given maps, as an fd; its only process is gone on return. */
static int make_userns(const char *uid_map, const char *gid_map, const char *dst)
{
  pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid < 0)
    die_errno("id-mapped mount %s: clone a user namespace", dst);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    for (;;)
      pause();
  }
  write_file(pid, "uid_map", uid_map, dst);
  write_file(pid, "gid_map", gid_map, dst);
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  int err = errno;
  kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
  if (fd < 0) {
    errno = err;
    die_errno("id-mapped mount %s: open %s", dst, path);
  }
  return fd;
}

void idmap_prepare(const struct plan *p)
{
  plan_each(r, p, R_MOUNT_IDMAP) {
    const struct record *m = r - 1;
    if (r == p->rec || m->type != R_MOUNT)
      die("plan: MOUNT_IDMAP does not follow a MOUNT record");
    const char *src = m->field[0], *dst = m->field[1];
    int recursive = strcmp(r->field[0], "1") == 0;

    int userns = make_userns(r->field[1], r->field[2], dst);
    int tree = clone_tree(m);
    if (tree < 0)
      die_errno("id-mapped mount %s to %s: open_tree %s", src, dst, src);
    struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns };
    if (mount_setattr(tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
      die_errno("id-mapped mount %s to %s: mount_setattr MOUNT_ATTR_IDMAP", src, dst);
    close(userns);
    add_tree(m, tree);
  }
  if (!enters_userns(p) || geteuid() != 0)
    return;
  plan_each(m, p, R_MOUNT) {
    if (!((unsigned long)field_ull(m, 3) & MS_BIND) || idmap_tree(m) >= 0)
      continue;
    int tree = clone_tree(m);
    if (tree < 0)
      die_errno("mount %s to %s: open %s", m->field[0], m->field[1], m->field[0]);
    add_tree(m, tree);
  }
}

int idmap_tree(const struct record *mount)
{
  for (size_t i = 0; i < ntrees; i++)
    if (trees[i].mount == mount)
      return trees[i].fd;
  return -1;
}
