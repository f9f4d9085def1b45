// cgroupsPath rules of runc's cgroupfs driver (see docs/cgroups.md):
//   absolute "/a/b"  → <hierarchy mount>/a/b in every hierarchy;
//   relative "a/b"   → below the runtime's own cgroup in each v1 hierarchy (on pure v2: below
//                      the parent of our own cgroup; in the hybrid v2 tree: below its root);
//   empty            → relative "<id>".
// Unlike runc, which clamps "..", a path that climbs above its base is rejected.
import { posix } from 'node:path';
import { UserError } from '../errors.js';
import type { CgroupMounts, V1Hierarchy } from './mountinfo.js';

/** The cgroupsPath with "." and ".." resolved; keeps its leading "/" if it had one. */
export function cleanCgroupsPath(cgroupsPath: string | undefined, id: string): string {
  const raw = cgroupsPath ?? '';
  if (raw === '') return id;
  const absolute = raw.startsWith('/');
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw new UserError(`config.json: /linux/cgroupsPath: ${JSON.stringify(raw)} escapes the cgroup root`);
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  if (parts.length === 0) throw new UserError(`config.json: /linux/cgroupsPath: ${JSON.stringify(raw)} names the cgroup root itself`);
  return (absolute ? '/' : '') + parts.join('/');
}

/** Our own cgroup in a hierarchy, made relative to what its mount shows as root. */
function ownRelative(mountRoot: string, own: string | undefined): string {
  if (own === undefined) return '';
  const rel = posix.relative(mountRoot, own);
  // nested setups can show host paths outside our mount: stay at the mount's root then
  return rel.startsWith('..') ? '' : rel;
}

/** Own-cgroup path of a v1 hierarchy: looked up by any of its controllers. */
function ownV1(h: V1Hierarchy, own: Map<string, string>): string | undefined {
  for (const c of h.controllers) {
    const p = own.get(c);
    if (p !== undefined) return p;
  }
  return undefined;
}

/** Absolute directory of the cgroup in one v1 hierarchy. */
export function v1Dir(h: V1Hierarchy, inner: string, own: Map<string, string>): string {
  if (inner.startsWith('/')) return posix.join(h.mountpoint, inner);
  return posix.join(h.mountpoint, ownRelative(h.root, ownV1(h, own)), inner);
}

/** Absolute directory of the cgroup on a pure v2 host. */
export function v2Dir(v2: NonNullable<CgroupMounts['v2']>, inner: string, own: Map<string, string>): string {
  if (inner.startsWith('/')) return posix.join(v2.mountpoint, inner);
  // Our own cgroup usually holds processes, so no controllers can be enabled below it:
  // like runc, use its parent.
  const mine = own.get('');
  const base = mine === undefined ? '' : posix.dirname(ownRelative(v2.root, mine) || '.');
  return posix.join(v2.mountpoint, base === '.' ? '' : base, inner);
}

/** Directory in the v2 tree of a hybrid host: runc puts both path kinds below its root. */
export function hybridV2Dir(v2: NonNullable<CgroupMounts['v2']>, inner: string): string {
  return posix.join(v2.mountpoint, inner);
}

/**
 * Our own cgroup's directory per controller ("" = the v2 tree), like a manager's dirs:
 * where a container that has no cgroup of its own (rootless) stays.
 */
export function ownCgroupDirs(mounts: CgroupMounts, own: Map<string, string>): Record<string, string> {
  const dirs: Record<string, string> = {};
  for (const h of mounts.v1) {
    const dir = posix.join(h.mountpoint, ownRelative(h.root, ownV1(h, own)));
    for (const c of h.controllers) dirs[c] = dir;
  }
  if (mounts.v2) dirs[''] = posix.join(mounts.v2.mountpoint, ownRelative(mounts.v2.root, own.get('')));
  return dirs;
}
