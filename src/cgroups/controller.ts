// One controller (v1 or v2): which resources fields it serves, how it writes and reads them.
import type { LinuxResources } from '../spec/config.js';
import type { ApplyContext } from './fs.js';
import type { CgroupStats } from './stats.js';

export interface Controller {
  /** Name as in mountinfo, /proc/self/cgroup (v1) or cgroup.controllers (v2). */
  name: string;
  /** v1 only: the same controller in the v2 tree, used on hybrid hosts when v1 lacks it. */
  v2Name?: string;
  /** The first field (path below /linux/resources) this controller would write, if any. */
  requested(r: LinuxResources): string | undefined;
  apply(dir: string, r: LinuxResources, ctx: ApplyContext): void;
  stats?(dir: string, s: CgroupStats): void;
}

/** Helper for requested(): the first key whose value is set (and not the "unset" zero). */
export function firstSet(prefix: string, obj: object | undefined, zeroIsUnset: readonly string[] = []): string | undefined {
  if (!obj) return undefined;
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null || v === false) continue;
    if (zeroIsUnset.includes(k) && v === 0) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    return `${prefix}/${k}`;
  }
  return undefined;
}

/** The first resources field (devices aside) that any of controllers, or `unified`, would write. */
export function firstRequested(controllers: readonly Controller[], r: LinuxResources): string | undefined {
  for (const c of controllers) {
    const field = c.requested(r);
    if (field) return field;
  }
  const unified = Object.keys(r.unified ?? {});
  return unified.length ? `unified/${unified[0]}` : undefined;
}
