// What the kernel tells us about cgroup mounts (/proc/self/mountinfo) and about
// our own cgroup (/proc/self/cgroup). Pure parsers plus two thin readers.
import { readFileSync } from 'node:fs';

export type CgroupLayout = 'v1' | 'v2' | 'hybrid';

/** One mounted v1 hierarchy; co-mounted controllers share one (e.g. cpu,cpuacct). */
export interface V1Hierarchy {
  mountpoint: string;
  /** The cgroup this mount shows as its root (field 4; "/" outside cgroup namespaces). */
  root: string;
  /** Controllers and named hierarchies it carries, e.g. ["cpu", "cpuacct"] or ["name=systemd"]. */
  controllers: string[];
}

export interface CgroupMounts {
  v1: V1Hierarchy[];
  v2?: { mountpoint: string; root: string };
}

const V1_CONTROLLERS = new Set([
  'cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio',
  'blkio', 'perf_event', 'hugetlb', 'pids', 'rdma', 'misc',
]);

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountinfo(text: string): CgroupMounts {
  const out: CgroupMounts = { v1: [] };
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    if (left.length < 5) continue;
    const root = unescape(left[3]);
    const mountpoint = unescape(left[4]);
    if (fstype === 'cgroup2') {
      out.v2 ??= { mountpoint, root };
    } else if (fstype === 'cgroup') {
      const controllers = superOpts.split(',').filter((o) => V1_CONTROLLERS.has(o) || o.startsWith('name='));
      const key = [...controllers].sort().join(',');
      // the same hierarchy can be mounted twice (bind mounts): the first one counts
      if (controllers.length === 0 || seen.has(key)) continue;
      seen.add(key);
      out.v1.push({ mountpoint, root, controllers });
    }
  }
  return out;
}

export function layoutOf(m: CgroupMounts): CgroupLayout {
  if (m.v1.length > 0) return m.v2 ? 'hybrid' : 'v1';
  if (m.v2) return 'v2';
  throw new Error('no cgroup filesystem is mounted (see /proc/self/mountinfo)');
}

export function readMounts(): CgroupMounts {
  return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** cgroup v1, v2 or hybrid, from what is mounted; never assumed. */
export function detectLayout(): CgroupLayout {
  return layoutOf(readMounts());
}

/**
 * /proc/self/cgroup as a map: every controller of a v1 line → its path
 * ("cpu" and "cpuacct" both → "/" for "1:cpu,cpuacct:/"); the v2 line → key "".
 */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '') out.set('', m[2]);
    else for (const c of m[1].split(',')) out.set(c, m[2]);
  }
  return out;
}

export function readOwnCgroups(): Map<string, string> {
  return parseProcCgroup(readFileSync('/proc/self/cgroup', 'utf8'));
}
