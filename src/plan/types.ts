// The plan: every decision the C stub needs, made in TypeScript.
// Wire format and semantics: docs/plan-format.md. Record order here is the
// order the stub receives them in.

export const PLAN_VERSION = 1;

export type NsType = 'user' | 'ipc' | 'uts' | 'net' | 'pid' | 'mnt' | 'cgroup' | 'time';

export interface PlanMount {
  source: string;
  destination: string;
  fstype: string;
  flags: number;
  propagation: number;
  data: string;
  attrSet: number;
  attrClr: number;
  /** An id-mapped bind mount (`idmap`/`ridmap` options or uidMappings/gidMappings): record MOUNT_IDMAP. */
  idmap?: { recursive: boolean; uidMappings: IdMapping[]; gidMappings: IdMapping[] };
  /** Mounted writable, made read-only after pivot (record MOUNT_READONLY): a tmpfs or /dev that is filled in first. */
  readonlyLast?: boolean;
}

export interface PlanDevice {
  path: string;
  type: 'c' | 'b' | 'p' | 'u';
  major: number;
  minor: number;
  mode: number;
  uid: number;
  gid: number;
  how: 'mknod' | 'bind';
}

export interface PlanRlimit {
  resource: number;
  soft: bigint;
  hard: bigint;
}

export interface PlanCaps {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
}

/** sched_setattr(2) fields (src/plan/process-extras.ts). */
export interface PlanMemoryPolicy {
  /** mode | flags, the first argument of set_mempolicy. */
  mode: number;
  /** NUMA node numbers of the mask, ascending (empty = NULL mask). */
  nodes: number[];
}

export interface PlanScheduler {
  policy: number;
  flags: number;
  nice: number;
  priority: number;
  runtime: bigint;
  deadline: bigint;
  period: bigint;
}

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** A createContainer or startContainer hook, run by the init (src/plan/hooks.ts). */
export interface PlanHook {
  kind: 'createContainer' | 'startContainer';
  path: string;
  /** Seconds; 0 = no timeout. */
  timeout: number;
  args: string[];
  env: string[];
}

/** What the stub does; fields map 1:1 onto plan records. */
export interface Plan {
  /** The cgroups stage 0 joins first (src/plan/cgroup-join.ts); create fills it in, exec does not use it. */
  cgroupJoin?: { how: 'tasks' | 'procs' | 'clone' | 'clone-newcgroup'; dir: string }[];
  nsJoin: { type: NsType; path: string }[];
  userNsNew: boolean;
  /** CLONE_NEW* flags to unshare, without CLONE_NEWUSER. */
  nsUnshare: number;
  timeOffsets: { clock: 'monotonic' | 'boottime'; secs: bigint; nsecs: number }[];
  /** Absent for exec: no mount work at all. */
  rootfs?: string;
  stateDir?: string;
  propagation: number;
  mounts: PlanMount[];
  devices: PlanDevice[];
  symlinks: { target: string; linkpath: string }[];
  /** chroot: --no-pivot (MS_MOVE + chroot); chroot_only: no mount namespace, chroot alone. */
  pivot: 'pivot_root' | 'chroot' | 'chroot_only';
  rootReadonly: boolean;
  hostname?: string;
  domainname?: string;
  sysctl: { key: string; value: string }[];
  maskedPaths: string[];
  readonlyPaths: string[];
  rlimits: PlanRlimit[];
  oomScoreAdj?: number;
  noNewPrivileges: boolean;
  caps: PlanCaps;
  user: { uid: number; gid: number; umask: number };
  additionalGids: number[];
  cwd: string;
  env: string[];
  args: string[];
  /** Raw struct sock_filter entries (src/seccomp/compile.ts). */
  seccomp?: Uint8Array;
  /** SECCOMP_FILTER_FLAG_* for seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog); 0 when absent. */
  seccompFlags?: number;
  execFifo?: string;
  setsid: boolean;
  /** process.terminal: the console socket stage 0 connects to, and the pty size (0 = leave as is). */
  console?: { socket: string; rows: number; cols: number };
  /** --pidfd-socket: stage 0 connects to it; the process sends a pidfd of itself (payload: kind, as runc). */
  pidfdSocket?: { path: string; kind: 'standard' | 'setns' };
  /** The init asks the parent to run prestart/createRuntime hooks before pivot_root (message `hooks`). */
  hookHandshake?: boolean;
  /** Hooks the init runs itself, in config order per kind. */
  containerHooks?: PlanHook[];
  /** linux.personality: the personality(2) persona. */
  personality?: number;
  /** linux.memoryPolicy: set_mempolicy(mode, nodes) in the init before execve. */
  memoryPolicy?: PlanMemoryPolicy;
  scheduler?: PlanScheduler;
  /** ioprio_set(2) value for the process group. */
  ioPriority?: number;
  /** Written to /proc/self/attr before execve (src/plan/lsm.ts). */
  apparmorProfile?: string;
  selinuxLabel?: string;
  /**
   * linux.seccomp.listenerPath: the agent's socket, and the container process
   * state JSON in pieces that the stub joins with the process's pid (src/seccomp/listener.ts).
   */
  seccompListener?: { path: string; message: string[] };
  /** Not sent to the stub: exec's stub gets these CPUs before and after it joins the cgroup. */
  execCpuAffinity?: { initial?: number[]; final?: number[] };
  /** Not sent to the stub: host interfaces the parent moves into the init's network namespace. */
  netDevices?: { hostName: string; name: string }[];
  /** Not sent to the stub: the parent writes these when the stub asks. */
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
}
