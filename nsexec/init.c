/* The init (stage 2): everything between the clone and execve, in the order
 * of docs/plan-format.md. Runs as pid 1 of a new pid namespace (or a member
 * of a joined one), as a child of the process that spawned stage 0. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "stub.h"

/* Blocks until `start` opens exec.fifo for reading, then tells it we go.
 * startContainer hooks run under the container's seccomp filter (as runc):
 * a filter still pending (*seccomp_pending) is loaded before them. */
static void wait_for_start(const struct plan *p, int statefd, int *seccomp_pending)
{
  const struct record *fifo = plan_first(p, R_EXEC_FIFO);
  if (!fifo)
    return;
  if (statefd < 0)
    die("plan: EXEC_FIFO without STATE_DIR");
  int fd;
  do
    fd = openat(statefd, fifo->field[0], O_WRONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    die_errno("open exec fifo %s", fifo->field[0]);
  if (*seccomp_pending && has_start_hooks(p)) {
    load_seccomp(p);
    *seccomp_pending = 0;
  }
  hooks_at_start(p, fd);
  if (write(fd, "0", 1) != 1)
    die_errno("write exec fifo %s", fifo->field[0]);
  /* Left open (it is close-on-exec): its EOF tells `start` that execve
   * happened; until then a failure (seccomp, execve) is written to it. */
  msg_errors_to(fd);
}

static void set_names(const struct plan *p)
{
  plan_each(r, p, R_HOSTNAME)
    if (sethostname(r->field[0], strlen(r->field[0])) < 0)
      die_errno("sethostname %s", r->field[0]);
  plan_each(r, p, R_DOMAINNAME)
    if (setdomainname(r->field[0], strlen(r->field[0])) < 0)
      die_errno("setdomainname %s", r->field[0]);
}

pid_t host_pid;

void run_init(const struct plan *p, int statefd, int stage0_done)
{
  /* Stage 0 writes our pid as the runtime sees it, then exits (EOF). */
  pid_t pid = 0;
  size_t got = 0;
  for (;;) {
    ssize_t n = read(stage0_done, (char *)&pid + got, got < sizeof pid ? sizeof pid - got : 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  close(stage0_done);
  host_pid = got >= sizeof pid ? pid : getpid();

  int new_root = plan_first(p, R_ROOTFS) != NULL;
  msg_debug("child process in init(): host pid %d, %s", (int)host_pid,
            new_root ? "setting up the container" : "joining a running container");
  if (plan_first(p, R_SETSID) && setsid() < 0)
    die_errno("setsid");
  setup_rootfs(p);
  if (new_root)
    msg_debug("init: rootfs mounted and pivoted");
  /* After pivot (the pty must come from the container's devpts), before the
   * root turns read-only (/dev/console may need creating). */
  console_setup(p);
  pidfd_send(p);
  write_sysctls(p);
  remount_mounts_readonly(p);
  if (plan_first(p, R_ROOT_READONLY))
    remount_root_readonly();
  mask_and_readonly_paths(p);
  set_names(p);
  set_rlimits(p);
  set_oom_score_adj(p);
  set_process_extras(p);

  /* As runc: try cwd before the user change (the runtime may reach it when
   * the user cannot); retry after it on EACCES. */
  const struct record *cwd = plan_first(p, R_CWD);
  int cwd_pending = 0;
  if (cwd && chdir(cwd->field[0]) < 0) {
    if (errno != EACCES && errno != EPERM)
      die_errno("chdir to cwd %s", cwd->field[0]);
    cwd_pending = 1;
  }
  /* Checked right after the chdir that sticks, so before a seccomp filter
   * that may deny getcwd itself (runtime-tools' linux_seccomp does). */
  if (!cwd_pending)
    verify_cwd();
  /* Without no_new_privs, loading seccomp needs CAP_SYS_ADMIN, so it happens
   * before the capabilities are dropped (as runc does); otherwise it is
   * loaded as late as possible, right before execve. */
  int no_new_privs = plan_first(p, R_NO_NEW_PRIVS) != NULL;
  if (!no_new_privs)
    load_seccomp(p);
  set_credentials(p);
  msg_debug("init: user, groups and capabilities set");
  if (cwd_pending) {
    if (chdir(cwd->field[0]) < 0)
      die_errno("chdir to cwd %s", cwd->field[0]);
    verify_cwd();
  }
  if (no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    die_errno("set no_new_privs");

  const char *exe = resolve_executable(p);
  const struct record *args = plan_first(p, R_ARGS);
  const struct record *env = plan_first(p, R_ENV);
  static char *no_env[] = { NULL };
  char **envp = env_with_home(env ? env->field : no_env);

  /* A notify fd must reach its agent during create (as runc), while the
   * sync socket still reports errors: then the late load comes before ready. */
  int seccomp_pending = no_new_privs;
  if (seccomp_pending && plan_first(p, R_SECCOMP_LISTENER)) {
    load_seccomp(p);
    seccomp_pending = 0;
  }
  if (new_root)
    msg_debug("init: closing the pipe to signal completion; waiting for start on exec.fifo");
  else
    msg_debug("setns_init: about to exec %s", exe);
  msg_ready();
  wait_for_start(p, statefd, &seccomp_pending);
  if (seccomp_pending)
    load_seccomp(p);
  execve(exe, args->field, envp);
  die_errno("exec %s", exe);
}
