// features: what this build of tsrunc implements, as runtime-spec v1.3.0
// features.md and features-linux.md describe it. Every list comes from the
// tables the code itself uses, filtered through the same checks a config.json
// goes through (spec/unsupported.ts, the seccomp compiler), so it cannot claim
// more than create would accept.
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { BUILD_INFO } from '../build-info.js';
import type { Hooks, LinuxSeccomp, LinuxSeccompAction, Spec } from '../spec/config.js';
import { checkSupported } from '../spec/unsupported.js';
import { CAPABILITY_NAMES } from '../plan/capabilities.js';
import { knownMountOptions } from '../plan/mount-options.js';
import { MEMPOLICY_FLAGS, MEMPOLICY_MODES } from '../plan/memory-policy.js';
import { NAMESPACE_TYPES } from '../plan/namespaces.js';
import { compileSeccomp } from '../seccomp/compile.js';
import { libseccompVersion } from '../seccomp/libseccomp.js';
import { ARCH_NAMES, KNOWN_FLAGS, OPERATORS } from '../seccomp/names.js';

export interface Features {
  ociVersionMin: string;
  ociVersionMax: string;
  hooks?: string[];
  mountOptions?: string[];
  linux?: LinuxFeatures;
  annotations?: Record<string, string>;
  potentiallyUnsafeConfigAnnotations?: string[];
}

export interface LinuxFeatures {
  namespaces?: string[];
  capabilities?: string[];
  cgroup?: { v1?: boolean; v2?: boolean; systemd?: boolean; systemdUser?: boolean; rdma?: boolean };
  seccomp?: {
    enabled?: boolean;
    actions?: string[];
    operators?: string[];
    archs?: string[];
    knownFlags?: string[];
    supportedFlags?: string[];
  };
  apparmor?: { enabled?: boolean };
  selinux?: { enabled?: boolean };
  intelRdt?: { enabled?: boolean; schemata?: boolean; monitoring?: boolean };
  memoryPolicy?: { modes?: string[]; flags?: string[] };
  mountExtensions?: { idmap?: { enabled?: boolean } };
  netDevices?: { enabled?: boolean };
}

/** The oldest and newest runtime-spec versions config.json may name (schemas/config.schema.json: 1.0.x to 1.3.x). */
const OCI_VERSION_MIN = '1.0.0';
const OCI_VERSION_MAX = '1.3.0';

/** Every hook kind of config.json; the type makes sure none is forgotten. */
const HOOK_KINDS: Readonly<Record<keyof Hooks, true>> = {
  prestart: true,
  createRuntime: true,
  createContainer: true,
  startContainer: true,
  poststart: true,
  poststop: true,
};

/** Every seccomp action name of config.json; the type makes sure none is forgotten. */
const SECCOMP_ACTIONS: Readonly<Record<LinuxSeccompAction, true>> = {
  SCMP_ACT_KILL: true,
  SCMP_ACT_KILL_PROCESS: true,
  SCMP_ACT_KILL_THREAD: true,
  SCMP_ACT_TRAP: true,
  SCMP_ACT_ERRNO: true,
  SCMP_ACT_TRACE: true,
  SCMP_ACT_ALLOW: true,
  SCMP_ACT_LOG: true,
  SCMP_ACT_NOTIFY: true,
};

/** Whether create would take a config with this much in it (nothing refused as unsupported). */
function accepted(part: Omit<Spec, 'ociVersion' | 'root'>): boolean {
  return checkSupported({ ociVersion: OCI_VERSION_MAX, root: { path: 'rootfs' }, ...part }).length === 0;
}

/** Whether a seccomp profile passes both the unsupported check and the compiler, without a warning. */
function seccompAccepts(cfg: LinuxSeccomp): boolean {
  if (!accepted({ linux: { seccomp: cfg } })) return false;
  let warned = false;
  try {
    compileSeccomp(cfg, { warn: () => (warned = true) });
  } catch {
    return false;
  }
  return !warned;
}

function seccompFeatures(): LinuxFeatures['seccomp'] {
  const allow = { defaultAction: 'SCMP_ACT_ALLOW' as const };
  try {
    compileSeccomp(allow);
  } catch {
    return { enabled: false }; // no usable libseccomp: create refuses every profile
  }
  const actions = (Object.keys(SECCOMP_ACTIONS) as LinuxSeccompAction[]).filter((action) =>
    seccompAccepts({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['getpid'], action }] }),
  );
  const archs = Object.keys(ARCH_NAMES).filter((arch) =>
    seccompAccepts({ ...allow, architectures: [arch as keyof typeof ARCH_NAMES] }),
  );
  const knownFlags = [...KNOWN_FLAGS];
  return {
    enabled: true,
    actions: actions.sort(),
    operators: Object.keys(OPERATORS).sort(),
    archs: archs.sort(),
    knownFlags: knownFlags.sort(),
    supportedFlags: knownFlags.filter((flag) => seccompAccepts({ ...allow, flags: [flag] })).sort(),
  };
}

