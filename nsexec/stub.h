/* Shared declarations of the stub: plan records, messages, and the steps
 * each file carries out. Protocol and order: nsexec.c and docs/plan-format.md. */
#ifndef TSRUNC_STUB_H
#define TSRUNC_STUB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The sync socket: fd 3, or the fd named by argv[1] when fds 3.. are the
 * container's preserved fds (--preserve-fds, LISTEN_FDS). */
extern int sync_fd;
#define SYNC_FD sync_fd
#define PLAN_VERSION 1

enum record_type {
  R_END = 0,
  R_NS_JOIN = 1,
  R_USERNS_NEW = 2,
  R_NS_UNSHARE = 3,
  R_TIMENS_OFFSET = 4,
  R_ROOTFS = 5,
  R_STATE_DIR = 6,
  R_PROPAGATION = 7,
  R_MOUNT = 8,
  R_DEVICE = 9,
  R_SYMLINK = 10,
  R_PIVOT = 11,
  R_ROOT_READONLY = 12,
  R_HOSTNAME = 13,
  R_DOMAINNAME = 14,
  R_SYSCTL = 15,
  R_MASK = 16,
  R_READONLY = 17,
  R_RLIMIT = 18,
  R_OOM_SCORE_ADJ = 19,
  R_NO_NEW_PRIVS = 20,
  R_CAPS = 21,
  R_USER = 22,
  R_GROUPS = 23,
  R_CWD = 24,
  R_ENV = 25,
  R_ARGS = 26,
  R_SECCOMP = 27,
  R_EXEC_FIFO = 28,
  R_SETSID = 29,
  R_CONSOLE = 30,
  R_HOOKS = 31,
  R_HOOK = 32,
  R_SECCOMP_FLAGS = 33,
  R_PERSONALITY = 34,
  R_SCHEDULER = 35,
  R_IOPRIO = 36,
  R_LSM_LABEL = 37,
  R_SECCOMP_LISTENER = 38,
  R_MOUNT_IDMAP = 39,
  R_CGROUP_JOIN = 40,
  R_MOUNT_READONLY = 41,
  R_MEMPOLICY = 42,
  R_PIDFD_SOCKET = 43,
  R_MAX = 43, /* the largest type above */
};

/* One record. For field records, field[0..nfields-1] point into data and
 * field[nfields] is NULL (so ARGS/ENV can go to execve as they are). */
struct record {
  uint16_t type;
  uint32_t len;
  unsigned char *data;
  int nfields;
  char **field;
};

struct plan {
  struct record *rec;
  size_t n;
};

/* plan.c */
void plan_read(int fd, struct plan *p);
const struct record *plan_first(const struct plan *p, int type);
const struct record *plan_next(const struct plan *p, const struct record *r, int type);
#define plan_each(r, p, type) \
  for (const struct record *r = plan_first(p, type); r; r = plan_next(p, r, type))
long long field_ll(const struct record *r, int i);
unsigned long long field_ull(const struct record *r, int i);

/* msg.c */
void msg_pid(const char *type, pid_t pid);
void msg_ready(void);
void msg_hooks(void);
void msg_errors_to(int fd);
/* With --debug (env _TSRUNC_DEBUG=1 from the parent): {"type":"debug","msg":...}
 * lines tracing each stage; nothing otherwise. */
extern int debug_enabled;
void msg_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void die_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cgroup_join.c (stage 0) */
int join_cgroups(const struct plan *p, int *new_cgroupns);
pid_t clone_init(int cgroup_fd, int new_cgroupns);

/* namespaces.c (stage 0) */
void join_namespaces(const struct plan *p);
void new_user_namespace(void);
void unshare_namespaces(const struct plan *p);
void write_time_offsets(const struct plan *p);

/* mounts.c (init) */
void setup_rootfs(const struct plan *p);
void write_sysctls(const struct plan *p);
void remount_mounts_readonly(const struct plan *p);
void remount_root_readonly(void);
void mask_and_readonly_paths(const struct plan *p);

/* process.c (init) */
void set_rlimits(const struct plan *p);
void set_oom_score_adj(const struct plan *p);
void set_credentials(const struct plan *p);
void load_seccomp(const struct plan *p);
const char *resolve_executable(const struct plan *p);

/* hooks.c (init) */
void hooks_before_pivot(const struct plan *p);
void hooks_at_start(const struct plan *p, int fifofd);
int has_start_hooks(const struct plan *p);

/* terminal.c (CONSOLE: stage 0 connects, the init sets the pty up) */
void console_connect(const struct plan *p);
void console_setup(const struct plan *p);

/* console_proxy.c (`tsrunc-nsexec console-proxy SOCKET`) */
int console_proxy_main(int argc, char **argv);

/* cloned_binary.c (stage 0, before anything else) */
void ensure_cloned_binary(char **argv);

/* cwd.c (init, after the last chdir) */
void verify_cwd(void);

/* extras.c (init, before the user change) */
void set_process_extras(const struct plan *p);

/* seccomp_notify.c (SECCOMP_LISTENER: stage 0 connects, the init sends) */
void seccomp_listener_connect(const struct plan *p);
void seccomp_listener_send(const struct plan *p, int notify_fd);

/* idmap.c (MOUNT_IDMAP: stage 0 prepares the trees, mounts.c attaches them) */
void idmap_prepare(const struct plan *p);
int idmap_tree(const struct record *mount);

/* netdev.c (`tsrunc-nsexec netdev NETNS HOSTNAME NAME...`) */
int netdev_main(int argc, char **argv);

/* The process's pid as the runtime sees it: stage 0 tells the init (init.c). */
extern pid_t host_pid;

/* init.c */
_Noreturn void run_init(const struct plan *p, int statefd, int stage0_done);

/* home.c */
char **env_with_home(char **env);

/* unixsock.c */
int connect_unix(const char *path, const char *what);
/* One sendmsg: payload name, fd as SCM_RIGHTS; dies with `what` on failure. */
void send_fd(int sock, const char *name, int fd, const char *what);
/* pidfd.c */
void pidfd_connect(const struct plan *p);
void pidfd_send(const struct plan *p);
int connect_unix_as(const char *path, const char *what, const char *verb);

#endif
