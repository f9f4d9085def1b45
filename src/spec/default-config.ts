// The config.json that `tsrunc spec` writes: the same defaults as `runc spec`
// (as tight as runc's), with hostname "tsrunc" and ociVersion 1.3.0.

import type { Linux, LinuxCapabilities, LinuxNamespace, LinuxNamespaceType, Mount, POSIXRlimit, Process, Spec } from './config.js';

export interface DefaultConfigOptions {
  /** Produce a config for an unprivileged user, like `runc spec --rootless`. */
  rootless: boolean;
  /** Host ids mapped to root in the rootless variant; default: this process's euid/egid. */
  hostUid?: number;
  hostGid?: number;
  /** Add a cgroup namespace. runc's template has one only on a pure cgroup v2
   * host (src/cli/spec.ts detects it); default true. */
  cgroupNamespace?: boolean;
}

/** A Spec whose sections `spec` always fills in, so callers need no undefined checks. */
export type DefaultConfig = Spec & {
  process: Process & { capabilities: Required<Pick<LinuxCapabilities, 'bounding' | 'effective' | 'permitted'>>; env: string[]; rlimits: POSIXRlimit[] };
  hostname: string;
  mounts: Mount[];
  linux: Linux & { namespaces: LinuxNamespace[]; maskedPaths: string[]; readonlyPaths: string[] };
};

// Kept small on purpose: a container gets only what a plain shell needs.
const DEFAULT_CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/sys/firmware',
  '/proc/scsi',
];

const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

function defaultMounts(rootless: boolean): Mount[] {
  // gid=5 (tty) cannot be set on devpts when the group may not be mapped.
  const devptsOptions = ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'];
  if (!rootless) devptsOptions.push('gid=5');
  // A fresh sysfs needs a network namespace owned by the user namespace; rootless has none.
  const sys: Mount = rootless
    ? { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
    : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] };
  return [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: devptsOptions },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    sys,
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
}

export function defaultConfig(opts: DefaultConfigOptions): DefaultConfig {
  const { rootless } = opts;
  const cgroupns: LinuxNamespaceType[] = opts.cgroupNamespace === false ? [] : ['cgroup'];
  const namespaces: LinuxNamespaceType[] = rootless
    ? ['pid', 'ipc', 'uts', 'mount', ...cgroupns, 'user']
    : ['pid', 'network', 'ipc', 'uts', 'mount', ...cgroupns];

  // Rootless: root in the container is the calling user; no cgroup device rules
  // because an unprivileged user usually cannot manage cgroups.
  const hostUid = opts.hostUid ?? process.geteuid?.() ?? 0;
  const hostGid = opts.hostGid ?? process.getegid?.() ?? 0;
  const linux: DefaultConfig['linux'] = rootless
    ? {
        uidMappings: [{ containerID: 0, hostID: hostUid, size: 1 }],
        gidMappings: [{ containerID: 0, hostID: hostGid, size: 1 }],
        namespaces: namespaces.map((type) => ({ type })),
        maskedPaths: [...MASKED_PATHS],
        readonlyPaths: [...READONLY_PATHS],
      }
    : {
        resources: { devices: [{ allow: false, access: 'rwm' }] },
        namespaces: namespaces.map((type) => ({ type })),
        maskedPaths: [...MASKED_PATHS],
        readonlyPaths: [...READONLY_PATHS],
      };

  return {
    ociVersion: '1.3.0',
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: [...DEFAULT_CAPS], effective: [...DEFAULT_CAPS], permitted: [...DEFAULT_CAPS] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'tsrunc',
    mounts: defaultMounts(rootless),
    linux,
  };
}
