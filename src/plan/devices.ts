// /dev contents: default device nodes, linux.devices, /dev/ptmx and the
// /proc/self/fd symlinks, as runc sets them up.
import path from 'node:path';
import type { LinuxDevice } from '../spec/config.js';
import { configError } from './config-error.js';
import type { PlanDevice } from './types.js';

const S_IFMT = 0o170000;

/** Devices every container gets (runtime-spec "Default Devices"), in runc's order. */
export const DEFAULT_DEVICES: readonly Omit<PlanDevice, 'how'>[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, mode: 0o666, uid: 0, gid: 0 },
];

/**
 * Device nodes in creation order. A config device replaces the default one at
 * the same path. /dev/ptmx is never a node: it becomes a symlink to pts/ptmx.
 * `how` is 'bind' whenever the container has a user namespace (new or joined),
 * where mknod is not allowed. `mode` holds permission bits only; the stub adds
 * the S_IF* bits from `type`.
 */
export function compileDevices(devices: readonly LinuxDevice[] | undefined, how: PlanDevice['how']): PlanDevice[] {
  const configured = (devices ?? []).map((d, i): PlanDevice => {
    if (d.type !== 'c' && d.type !== 'b' && d.type !== 'p' && d.type !== 'u') {
      throw configError(`/linux/devices/${i}/type`, `invalid device type "${d.type}"`);
    }
    if (d.type !== 'p' && (d.major === undefined || d.minor === undefined)) {
      throw configError(`/linux/devices/${i}`, `major and minor are required for device type "${d.type}"`);
    }
    return {
      path: cleanDevicePath(d.path),
      type: d.type === 'u' ? 'c' : d.type, // unbuffered and buffered char devices are the same node
      major: d.major ?? 0,
      minor: d.minor ?? 0,
      mode: d.fileMode === undefined ? 0o666 : d.fileMode & ~S_IFMT,
      uid: d.uid ?? 0,
      gid: d.gid ?? 0,
      how,
    };
  });
  const configuredPaths = new Set(configured.map((d) => d.path));
  const defaults = DEFAULT_DEVICES.filter((d) => !configuredPaths.has(d.path)).map((d) => ({ ...d, how }));
  return [...defaults, ...configured].filter((d) => d.path !== '/dev/ptmx');
}

/** Symlinks created after the device nodes, /dev/ptmx first. */
export function devSymlinks(procKcore: boolean): { target: string; linkpath: string }[] {
  const links = [
    { target: 'pts/ptmx', linkpath: '/dev/ptmx' },
    { target: '/proc/self/fd', linkpath: '/dev/fd' },
    { target: '/proc/self/fd/0', linkpath: '/dev/stdin' },
    { target: '/proc/self/fd/1', linkpath: '/dev/stdout' },
    { target: '/proc/self/fd/2', linkpath: '/dev/stderr' },
  ];
  // Only when the kernel has CONFIG_PROC_KCORE, like runc.
  if (procKcore) links.push({ target: '/proc/kcore', linkpath: '/dev/core' });
  return links;
}

/** Lexically cleaned, relative to the container's / (like runc's CleanPath). */
function cleanDevicePath(p: string): string {
  return path.posix.resolve('/', p);
}
