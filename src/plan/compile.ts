// config.json (already schema-valid) → Plan: every decision the stub needs,
// made here without touching the filesystem. Semantics follow runtime-spec
// v1.3.0 and, where it leaves room, runc (libcontainer/specconv and rootfs).
import path from 'node:path';
import type { LinuxIDMapping, LinuxTimeOffset, Spec } from '../spec/config.js';
import { configError, pointerToken } from './config-error.js';
import { compileDevices, devSymlinks } from './devices.js';
import { compileHooks } from './hooks.js';
import { MS_PRIVATE, MS_REC, MS_SLAVE, PROPAGATION_FLAGS } from './mount-options.js';
import { compileMount } from './mounts.js';
import { compileNamespaces } from './namespaces.js';
import { applyMountLabel, hostLsm, type HostLsm } from './lsm.js';
import { compileNetDevices } from './netdevices.js';
import { compileProcess } from './process.js';
import { compileProcessExtras } from './process-extras.js';
import { compileSysctl } from './sysctl.js';
import type { IdMapping, Plan } from './types.js';

export interface CompileOptions {
  /** Absolute bundle directory: relative root.path and bind sources are resolved against it. */
  bundle: string;
  stateDir?: string;
  /** `--no-pivot`: MS_MOVE + chroot instead of pivot_root. */
  noPivot: boolean;
  execFifo?: string;
  /** Whether the host has /proc/kcore (then /dev/core links to it, like runc). Default true. */
  procKcore?: boolean;
  /** Which security modules the host runs; probed when absent (src/plan/lsm.ts). */
  lsm?: HostLsm;
  /** Receives what runc would log as a warning (relative destinations, unknown capabilities…). */
  warn?: (msg: string) => void;
}

const TIME_CLOCKS = ['monotonic', 'boottime'] as const;

export function compilePlan(spec: Spec, opts: CompileOptions): Plan {
  const warn = opts.warn ?? (() => {});
  const proc = spec.process;
  if (!proc) throw configError('/process', 'required to create a container');
  if (!proc.args || proc.args.length === 0) throw configError('/process/args', 'must not be empty');
  if (!proc.cwd.startsWith('/')) throw configError('/process/cwd', `must be an absolute path: "${proc.cwd}"`);
  // runc refuses these too; kept, a bare "PATH" surfaces later as "executable not found"
  const badEnv = (proc.env ?? []).findIndex((e) => !e.includes('='));
  if (badEnv >= 0) throw configError(`/process/env/${badEnv}`, `"${proc.env![badEnv]}" is not KEY=value`);
  if (!spec.root) throw configError('/root', 'required to create a container');
  const linux = spec.linux ?? {};

  const ns = compileNamespaces(linux.namespaces);
  // Without a mount namespace the container shares the host's mount table (runc allows
  // it; runtime-tools' linux_ns_itype needs it): its mounts land on the host under the
  // rootfs and it is chrooted there. Whatever would change the host's own mounts is refused.
  const hostMountNs = !ns.has.has('mnt');
  if (hostMountNs) refuseWithoutMountNs(spec);

  const { uidMappings, gidMappings } = userNamespaceMappings(spec, ns.has.has('user'), ns.isNew.has('user'), warn);

  if (spec.hostname && !ns.has.has('uts')) throw configError('/hostname', 'cannot set a hostname without a uts namespace');
  if (spec.domainname && !ns.has.has('uts')) throw configError('/domainname', 'cannot set a domainname without a uts namespace');

  let propagation = hostMountNs ? 0 : MS_SLAVE | MS_REC;
  if (linux.rootfsPropagation) {
    const p = PROPAGATION_FLAGS[linux.rootfsPropagation];
    if (p === undefined) throw configError('/linux/rootfsPropagation', `unknown propagation "${linux.rootfsPropagation}"`);
    if (opts.noPivot && p & MS_PRIVATE) {
      throw configError('/linux/rootfsPropagation', `"${linux.rootfsPropagation}" is not safe without pivot_root`);
    }
    propagation = p;
  }

  const lsm = opts.lsm ?? hostLsm();
  const userns = ns.isNew.has('user') ? { uidMappings, gidMappings } : undefined;
  const mounts = applyMountLabel((spec.mounts ?? []).map((m, i) => compileMount(m, i, opts.bundle, warn, userns)), linux.mountLabel, lsm);
  // runc leaves /dev alone when the host's /dev (or any directory) is bound onto it.
  const devFromHost = mounts.some((m) => m.fstype === 'bind' && m.destination === '/dev');
  const devices = devFromHost ? [] : compileDevices(linux.devices, ns.has.has('user') ? 'bind' : 'mknod');
  const symlinks = devFromHost ? [] : devSymlinks(opts.procKcore ?? true);

  return {
    nsJoin: ns.nsJoin,
    userNsNew: ns.userNsNew,
    nsUnshare: ns.nsUnshare,
    timeOffsets: compileTimeOffsets(linux.timeOffsets, ns.has.has('time'), ns.isNew.has('time')),
    rootfs: path.resolve(opts.bundle, spec.root.path),
    stateDir: opts.stateDir,
    propagation,
    mounts,
    devices,
    symlinks,
    pivot: hostMountNs ? 'chroot_only' : opts.noPivot ? 'chroot' : 'pivot_root',
    rootReadonly: spec.root.readonly ?? false,
    hostname: spec.hostname || undefined,
    domainname: spec.domainname || undefined,
    sysctl: compileSysctl(linux.sysctl, ns.has),
    maskedPaths: linux.maskedPaths ?? [],
    readonlyPaths: linux.readonlyPaths ?? [],
    oomScoreAdj: proc.oomScoreAdj,
    ...compileProcess(proc, warn),
    ...compileProcessExtras(proc, linux, lsm, warn),
    netDevices: compileNetDevices(linux.netDevices, ns.has),
    execFifo: opts.execFifo,
    // runc's init always starts a new session (nsexec stage 2).
    setsid: true,
    ...compileHooks(spec.hooks, spec.process?.env ?? []),
    uidMappings,
    gidMappings,
  };
}

