// process.apparmorProfile, process.selinuxLabel and linux.mountLabel. A label
// for a security module the host does not run is refused: running the
// container unconfined instead would be a silent downgrade. With the module
// present the stub writes the label to /proc/self/attr before execve, and the
// mount label becomes a context= option of the container's own filesystems.
import { existsSync, readFileSync } from 'node:fs';
import type { PlanMount } from './types.js';
import { configError } from './config-error.js';

export interface HostLsm {
  apparmor: boolean;
  selinux: boolean;
}

let probed: HostLsm | undefined;

/** As runc: AppArmor needs its securityfs dir and enabled=Y; SELinux its mounted selinuxfs. */
export function hostLsm(): HostLsm {
  if (probed) return probed;
  let apparmor = false;
  try {
    apparmor = existsSync('/sys/kernel/security/apparmor') && readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').startsWith('Y');
  } catch {
    // no apparmor module
  }
  let selinux = false;
  try {
    selinux = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => / - selinuxfs /.test(l));
  } catch {
    // no /proc: treat as absent
  }
  probed = { apparmor, selinux };
  return probed;
}

/** The labels for the stub; refused when the host does not run their module. */
export function compileProcessLabels(
  proc: { apparmorProfile?: string; selinuxLabel?: string },
  lsm: HostLsm,
): { apparmorProfile?: string; selinuxLabel?: string } {
  if (proc.apparmorProfile && !lsm.apparmor) throw configError('/process/apparmorProfile', 'apparmor is not enabled on this host');
  if (proc.selinuxLabel && !lsm.selinux) throw configError('/process/selinuxLabel', 'selinux is not enabled on this host');
  return { apparmorProfile: proc.apparmorProfile || undefined, selinuxLabel: proc.selinuxLabel || undefined };
}

/** Filesystems runc mounts without the label (they take no context= option, or label themselves). */
const UNLABELLED = new Set(['bind', 'proc', 'sysfs', 'mqueue', 'cgroup', 'cgroup2']);

/** linux.mountLabel: `context="<label>"` added to the data of the container's other filesystems (runc's FormatMountLabel). */
export function applyMountLabel(mounts: PlanMount[], label: string | undefined, lsm: HostLsm): PlanMount[] {
  if (!label) return mounts;
  if (!lsm.selinux) throw configError('/linux/mountLabel', 'selinux is not enabled on this host');
  return mounts.map((m) => {
    if (UNLABELLED.has(m.fstype)) return m;
    const context = `context="${label}"`;
    return { ...m, data: m.data ? `${m.data},${context}` : context };
  });
}