/** The kernel release that first took each memory policy mode or flag (set_mempolicy(2)); older ones refuse it with EINVAL. */
const MEMPOLICY_SINCE: Readonly<Record<string, [number, number]>> = {
  MPOL_LOCAL: [3, 8],
  MPOL_F_NUMA_BALANCING: [5, 12],
  MPOL_PREFERRED_MANY: [5, 15],
  MPOL_WEIGHTED_INTERLEAVE: [6, 9],
};

/** "6.1.0-18-amd64" → [6, 1]. */
function kernelVersion(text: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/**
 * The modes and flags set_mempolicy takes here: those this build knows, that
 * create accepts, and that this kernel has. Without NUMA (no numa_maps) the
 * syscall does not exist, so both lists are empty.
 */
export function memoryPolicyFeatures(kernel = release(), numa = existsSync('/proc/self/numa_maps')): LinuxFeatures['memoryPolicy'] {
  if (!numa || !accepted({ linux: { memoryPolicy: { mode: 'MPOL_DEFAULT' } } })) return { modes: [], flags: [] };
  const [major, minor] = kernelVersion(kernel);
  const has = (name: string): boolean => {
    const since = MEMPOLICY_SINCE[name];
    return !since || major > since[0] || (major === since[0] && minor >= since[1]);
  };
  return {
    modes: Object.keys(MEMPOLICY_MODES).filter(has).sort(),
    flags: Object.keys(MEMPOLICY_FLAGS).filter(has).sort(),
  };
}


export function features(): Features {
  const seccomp = seccompFeatures();
  const hooks = (Object.keys(HOOK_KINDS) as (keyof Hooks)[]).filter((kind) =>
    accepted({ hooks: { [kind]: [{ path: '/bin/true' }] } }),
  );
  return {
    ociVersionMin: OCI_VERSION_MIN,
    ociVersionMax: OCI_VERSION_MAX,
    hooks,
    mountOptions: knownMountOptions(),
    linux: {
      namespaces: [...NAMESPACE_TYPES].sort(),
      capabilities: [...CAPABILITY_NAMES],
      // src/cgroups: fs drivers for v1, v2 and hybrid (rdma on both); the systemd driver (system
      // instance, pure v2 hosts); no systemd user instance (rootless)
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: false, rdma: true },
      seccomp,
      apparmor: { enabled: accepted({ process: { cwd: '/', args: ['x'], apparmorProfile: 'p' } }) },
      selinux: { enabled: accepted({ process: { cwd: '/', args: ['x'], selinuxLabel: 'l' } }) },
      // features-linux.md: what the runtime implements, "irrelevant to the availability of
      // Intel RDT on the host" (as runc's 1.3 output); create checks for resctrl itself
      intelRdt: {
        enabled: accepted({ linux: { intelRdt: {} } }),
        schemata: accepted({ linux: { intelRdt: { schemata: ['L3:0=f'] } } }),
        monitoring: accepted({ linux: { intelRdt: { enableMonitoring: true } } }),
      },
      memoryPolicy: memoryPolicyFeatures(),
      mountExtensions: {
        idmap: {
          enabled: accepted({ mounts: [{ destination: '/m', uidMappings: [{ containerID: 0, hostID: 0, size: 1 }], gidMappings: [{ containerID: 0, hostID: 0, size: 1 }] }] }),
        },
      },
      netDevices: { enabled: accepted({ linux: { netDevices: { eth9: {} } } }) },
    },
    annotations: {
      // not org.opencontainers.*: config.md reserves that namespace for the spec itself
      'tsrunc.version': BUILD_INFO.version,
      'tsrunc.commit': BUILD_INFO.commit,
      'tsrunc.checkpoint.enabled': 'true',
      // the key runc uses: engines read the library's version from it
      ...(seccomp?.enabled ? { 'io.github.seccomp.libseccomp.version': libseccompVersion() } : {}),
    },
    // checkpoint/restore hand this one's file to CRIU as its configuration
    potentiallyUnsafeConfigAnnotations: ['org.criu.config'],
  };
}
