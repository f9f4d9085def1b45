/* The container's filesystem, set up by the init: propagation, mounts,
 * devices and symlinks inside the rootfs, pivot_root (or MS_MOVE + chroot),
 * then sysctls, read-only root, masked and read-only paths.
 *
 * Destinations are resolved with openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS)
 * relative to the rootfs, so a symlink in the image cannot point a mount
 * outside it; mounts then go onto /proc/self/fd/N of the resolved O_PATH fd.
 * A destination is re-resolved after each mount step so that remounts and
 * propagation changes act on the new mount, not the one underneath. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "stub.h"

/* Per-mount flags the kernel locks in a user namespace (and bind remounts reset). */
#define LOCKED_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME)

static int rootfd = -1; /* O_PATH fd of the rootfs until pivot */

struct fdpath { char s[32]; };

static struct fdpath fd_path(int fd)
{
  struct fdpath p;
  snprintf(p.s, sizeof p.s, "/proc/self/fd/%d", fd);
  return p;
}

static int openat2_path(int dirfd, const char *path, int flags, unsigned long long resolve)
{
  struct open_how how = { .flags = (unsigned long long)(flags | O_CLOEXEC), .resolve = resolve };
  return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

static int open_in_root(const char *path, int flags)
{
  return openat2_path(rootfd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

/* Makes name in dir: an empty file or a directory. When a dangling symlink
 * is in the way, writes the path with that link expanded into next (the
 * caller resolves it again, still inside the root) and returns 1. */
static int make_entry(int dir, const char *parent, const char *name, const char *rest, int as_file,
                      char *next, size_t size)
{
  int rc;
  if (*rest == '\0' && as_file) {
    rc = openat(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0755);
    if (rc >= 0)
      close(rc);
  } else {
    rc = mkdirat(dir, name, 0755);
  }
  if (rc == 0 || errno != EEXIST)
    return rc;
  char link[PATH_MAX];
  ssize_t n = readlinkat(dir, name, link, sizeof link - 1);
  if (n < 0)
    return 0; /* something else appeared meanwhile: let the caller open it */
  link[n] = '\0';
  int len = link[0] == '/' ? snprintf(next, size, "%s/%s", link, rest)
                           : snprintf(next, size, "%s/%s/%s", parent, link, rest);
  if (len < 0 || (size_t)len >= size) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return 1;
}

/* Opens path (O_PATH) inside the rootfs, creating what is missing on the way:
 * directories, and an empty file as the last component when as_file. Like
 * runc's securejoin, a dangling symlink is followed (inside the root) and
 * its target created. */
static int create_in_root(const char *path, int as_file)
{
  char buf[PATH_MAX], next[PATH_MAX];
  int fd = open_in_root(path, O_PATH);
  if (fd >= 0 || errno != ENOENT)
    return fd;
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  int links = 0;
  char *c = buf;
  for (;;) {
    while (*c == '/')
      c++;
    if (*c == '\0') {
      errno = ENOENT;
      return -1;
    }
    char *name = c;
    while (*c && *c != '/')
      c++;
    const char *rest = c;
    while (*rest == '/')
      rest++;
    char saved = *c;
    *c = '\0';

    fd = open_in_root(buf, O_PATH);
    if (fd < 0 && errno == ENOENT) {
      char first = *name;
      *name = '\0';
      const char *parent = name == buf ? "." : buf;
      int dir = open_in_root(parent, O_PATH | O_DIRECTORY);
      if (dir < 0)
        return -1;
      *name = first;
      char parent_copy[PATH_MAX];
      snprintf(parent_copy, sizeof parent_copy, "%.*s", (int)(name - buf), buf);
      int rc = make_entry(dir, parent_copy, name, rest, as_file, next, sizeof next);
      int err = errno;
      close(dir);
      if (rc < 0) {
        errno = err;
        return -1;
      }
      if (rc == 1) {
        if (++links > 40) {
          errno = ELOOP;
          return -1;
        }
        memcpy(buf, next, sizeof buf);
        c = buf;
        continue;
      }
      fd = open_in_root(buf, O_PATH);
    }
    *c = saved;
    if (fd < 0 || *rest == '\0')
      return fd;
    close(fd);
  }
}

/* Creates the parent directory of path inside the rootfs; returns its O_PATH
 * fd and points *name at the last component (inside buf). */
static int parent_in_root(const char *path, char *buf, size_t size, const char **name)
{
  if (snprintf(buf, size, "%s", path) >= (int)size) {
    errno = ENAMETOOLONG;
    return -1;
  }
  size_t len = strlen(buf);
  while (len > 1 && buf[len - 1] == '/')
    buf[--len] = '\0';
  char *slash = strrchr(buf, '/');
  if (!slash) {
    *name = buf;
    return open_in_root(".", O_PATH | O_DIRECTORY);
  }
  *name = slash + 1;
  if (slash == buf)
    return open_in_root("/", O_PATH | O_DIRECTORY);
  *slash = '\0'; /* buf is now the parent path; *name still points past it */
  return create_in_root(buf, 0);
}

/* MS_REMOUNT|MS_BIND with flags. Bind remounts replace all per-mount flags
 * and a user namespace refuses to clear locked ones, so the current locked
 * flags are added: always when keep, else as a retry after EPERM. */
static int remount(const char *target, unsigned long flags, int keep)
{
  flags |= MS_REMOUNT | MS_BIND;
  if (!keep && mount(NULL, target, NULL, flags, NULL) == 0)
    return 0;
  if (!keep && errno != EPERM)
    return -1;
  struct statvfs s;
  if (statvfs(target, &s) < 0)
    return -1;
  return mount(NULL, target, NULL, flags | (s.f_flag & LOCKED_FLAGS), NULL);
}

static int reopen_in_root(int fd, const char *path)
{
  close(fd);
  return open_in_root(path, O_PATH);
}

/* procfs and sysfs go only on a real directory (or one we create): a symlink
 * or file in the image at /proc or /sys is refused rather than followed, as
 * runc does, so an image cannot steer where the kernel's views appear. */
static void require_plain_dir(const char *fstype, const char *dst)
{
  char buf[PATH_MAX];
  const char *name;
  int dir = parent_in_root(dst, buf, sizeof buf, &name);
  if (dir < 0)
    die_errno("mount %s to %s: create mount point", fstype, dst);
  struct stat st;
  int rc = fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW);
  int err = errno;
  close(dir);
  if (rc < 0 && err != ENOENT) {
    errno = err;
    die_errno("mount %s to %s: stat", fstype, dst);
  }
  if (rc == 0 && !S_ISDIR(st.st_mode))
    die("filesystem \"%s\" must be mounted on ordinary directory", fstype);
}

static void do_mount(const struct record *r)
{
  const char *src = r->field[0], *dst = r->field[1], *fstype = r->field[2], *data = r->field[5];
  unsigned long flags = (unsigned long)field_ull(r, 3);
  unsigned long propagation = (unsigned long)field_ull(r, 4);
  struct mount_attr attr = { .attr_set = field_ull(r, 6), .attr_clr = field_ull(r, 7) };
  int as_file = 0;

  /* A tree stage 0 prepared (id-mapped, or any bind source in a user namespace: idmap.c). */
  int tree = (flags & MS_BIND) ? idmap_tree(r) : -1;
  if (flags & MS_BIND) {
    struct stat st;
    if ((tree >= 0 ? fstat(tree, &st) : stat(src, &st)) < 0)
      die_errno("mount %s to %s: stat %s", src, dst, src);
    as_file = !S_ISDIR(st.st_mode);
  }
  if (!(flags & MS_BIND) && (strcmp(fstype, "proc") == 0 || strcmp(fstype, "sysfs") == 0))
    require_plain_dir(fstype, dst);
  int fd = create_in_root(dst, as_file);
  if (fd < 0)
    die_errno("mount %s to %s: create mount point", src, dst);

  if (flags & MS_BIND) {
    if (tree >= 0) {
      if (move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        die_errno("mount %s to %s: move prepared mount", src, dst);
      close(tree);
    } else if (mount(src, fd_path(fd).s, NULL, MS_BIND | (flags & MS_REC), NULL) < 0) {
      die_errno("mount %s to %s", src, dst);
    }
    unsigned long rest = flags & ~(unsigned long)(MS_BIND | MS_REC);
    if (rest) {
      if ((fd = reopen_in_root(fd, dst)) < 0 || remount(fd_path(fd).s, rest, 0) < 0)
        die_errno("remount %s", dst);
    }
  } else {
    if (mount(src, fd_path(fd).s, fstype, flags, data[0] ? data : NULL) < 0)
      die_errno("mount %s to %s", src, dst);
  }
  if (propagation) {
    if ((fd = reopen_in_root(fd, dst)) < 0 || mount(NULL, fd_path(fd).s, NULL, propagation, NULL) < 0)
      die_errno("set propagation of %s", dst);
  }
  if (attr.attr_set || attr.attr_clr) {
    if ((fd = reopen_in_root(fd, dst)) < 0 ||
        mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
      die_errno("set mount attributes of %s", dst);
  }
  close(fd);
}

static mode_t device_type(const struct record *r)
{
  switch (r->field[1][0]) {
  case 'c': case 'u': return S_IFCHR;
  case 'b': return S_IFBLK;
  case 'p': return S_IFIFO;
  }
  die("plan: device %s: unknown type \"%s\"", r->field[0], r->field[1]);
}

static void do_device(const struct record *r)
{
  const char *path = r->field[0];
  mode_t type = device_type(r);

  if (strcmp(r->field[7], "bind") == 0) {
    int fd = create_in_root(path, 1);
    if (fd < 0)
      die_errno("create device %s", path);
    if (mount(path, fd_path(fd).s, NULL, MS_BIND, NULL) < 0)
      die_errno("bind device %s", path);
    close(fd);
    return;
  }
  char buf[PATH_MAX];
  const char *name;
  int dir = parent_in_root(path, buf, sizeof buf, &name);
  if (dir < 0)
    die_errno("create device %s", path);
  dev_t dev = makedev((unsigned)field_ull(r, 2), (unsigned)field_ull(r, 3));
  mode_t mode = type | ((mode_t)field_ull(r, 4) & 07777);
  mode_t old = umask(0);
  int rc = mknodat(dir, name, mode, dev);
  umask(old);
  if (rc < 0 && errno != EEXIST)
    die_errno("mknod %s", path);
  if (rc == 0 && fchownat(dir, name, (uid_t)field_ll(r, 5), (gid_t)field_ll(r, 6), AT_SYMLINK_NOFOLLOW) < 0)
    die_errno("chown %s", path);
  close(dir);
}

static void do_symlink(const struct record *r)
{
  char buf[PATH_MAX];
  const char *name;
  int dir = parent_in_root(r->field[1], buf, sizeof buf, &name);
  if (dir < 0 || (symlinkat(r->field[0], dir, name) < 0 && errno != EEXIST))
    die_errno("symlink %s to %s", r->field[0], r->field[1]);
  close(dir);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_mountinfo(char *s)
{
  char *out = s;
  for (char *in = s; *in; in++) {
    if (in[0] == '\\' && in[1] >= '0' && in[1] <= '7' && in[2] >= '0' && in[2] <= '7' && in[3] >= '0' && in[3] <= '7') {
      *out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
      in += 3;
    } else {
      *out++ = *in;
    }
  }
  *out = '\0';
}

/* --no-pivot leaves the host's mounts in our mount namespace, outside the
 * chroot. The kernel lets a user namespace mount a new procfs or sysfs when
 * a fully visible one exists in the mount namespace, so a host /proc there
 * would let the container get an unmasked procfs (`unshare -mr` then
 * `mount -t proc`). Every whole (root "/") proc and sysfs mount outside the
 * rootfs is detached, or covered with a tmpfs where that is refused, as runc
 * does before its MS_MOVE. */
static void hide_host_pseudo_fs(const char *rootfs)
{
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f)
    die_errno("no-pivot: open /proc/self/mountinfo");
  size_t cap = 0, n = 0;
  char **points = NULL;
  char *line = NULL;
  size_t len = 0;
  /* mountinfo shows resolved paths */
  char real[PATH_MAX];
  if (!realpath(rootfs, real))
    die_errno("no-pivot: resolve %s", rootfs);
  rootfs = real;
  size_t rlen = strlen(rootfs);
  while (getline(&line, &len, f) > 0) {
    char *sep = strstr(line, " - ");
    if (!sep)
      continue;
    char fstype[32] = "";
    if (sscanf(sep + 3, "%31s", fstype) != 1 || (strcmp(fstype, "proc") != 0 && strcmp(fstype, "sysfs") != 0))
      continue;
    char root[PATH_MAX], point[PATH_MAX];
    if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2 || strcmp(root, "/") != 0)
      continue;
    unescape_mountinfo(point);
    if (strncmp(point, rootfs, rlen) == 0 && (point[rlen] == '/' || point[rlen] == '\0'))
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 8;
      points = realloc(points, cap * sizeof *points);
      if (!points)
        die_errno("no-pivot: allocate");
    }
    if (!(points[n++] = strdup(point)))
      die_errno("no-pivot: allocate");
  }
  free(line);
  fclose(f);
  for (size_t i = 0; i < n; i++) {
    /* Read all first: /proc itself may be among them. */
    if (mount(NULL, points[i], NULL, MS_SLAVE | MS_REC, NULL) < 0) {
      if (errno == ENOENT || errno == EINVAL)
        continue; /* under one already detached */
      die_errno("no-pivot: make %s a slave", points[i]);
    }
    if (umount2(points[i], MNT_DETACH) < 0) {
      if (errno != EINVAL && errno != EPERM)
        die_errno("no-pivot: unmount %s", points[i]);
      if (mount("tmpfs", points[i], "tmpfs", 0, NULL) < 0)
        die_errno("no-pivot: cover %s", points[i]);
    }
    free(points[i]);
  }
  free(points);
}

static void pivot(const char *how, const char *rootfs)
{
  if (fchdir(rootfd) < 0)
    die_errno("chdir to %s", rootfs);
  if (strcmp(how, "pivot_root") == 0) {
    /* pivot_root(".", ".") stacks the old root on top of the new one; the
     * old root is then made rslave (so the unmount does not propagate to
     * the host) and detached. "." must name the old root for that: our cwd
     * is still the new root, and a recursive MS_SLAVE there would turn the
     * container's own shared mounts into slaves. */
    int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (oldroot < 0)
      die_errno("open old root");
    if (syscall(SYS_pivot_root, ".", ".") < 0)
      die_errno("pivot_root %s", rootfs);
    if (fchdir(oldroot) < 0)
      die_errno("chdir to old root");
    close(oldroot);
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
      die_errno("make old root rslave");
    if (umount2(".", MNT_DETACH) < 0)
      die_errno("unmount old root");
  } else if (strcmp(how, "chroot") == 0) {
    hide_host_pseudo_fs(rootfs);
    if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
      die_errno("move %s to /", rootfs);
    if (chroot(".") < 0)
      die_errno("chroot %s", rootfs);
  } else if (strcmp(how, "chroot_only") == 0) {
    /* No mount namespace of our own: moving or pivoting would act on the host's root. */
    if (chroot(".") < 0)
      die_errno("chroot %s", rootfs);
  } else {
    die("plan: unknown pivot \"%s\"", how);
  }
  if (chdir("/") < 0)
    die_errno("chdir /");
  close(rootfd);
  rootfd = -1;
}

/* The mount holding the rootfs must not be shared: pivot_root refuses that,
 * and the bind of the rootfs onto itself would propagate to the host. Walks
 * up from the rootfs to the first mount point (EINVAL = not a mount point). */
static void unshare_parent_mount(const char *rootfs, unsigned long flags)
{
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s", rootfs) >= (int)sizeof path)
    die("rootfs %s: path too long", rootfs);
  for (;;) {
    if (mount(NULL, path, NULL, flags, NULL) == 0)
      return;
    if (errno != EINVAL || strcmp(path, "/") == 0)
      die_errno("set propagation of %s", path);
    char *slash = strrchr(path, '/');
    if (slash == path || !slash)
      strcpy(path, "/");
    else
      *slash = '\0';
  }
}

void setup_rootfs(const struct plan *p)
{
  const struct record *root = plan_first(p, R_ROOTFS);
  if (!root)
    return;
  const char *rootfs = root->field[0];

  const struct record *how = plan_first(p, R_PIVOT);
  const char *pivot_how = how ? how->field[0] : "pivot_root";
  /* chroot_only: the host's mount namespace, whose propagation and rootfs
   * mount are not ours to change; only the config's mounts go in. */
  int host_ns = strcmp(pivot_how, "chroot_only") == 0;
  const struct record *prop_rec = plan_first(p, R_PROPAGATION);
  unsigned long propagation = prop_rec ? (unsigned long)field_ull(prop_rec, 0) : 0;
  if (host_ns && propagation)
    die("plan: PROPAGATION with chroot_only");
  if (propagation && mount(NULL, "/", NULL, propagation, NULL) < 0)
    die_errno("set propagation of /");
  if (!host_ns) {
    unshare_parent_mount(rootfs, (propagation & MS_SLAVE) ? MS_SLAVE : MS_PRIVATE);
    if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
      die_errno("bind %s onto itself", rootfs);
  }
  rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    die_errno("open rootfs %s", rootfs);

  plan_each(r, p, R_MOUNT)
    do_mount(r);
  plan_each(r, p, R_DEVICE)
    do_device(r);
  plan_each(r, p, R_SYMLINK)
    do_symlink(r);
  /* The working directory is created before pivot, while / may still be written. */
  plan_each(r, p, R_CWD) {
    int fd = create_in_root(r->field[0], 0);
    if (fd < 0)
      die_errno("create cwd %s", r->field[0]);
    close(fd);
  }
  /* createContainer hooks start in the rootfs, as runc's do. */
  if (fchdir(rootfd) < 0)
    die_errno("chdir to %s", rootfs);
  hooks_before_pivot(p);
  pivot(pivot_how, rootfs);
  /* A shared (or unbindable) root is applied only now, to the new / alone:
   * applied before, the rootfs mount would have been shared with the host. */
  if (propagation && !(propagation & (MS_PRIVATE | MS_SLAVE)) && mount(NULL, "/", NULL, propagation, NULL) < 0)
    die_errno("set propagation of the new /");
}

/* Anything under /proc must be on a real procfs before we write or mount
 * there (a fake /proc could redirect those operations). */
static void require_procfs(const char *what)
{
  static int checked;
  struct statfs s;
  if (checked)
    return;
  if (statfs("/proc", &s) < 0)
    die_errno("%s: statfs /proc", what);
  if (s.f_type != PROC_SUPER_MAGIC)
    die("%s: /proc is not a procfs mount", what);
  checked = 1;
}

void write_sysctls(const struct plan *p)
{
  plan_each(r, p, R_SYSCTL) {
    char path[PATH_MAX];
    require_procfs("sysctl");
    if (snprintf(path, sizeof path, "/proc/sys/%s", r->field[0]) >= (int)sizeof path)
      die("sysctl %s: name too long", r->field[0]);
    for (char *c = path + strlen("/proc/sys/"); *c; c++)
      if (*c == '.')
        *c = '/';
    int fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
    size_t len = strlen(r->field[1]);
    if (fd < 0 || write(fd, r->field[1], len) != (ssize_t)len)
      die_errno("write sysctl %s", r->field[0]);
    close(fd);
  }
}

static int open_container_path(const char *path);

/* MOUNT_READONLY: a tmpfs or /dev mounted writable so the init could fill
 * it, now made read-only with the rest of its flags kept (as runc). */
void remount_mounts_readonly(const struct plan *p)
{
  plan_each(r, p, R_MOUNT_READONLY) {
    int fd = open_container_path(r->field[0]);
    if (fd < 0 || remount(fd_path(fd).s, (unsigned long)field_ull(r, 1) | MS_RDONLY, 0) < 0)
      die_errno("remount %s read-only", r->field[0]);
    close(fd);
  }
}

void remount_root_readonly(void)
{
  if (remount("/", MS_RDONLY, 0) < 0)
    die_errno("remount / read-only");
}

/* Opens a path of the container (after pivot, so symlinks stay inside it)
 * without following magic links;
 * returns -1 with errno ENOENT when it does not exist. */
static int open_container_path(const char *path)
{
  return openat2_path(AT_FDCWD, path, O_PATH, RESOLVE_NO_MAGICLINKS);
}

static int open_dev_null(void)
{
  struct stat st;
  int fd = open("/dev/null", O_PATH | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) < 0)
    die_errno("mask paths: open /dev/null");
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
    die("mask paths: /dev/null is not the null device");
  return fd;
}

void mask_and_readonly_paths(const struct plan *p)
{
  int null = -1;

  plan_each(r, p, R_MASK) {
    const char *path = r->field[0];
    struct stat st;
    int fd = open_container_path(path);
    if (fd < 0 && errno == ENOENT)
      continue;
    if (fd < 0 || fstat(fd, &st) < 0)
      die_errno("mask %s", path);
    require_procfs("mask paths");
    if (S_ISDIR(st.st_mode)) {
      if (mount("tmpfs", fd_path(fd).s, "tmpfs", MS_RDONLY, NULL) < 0)
        die_errno("mask %s", path);
    } else {
      if (null < 0)
        null = open_dev_null();
      if (mount(fd_path(null).s, fd_path(fd).s, NULL, MS_BIND, NULL) < 0)
        die_errno("mask %s", path);
    }
    close(fd);
  }
  if (null >= 0)
    close(null);

  plan_each(r, p, R_READONLY) {
    const char *path = r->field[0];
    int fd = open_container_path(path);
    if (fd < 0 && errno == ENOENT)
      continue;
    if (fd < 0)
      die_errno("make %s read-only", path);
    require_procfs("readonly paths");
    if (mount(fd_path(fd).s, fd_path(fd).s, NULL, MS_BIND | MS_REC, NULL) < 0)
      die_errno("make %s read-only", path);
    close(fd);
    fd = open_container_path(path);
    if (fd < 0 || remount(fd_path(fd).s, MS_RDONLY, 1) < 0)
      die_errno("make %s read-only", path);
    close(fd);
  }
}
