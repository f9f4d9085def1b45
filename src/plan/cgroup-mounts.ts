// Turns each `cgroup` mount of a compiled plan into plain mounts for the host's
// cgroup layout, the way runc's rootfs code does, so the stub never needs to
// know cgroup versions. Pure: the caller passes what it knows about the host.
import path from 'node:path';
import { MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REC } from './mount-options.js';
import type { Plan, PlanMount } from './types.js';

export type HostCgroups =
  | {
      version: 1;
      /** One per mounted v1 hierarchy (cgroup2 of a hybrid host excluded), in mountinfo order. */
      hierarchies: {
        /** Host mount point, e.g. /sys/fs/cgroup/cpu,cpuacct; its base name names the directory in the container. */
        mountpoint: string;
        /** Host directory of the container's cgroup in this hierarchy. */
        containerDir: string;
      }[];
    }
  | {
      version: 2;
      /** Host directory of the container's cgroup, e.g. /sys/fs/cgroup/tsrunc/c1. */
      containerDir: string;
      /** Host cgroup2 mount point, normally /sys/fs/cgroup. */
      mountpoint: string;
    };

const DEFAULT_FLAGS = MS_NOEXEC | MS_NOSUID | MS_NODEV;

/** Returns a plan whose mounts contain no `cgroup` entries; other records are unchanged. */
export function expandCgroupMounts(plan: Plan, host: HostCgroups, ns: { cgroupns: boolean; userns: boolean }): Plan {
  const mounts: PlanMount[] = [];
  const symlinks: Plan['symlinks'] = [];
  for (const m of plan.mounts) {
    if (m.fstype !== 'cgroup') {
      mounts.push(m);
    } else if (host.version === 2) {
      mounts.push(cgroup2Mount(m, host, ns, coversHostMounts(mounts, m.destination)));
    } else {
      const v1 = cgroup1Mounts(m, host.hierarchies, ns.cgroupns);
      mounts.push(...v1.mounts);
      symlinks.push(...v1.symlinks);
    }
  }
  // The links live in the tmpfs just mounted; /dev links come after, as before.
  return { ...plan, mounts, symlinks: [...symlinks, ...plan.symlinks] };
}

/**
 * Whether an earlier recursive bind brings the host's mounts below dest along (a
 * rootless config binds the host's /sys with rbind, and with it the host's cgroup2 mount).
 */
function coversHostMounts(earlier: readonly PlanMount[], dest: string): boolean {
  return earlier.some((m) => (m.flags & MS_BIND) !== 0 && (m.flags & MS_REC) !== 0 && (dest === m.destination || dest.startsWith(m.destination.replace(/\/$/, '') + '/')));
}

function cgroup2Mount(
  m: PlanMount,
  host: { containerDir: string; mountpoint: string },
  ns: { cgroupns: boolean; userns: boolean },
  onHostCgroup2: boolean,
): PlanMount {
  const bind = (source: string): PlanMount => ({ ...m, source, fstype: 'bind', flags: MS_BIND | m.flags, data: '' });
  // In a user namespace without its own cgroup namespace the kernel refuses a
  // cgroup2 mount (runc falls back on EPERM); bind the host tree instead.
  if (ns.userns && !ns.cgroupns) return bind(host.mountpoint);
  // On top of the host's own cgroup2 mount (brought by an rbind of /sys) the kernel refuses
  // the same filesystem again (EBUSY; runc falls back the same way): bind what the container's
  // cgroup namespace would show, its own cgroup, or the host tree without one.
  if (onHostCgroup2) return bind(ns.cgroupns ? host.containerDir : host.mountpoint);
  return { ...m, fstype: 'cgroup2' };
}

function cgroup1Mounts(
  m: PlanMount,
  hierarchies: { mountpoint: string; containerDir: string }[],
  cgroupns: boolean,
): { mounts: PlanMount[]; symlinks: Plan['symlinks'] } {
  const none = { propagation: m.propagation, attrSet: 0, attrClr: 0 };
  const mounts: PlanMount[] = [
    { source: 'tmpfs', destination: m.destination, fstype: 'tmpfs', flags: DEFAULT_FLAGS, data: 'mode=755', ...none },
  ];
  const symlinks: Plan['symlinks'] = [];
  for (const h of hierarchies) {
    const name = path.posix.basename(h.mountpoint);
    const destination = path.posix.join(m.destination, name);
    if (cgroupns) {
      // Inside its own cgroup namespace a fresh v1 mount shows the container's cgroup as its root.
      const systemd = name === 'systemd';
      mounts.push({
        source: systemd ? 'systemd' : 'cgroup',
        destination,
        fstype: 'cgroup',
        flags: DEFAULT_FLAGS | (m.flags & MS_RDONLY),
        data: systemd ? 'name=systemd' : name,
        ...none,
      });
    } else {
      mounts.push({ source: h.containerDir, destination, fstype: 'bind', flags: MS_BIND | MS_REC | m.flags, data: '', ...none });
    }
    // "cpu,cpuacct" is also reachable as cpu and cpuacct.
    if (name.includes(',')) {
      for (const part of name.split(',')) symlinks.push({ target: name, linkpath: path.posix.join(m.destination, part) });
    }
  }
  return { mounts, symlinks };
}