/** What would act on the host's own mounts when the container has no mount namespace. */
function refuseWithoutMountNs(spec: Spec): void {
  const linux = spec.linux ?? {};
  const why = 'needs a mount namespace';
  if (linux.rootfsPropagation) throw configError('/linux/rootfsPropagation', why);
  if (spec.root?.readonly) throw configError('/root/readonly', why);
  if (linux.maskedPaths?.length) throw configError('/linux/maskedPaths', why);
  if (linux.readonlyPaths?.length) throw configError('/linux/readonlyPaths', why);
}

function userNamespaceMappings(
  spec: Spec,
  hasUserNs: boolean,
  newUserNs: boolean,
  warn: (msg: string) => void,
): { uidMappings: IdMapping[]; gidMappings: IdMapping[] } {
  const uid = spec.linux?.uidMappings ?? [];
  const gid = spec.linux?.gidMappings ?? [];
  if (!hasUserNs) {
    if (uid.length) throw configError('/linux/uidMappings', 'user namespace mappings given, but no user namespace');
    if (gid.length) throw configError('/linux/gidMappings', 'user namespace mappings given, but no user namespace');
  } else if (newUserNs) {
    if (!uid.length) throw configError('/linux/uidMappings', 'required with a new user namespace');
    if (!gid.length) throw configError('/linux/gidMappings', 'required with a new user namespace');
  } else if (uid.length || gid.length) {
    // containerd and CRI-O send both a path and its mappings; runc accepts that with a warning.
    warn('config.json has both a user namespace path to join and uid/gid mappings: the mappings are not applied');
  }
  return { uidMappings: uid.map(copyMapping), gidMappings: gid.map(copyMapping) };
}

function copyMapping(m: LinuxIDMapping): IdMapping {
  return { containerID: m.containerID, hostID: m.hostID, size: m.size };
}

function compileTimeOffsets(
  offsets: Readonly<Record<string, LinuxTimeOffset>> | undefined,
  hasTimeNs: boolean,
  newTimeNs: boolean,
): Plan['timeOffsets'] {
  if (offsets === undefined) return [];
  if (!hasTimeNs) throw configError('/linux/timeOffsets', 'time offsets given, but no time namespace');
  if (!newTimeNs) throw configError('/linux/timeOffsets', 'time offsets cannot be applied to a time namespace that is joined by path');
  return Object.entries(offsets).map(([clock, o]) => {
    const known = TIME_CLOCKS.find((c) => c === clock);
    if (!known) throw configError(`/linux/timeOffsets/${pointerToken(clock)}`, `unknown clock "${clock}"`);
    const secs = o.secs ?? 0;
    return { clock: known, secs: typeof secs === 'bigint' ? secs : BigInt(Math.trunc(secs)), nsecs: Number(o.nanosecs ?? 0) };
  });
}
