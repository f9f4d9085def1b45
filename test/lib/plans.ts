// The smallest valid plan, for unit tests of the encoder and of plan passes:
// no namespaces, mounts or privileges, argv ["true"].
import type { Plan } from '../../src/plan/types.js';

export function minimalPlan(extra: Partial<Plan> = {}): Plan {
  return {
    nsJoin: [],
    userNsNew: false,
    nsUnshare: 0,
    timeOffsets: [],
    propagation: 0,
    mounts: [],
    devices: [],
    symlinks: [],
    pivot: 'pivot_root',
    rootReadonly: false,
    sysctl: [],
    maskedPaths: [],
    readonlyPaths: [],
    rlimits: [],
    noNewPrivileges: false,
    caps: { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n },
    user: { uid: 0, gid: 0, umask: -1 },
    additionalGids: [],
    cwd: '/',
    env: [],
    args: ['true'],
    setsid: false,
    uidMappings: [],
    gidMappings: [],
    ...extra,
  };
}
