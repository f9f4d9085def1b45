/*
 * tsrunc-nsexec: the C stub that becomes a container's init.
 *
 * Node cannot create namespaces for itself (unshare(CLONE_NEWUSER) and setns
 * into a mount namespace need a single-threaded process), so tsrunc spawns
 * this small program and tells it, through a *plan*, exactly what to do. The
 * stub makes no decisions of its own: every flag, path and mask was computed
 * in TypeScript (src/plan/compile.ts). Format: docs/plan-format.md.
 *
 * Protocol
 *   fd 0, 1, 2  the container's stdio, passed through untouched.
 *   fd 3..N-1   preserved fds for the container (argv[1] = N), else none.
 *   fd 3 or N   the sync socket (one end of a unix socketpair the parent
 *               made, its last inherited fd). Parent -> stub: the plan,
 *               then the single ack byte 'M' after writing id maps.
 *               Stub -> parent: JSON lines
 *                 {"type":"idmap","pid":N}   write /proc/N/{uid,gid}_map, ack 'M'
 *                 {"type":"pid","pid":N}     the init's pid on the host
 *                 {"type":"hooks"}           before pivot_root (HOOKS): parent runs
 *                                            runtime hooks, answers 'H'+states or 'E'
 *                 {"type":"ready"}           init set up, about to wait on exec.fifo
 *                 {"type":"error","msg":"…"} failure; the process exits 1
 *               It is close-on-exec: the container process never sees it.
 *   `tsrunc-nsexec console-proxy SOCKET` is another program: console_proxy.c.
 *
 * Processes
 *   stage 0 (this process): close fds above the sync socket, re-execute
 *     from a sealed memfd copy of itself (cloned_binary.c), read the plan,
 *     join the cgroups (CGROUP_JOIN), connect the console socket, open
 *     STATE_DIR and the NS_JOIN paths, setns in record order, USERNS_NEW,
 *     NS_UNSHARE, TIMENS_OFFSET, then clone the init with CLONE_PARENT (so
 *     it is the parent's child, and pid 1 of a new pid namespace), send
 *     "pid" and exit 0.
 *   init (init.c): waits until stage 0 has sent "pid" and exited, sets up the
 *     rootfs and the process, sends "ready", blocks opening exec.fifo until
 *     `tsrunc start` opens it for reading, loads seccomp and execve()s.
 *
 * Files: plan.c (reader), msg.c (messages, errors), namespaces.c (stage 0
 * namespaces), mounts.c (rootfs), process.c (limits, credentials, seccomp,
 * executable lookup), terminal.c (console), cloned_binary.c (memfd copy),
 * cwd.c (cwd check), cgroup_join.c (CGROUP_JOIN, the init's clone),
 * hooks.c (createContainer/startContainer hooks),
 * extras.c (scheduler, io priority, personality, LSM labels),
 * seccomp_notify.c (notify fd to the agent), idmap.c (id-mapped mounts),
 * netdev.c (`netdev` program: moving host interfaces), init.c (init order).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stub.h"

int sync_fd = 3;

int main(int argc, char **argv)
{
  if (argc > 1 && strcmp(argv[1], "console-proxy") == 0)
    return console_proxy_main(argc, argv);
  if (argc > 1 && strcmp(argv[1], "netdev") == 0)
    return netdev_main(argc, argv);
  /* argv[1]: the sync socket's fd when fds 3.. are preserved for the container. */
  if (argc > 1) {
    char *end;
    long fd = strtol(argv[1], &end, 10);
    if (*end || fd < 3 || fd > 65535) {
      fprintf(stderr, "tsrunc-nsexec: bad sync fd \"%s\"\n", argv[1]);
      return 1;
    }
    sync_fd = (int)fd;
  }
  if (fcntl(SYNC_FD, F_GETFD) < 0) {
    fprintf(stderr, "tsrunc-nsexec: fd %d is not the sync socket\n", SYNC_FD);
    return 1;
  }
  if (close_range((unsigned)SYNC_FD + 1, ~0U, 0) < 0)
    die_errno("close_range");
  /* Keeps fds 0..SYNC_FD across the re-exec; SYNC_FD is close-on-exec only after it. */
  ensure_cloned_binary(argv);
  if (fcntl(SYNC_FD, F_SETFD, FD_CLOEXEC) < 0)
    die_errno("mark sync socket close-on-exec");
  /* Stage 0 dies with its parent; the init (a fresh clone) does not inherit this. */
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    die_errno("set parent death signal");
  if (getppid() != parent)
    return 1;

  debug_enabled = getenv("_TSRUNC_DEBUG") != NULL;
  struct plan plan;
  plan_read(SYNC_FD, &plan);
  msg_debug("nsexec container setup: stage 0 (pid %d) read a plan of %zu records", (int)getpid(), plan.n);
  /* First, with the host's namespaces and credentials (cgroup_join.c). */
  int new_cgroupns;
  int cgroup_fd = join_cgroups(&plan, &new_cgroupns);
  if (plan_first(&plan, R_CGROUP_JOIN))
    msg_debug("nsexec: stage 0 joined the container's cgroups");
  console_connect(&plan);
  pidfd_connect(&plan);
  seccomp_listener_connect(&plan);
  /* With the host's mount namespace and privileges, before any setns. */
  idmap_prepare(&plan);

  int statefd = -1;
  const struct record *state = plan_first(&plan, R_STATE_DIR);
  if (state) {
    statefd = open(state->field[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (statefd < 0)
      die_errno("open state dir %s", state->field[0]);
  }

  join_namespaces(&plan);
  if (plan_first(&plan, R_USERNS_NEW))
    new_user_namespace();
  unshare_namespaces(&plan);
  write_time_offsets(&plan);

  /* The init reads EOF from this pipe once stage 0 has exited, so "pid"
   * always reaches the parent before anything the init sends. */
  int done[2];
  if (pipe2(done, O_CLOEXEC) < 0)
    die_errno("pipe");
  pid_t pid = clone_init(cgroup_fd, new_cgroupns);
  if (pid < 0)
    die_errno("clone init");
  if (pid == 0) {
    close(done[1]);
    if (cgroup_fd >= 0)
      close(cgroup_fd);
    run_init(&plan, statefd, done[0]);
  }
  msg_debug("nsexec: stage 0 cloned the init, host pid %d", (int)pid);
  msg_pid("pid", pid);
  /* The init learns its pid as the runtime sees it (for the seccomp agent). */
  if (write(done[1], &pid, sizeof pid) != (ssize_t)sizeof pid)
    die_errno("tell the init its pid");
  return 0;
}
