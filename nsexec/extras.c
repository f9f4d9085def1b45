/* Process attributes the init sets before the user change (they may need
 * CAP_SYS_NICE / CAP_SYS_ADMIN): SCHEDULER (sched_setattr), IOPRIO
 * (ioprio_set on the process group, as runc), PERSONALITY, MEMPOLICY
 * (set_mempolicy: mode|flags, then node numbers) and LSM_LABEL (the AppArmor
 * profile or SELinux context the next execve switches to). */
#include <errno.h>
#include <fcntl.h>
#include <linux/ioprio.h>
#include <linux/magic.h>
#include <linux/sched/types.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stub.h"

static void set_scheduler(const struct record *r)
{
  struct sched_attr attr = {
    .size = sizeof attr,
    .sched_policy = (uint32_t)field_ull(r, 0),
    .sched_flags = field_ull(r, 1),
    .sched_nice = (int32_t)field_ll(r, 2),
    .sched_priority = (uint32_t)field_ll(r, 3),
    .sched_runtime = field_ull(r, 4),
    .sched_deadline = field_ull(r, 5),
    .sched_period = field_ull(r, 6),
  };
  if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
    die_errno("set scheduler (policy %u)", attr.sched_policy);
}

static void set_io_priority(const struct record *r)
{
  long long value = field_ll(r, 0);
  if (syscall(SYS_ioprio_set, IOPRIO_WHO_PGRP, 0, (int)value) < 0)
    die_errno("set io priority %lld", value);
}

static void set_personality(const struct record *r)
{
  unsigned long persona = (unsigned long)field_ull(r, 0);
  if (personality(persona) < 0)
    die_errno("set personality 0x%lx", persona);
}

/* The kernel's largest MAX_NUMNODES; the plan compiler refuses nodes above it. */
#define MEMPOLICY_MAX_NODES 1024
#define BITS_PER_WORD (8 * sizeof(unsigned long))

static void set_memory_policy(const struct record *r)
{
  unsigned long mask[MEMPOLICY_MAX_NODES / BITS_PER_WORD] = { 0 };
  unsigned long mode = (unsigned long)field_ull(r, 0);
  for (int i = 1; i < r->nfields; i++) {
    unsigned long long node = field_ull(r, i);
    if (node >= MEMPOLICY_MAX_NODES)
      die("plan: memory policy node %llu out of range", node);
    mask[node / BITS_PER_WORD] |= 1UL << (node % BITS_PER_WORD);
  }
  /* maxnode counts one bit more than the mask holds (the kernel drops one) */
  int has_nodes = r->nfields > 1;
  if (syscall(SYS_set_mempolicy, mode, has_nodes ? mask : NULL,
              has_nodes ? (unsigned long)MEMPOLICY_MAX_NODES + 1 : 0UL) < 0)
    die_errno("set memory policy (mode 0x%lx)", mode);
}

/* AppArmor: "exec <profile>" to attr/apparmor/exec (attr/exec on old
 * kernels); SELinux: the context to attr/exec. Both act on the next execve. */
static void set_exec_label(const struct record *r)
{
  const char *lsm = r->field[0], *label = r->field[1];
  char text[4096];
  const char *path = "/proc/thread-self/attr/exec";
  int n;
  if (strcmp(lsm, "apparmor") == 0) {
    struct stat st;
    if (stat("/proc/thread-self/attr/apparmor/exec", &st) == 0)
      path = "/proc/thread-self/attr/apparmor/exec";
    n = snprintf(text, sizeof text, "exec %s", label);
  } else if (strcmp(lsm, "selinux") == 0) {
    n = snprintf(text, sizeof text, "%s", label);
  } else {
    die("plan: unknown security module \"%s\"", lsm);
  }
  if (n < 0 || (size_t)n >= sizeof text)
    die("set %s label %s: too long", lsm, label);
  int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  struct statfs sfs;
  if (fd >= 0 && fstatfs(fd, &sfs) == 0 && sfs.f_type != PROC_SUPER_MAGIC)
    die("set %s label: %s is not on a procfs", lsm, path);
  if (fd < 0 || write(fd, text, (size_t)n) != n)
    die_errno("set %s label %s", lsm, label);
  close(fd);
}

void set_process_extras(const struct plan *p)
{
  plan_each(r, p, R_SCHEDULER)
    set_scheduler(r);
  plan_each(r, p, R_IOPRIO)
    set_io_priority(r);
  plan_each(r, p, R_PERSONALITY)
    set_personality(r);
  plan_each(r, p, R_MEMPOLICY)
    set_memory_policy(r);
  plan_each(r, p, R_LSM_LABEL)
    set_exec_label(r);
}
