// A container without a mount namespace makes its mounts (proc, /dev, …) in the host's
// mount table, under its rootfs. They outlive its processes, so delete (or a failed
// create) takes them down; runc leaves them behind.
import { readFileSync, realpathSync } from 'node:fs';
import type { Spec } from '../spec/config.js';
import { libc, MNT_DETACH } from '../linux/libc.js';

export function sharesHostMountNs(spec: Spec): boolean {
  return !(spec.linux?.namespaces ?? []).some((n) => n.type === 'mount');
}

/** Mount points strictly below root (never root itself: containerd mounts the rootfs there), deepest first. */
export function mountsUnder(mountinfo: string, root: string): string[] {
  const prefix = root.endsWith('/') ? root : `${root}/`;
  const points = mountinfo
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => unescapeMountinfo(l.split(' ')[4] ?? ''))
    .filter((p) => p.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.split('/').length - a.split('/').length || b.localeCompare(a));
}

/** Lazily unmounts every mount below rootfs; errors are ignored (a mount may already be gone). */
export function unmountUnder(rootfs: string): void {
  let root: string;
  try {
    root = realpathSync(rootfs);
  } catch {
    return;
  }
  // a stacked mount needs one umount per layer: repeat while something is left
  for (let round = 0; round < 8; round++) {
    const points = mountsUnder(readFileSync('/proc/self/mountinfo', 'utf8'), root);
    if (points.length === 0) return;
    let progress = false;
    for (const p of points) if (libc().umount2(p, MNT_DETACH) === 0) progress = true;
    if (!progress) return;
  }
}

/** mountinfo writes space, tab, newline and backslash as \ooo octal. */
function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
