/* Stage 0 joins the container's cgroups itself (CGROUP_JOIN), before any
 * namespace change. Moving a process with cgroup.procs takes the kernel's
 * global threadgroup lock for writing, which waits for an RCU grace period
 * (~10 ms). Two ways around it: a single-threaded process writing "0" to a
 * v1 hierarchy's `tasks` moves only itself and skips that lock; on v2 the
 * init is cloned straight into its cgroup (clone3 CLONE_INTO_CGROUP), and
 * into its new cgroup namespace too when the plan says "clone-newcgroup". */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stub.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* struct clone_args up to its cgroup field (CLONE_ARGS_SIZE_VER2), declared
 * here so <linux/sched.h> does not clash with glibc's <sched.h>. */
struct clone3_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

static void write_zero(int dirfd, const char *dir, const char *file)
{
  int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, "0", 1) != 1)
    die_errno("add pid %d to %s", (int)getpid(), dir);
  close(fd);
}

int join_cgroups(const struct plan *p, int *new_cgroupns)
{
  int clone_into = -1;
  *new_cgroupns = 0;
  plan_each(r, p, R_CGROUP_JOIN) {
    const char *how = r->field[0], *dir = r->field[1];
    int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
      die_errno("add pid %d to %s", (int)getpid(), dir);
    if (strcmp(how, "tasks") == 0 || strcmp(how, "procs") == 0) {
      write_zero(dirfd, dir, how[0] == 't' ? "tasks" : "cgroup.procs");
      close(dirfd);
    } else if ((strcmp(how, "clone") == 0 || strcmp(how, "clone-newcgroup") == 0) && clone_into < 0) {
      *new_cgroupns = strcmp(how, "clone-newcgroup") == 0;
      /* a directory fd for clone3; O_PATH is not enough for it */
      close(dirfd);
      clone_into = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (clone_into < 0)
        die_errno("add pid %d to %s", (int)getpid(), dir);
    } else {
      die("plan: bad cgroup join \"%s\"", how);
    }
  }
  return clone_into;
}

/* With a NULL stack the raw syscalls behave like fork(); glibc's clone()
 * would need a separate stack. The child must not use pthread_self()-based
 * calls (raise, abort). */
pid_t clone_init(int cgroup_fd, int new_cgroupns)
{
  if (cgroup_fd >= 0) {
    /* CLONE_PARENT wants exit_signal 0: the init gets ours (SIGCHLD). With
     * CLONE_NEWCGROUP the kernel roots the new namespace at the target cgroup. */
    struct clone3_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_PARENT | CLONE_INTO_CGROUP | (new_cgroupns ? CLONE_NEWCGROUP : 0);
    args.cgroup = (uint64_t)cgroup_fd;
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0 || (errno != ENOSYS && errno != E2BIG))
      return (pid_t)pid;
    /* a kernel without clone3 into a cgroup: move ourselves, the slow way */
    write_zero(cgroup_fd, "the cgroup v2 directory", "cgroup.procs");
    if (new_cgroupns && unshare(CLONE_NEWCGROUP) < 0)
      die_errno("unshare cgroup namespace");
  }
  return (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
}
