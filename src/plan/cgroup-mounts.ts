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
      mounts.push(cgroup2Mount(m, host, ns));
    } else {
      const v1 = cgroup1Mounts(m, host.hierarchies, ns.cgroupns);
      mounts.push(...v1.mounts);
      symlinks.push(...v1.symlinks);
    }
  }
  // The links live in the tmpfs just mounted; /dev links come after, as before.
  return { ...plan, mounts, symlinks: [...symlinks, ...plan.symlinks] };
}

function cgroup2Mount(m: PlanMount, host: { containerDir: string; mountpoint: string }, ns: { cgroupns: boolean; userns: boolean }): PlanMount {
  // In a user namespace without its own cgroup namespace the kernel refuses a
  // cgroup2 mount (runc falls back on EPERM); bind the host tree instead. A container
  // that stays in the root cgroup (rootless, with no cgroup of its own) would get the
  // host mount's own root again, which the kernel refuses on top of a bound host /sys
  // (EBUSY, runc falls back too): the bind shows the same tree.
  if ((ns.userns && !ns.cgroupns) || path.posix.resolve(host.containerDir) === path.posix.resolve(host.mountpoint)) {
    return { ...m, source: host.mountpoint, fstype: 'bind', flags: MS_BIND | m.flags, data: '' };
  }
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
