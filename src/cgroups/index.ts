// Public face of src/cgroups: layout detection and the manager factory.
// See docs/cgroups.md for the path rules and the field-by-field v1/v2 table.
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { UserError } from '../errors.js';
import { log } from '../cli/log.js';
import {
  layoutOf,
  parseMountinfo,
  parseProcCgroup,
  readMounts,
  readOwnCgroups,
  type CgroupLayout,
  type CgroupMounts,
  type V1Hierarchy,
} from './mountinfo.js';
import { cleanCgroupsPath, hybridV2Dir, ownCgroupDirs, v1Dir, v2Dir } from './paths.js';
import type { CgroupManager } from './types.js';
import { requestedV1, V1Manager } from './v1/manager.js';
import { requestedV2, V2Manager } from './v2/manager.js';
import { NoCgroup, type InitProcess } from './none.js';
import { RootlessCgroup } from './rootless.js';
import { SESSION_BUS, SYSTEM_BUS, SystemdManager, managerCgroup } from './systemd/manager.js';
import { systemdUnit } from './systemd/unit.js';

export { detectLayout, type CgroupLayout } from './mountinfo.js';
export type { CgroupManager, FreezerState, OomCounters } from './types.js';
export { statsToJson, type CgroupStats } from './stats.js';

export interface CgroupManagerOptions {
  /** linux.cgroupsPath from config.json (or as stored in the container's state). */
  cgroupsPath?: string;
  id: string;
  /** --systemd-cgroup */
  systemd: boolean;
  /** Force a layout instead of detecting it. */
  layout?: CgroupLayout;
  /** Tests: mount point of the v2 tree to use (e.g. /sys/fs/cgroup/unified with layout 'v2'). */
  v2Root?: string;
  /** Tests: /proc/self/mountinfo and /proc/self/cgroup text instead of the real ones. */
  mountinfo?: string;
  procCgroup?: string;
  /** Where warnings go (ignored settings); default: the tsrunc log. */
  warn?: (msg: string) => void;
  /**
   * The directories create used (the manager's `dirs`, kept in the container's state):
   * later commands then act on exactly those, whatever cgroup they run in themselves.
   */
  dirs?: Readonly<Record<string, string>>;
  /**
   * --rootless (resolved): a new cgroup that cannot be made for lack of permission is
   * done without when no limits are set (src/cgroups/rootless.ts), device rules are best effort.
   */
  rootless?: boolean;
  /** A stored container's init: how a container without a cgroup finds its processes. */
  init?: InitProcess;
}

/** The caller's own cgroup directories: where a rootless container without a cgroup lives. */
export function callerCgroupDirs(): Record<string, string> {
  return ownCgroupDirs(readMounts(), readOwnCgroups());
}

/** v1 hierarchies a container joins: those with a controller, plus systemd's named one (as runc). */
function joined(h: V1Hierarchy): boolean {
  return h.controllers.some((c) => !c.startsWith('name=') || c === 'name=systemd');
}

export function cgroupManager(opts: CgroupManagerOptions): CgroupManager {
  const mounts: CgroupMounts = opts.mountinfo !== undefined ? parseMountinfo(opts.mountinfo) : readMounts();
  if (opts.v2Root) mounts.v2 = { mountpoint: opts.v2Root, root: '/' };
  if (opts.systemd) return systemdManager(opts, mounts);
  const path = cleanCgroupsPath(opts.cgroupsPath, opts.id);
  // our own cgroups place a new container's; a stored one does not need them
  let ownCache: Map<string, string> | undefined;
  const own = () => (ownCache ??= opts.procCgroup !== undefined ? parseProcCgroup(opts.procCgroup) : readOwnCgroups());
  const layout = opts.layout ?? layoutOf(mounts);
  const warn = opts.warn ?? ((msg: string) => log.warn(msg));

  const stored = opts.dirs;
  // a rootless container that was created without a cgroup
  if (stored && Object.keys(stored).length === 0) return new NoCgroup(path, opts.init);
  const rootless = opts.rootless ?? false;
  const forNew = (m: CgroupManager, requested: typeof requestedV1): CgroupManager =>
    rootless && !stored ? new RootlessCgroup(m, { explicitPath: !!opts.cgroupsPath, requested }) : m;

  if (layout === 'v2') {
    if (!mounts.v2) throw new Error('cgroup layout v2 was asked for but no cgroup2 filesystem is mounted');
    return forNew(new V2Manager(path, mounts.v2.mountpoint, stored?.[''] ?? v2Dir(mounts.v2, path, own()), warn, rootless), requestedV2);
  }
  const targets = mounts.v1
    .filter(joined)
    .map((hierarchy) => ({ hierarchy, dir: stored ? storedV1Dir(stored, hierarchy) : v1Dir(hierarchy, path, own()) }))
    .filter((t): t is { hierarchy: V1Hierarchy; dir: string } => t.dir !== undefined);
  if (targets.length === 0) throw new Error(`cgroup layout ${layout} was asked for but no cgroup v1 hierarchy is mounted`);
  let companion: V2Manager | undefined;
  if (layout === 'hybrid') {
    if (!mounts.v2) throw new Error('cgroup layout hybrid was asked for but no cgroup2 filesystem is mounted');
    const dir = stored ? stored[''] : hybridV2Dir(mounts.v2, path);
    if (dir !== undefined) companion = new V2Manager(path, mounts.v2.mountpoint, dir, warn, rootless);
  }
  return forNew(new V1Manager(path, targets, companion, warn, rootless), requestedV1);
}

/** A hierarchy's stored directory; undefined when create did not join it (mounted later). */
function storedV1Dir(stored: Readonly<Record<string, string>>, h: V1Hierarchy): string | undefined {
  for (const c of h.controllers) if (stored[c] !== undefined) return stored[c];
  return undefined;
}

/**
 * The systemd driver: a transient scope (src/cgroups/systemd/), on pure cgroup v2 only.
 * Checked first: systemd must be PID 1 (/run/systemd/system, as sd_booted()).
 */
function systemdManager(opts: CgroupManagerOptions, mounts: CgroupMounts): CgroupManager {
  if (!existsSync('/run/systemd/system')) throw new UserError('systemd cgroup driver: systemd is not running');
  // rootless: the user's own systemd instance, on their session bus (runc's rule); its
  // default slice is user.slice, below the instance's cgroup (user@<uid>.service)
  const user = (opts.rootless ?? false) && (process.geteuid?.() ?? 0) !== 0;
  const bus = user ? SESSION_BUS : SYSTEM_BUS;
  const unit = systemdUnit(opts.cgroupsPath, opts.id, user ? 'user.slice' : 'system.slice');
  const layout = opts.layout ?? layoutOf(mounts);
  if (layout !== 'v2' || !mounts.v2) {
    throw new UserError(`systemd cgroup driver: this host has cgroup ${layout}; only pure cgroup v2 (unified) hosts are supported, run without --systemd-cgroup`);
  }
  const warn = opts.warn ?? ((msg: string) => log.warn(msg));
  const path = opts.dirs?.[''] === undefined && user ? posix.join(managerCgroup(bus), unit.path) : unit.path;
  const dir = opts.dirs?.[''] ?? posix.join(mounts.v2.mountpoint, path);
  return new SystemdManager(opts.id, unit, new V2Manager(path, mounts.v2.mountpoint, dir, warn, user), warn, bus);
}
