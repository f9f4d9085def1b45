// spec.mounts → MOUNT records.
import path from 'node:path';
import type { Mount } from '../spec/config.js';
import { configError } from './config-error.js';
import { MS_BIND, MS_RDONLY, parseMountOptions } from './mount-options.js';
import { compileIdmap, type UsernsMappings } from './idmap-mounts.js';
import type { PlanMount } from './types.js';

/**
 * One mount. Bind mounts (options bind/rbind, or type "bind") get fstype
 * "bind" and a source resolved against the bundle; runc refuses filesystem
 * data on them because the kernel would silently ignore it. A relative
 * destination is taken relative to "/" (deprecated; runc warns).
 * cgroup mounts keep fstype "cgroup": the stub picks v1 or v2 on the host.
 */
export function compileMount(m: Mount, index: number, bundle: string, warn: (msg: string) => void, userns?: UsernsMappings): PlanMount {
  const ptr = `/mounts/${index}`;
  for (const field of ['destination', 'source', 'type'] as const) {
    if (m[field]?.includes('\0')) throw configError(`${ptr}/${field}`, 'contains a null byte');
  }
  if (!m.destination.startsWith('/')) {
    warn(`mount destination ${m.destination} is not absolute: taken as relative to /`);
  }
  const destination = path.posix.resolve('/', m.destination);
  if (destination === '/') throw configError(`${ptr}/destination`, 'cannot mount over the container\'s root');

  const opts = parseMountOptions(m.options ?? [], (i, msg) => {
    throw configError(`${ptr}/options/${i}`, `${msg}: "${(m.options ?? [])[i]}"`);
  });
  let { flags } = opts;
  if (m.type === 'bind') flags |= MS_BIND;
  const idmap = compileIdmap(m, ptr, opts.idmap, (flags & MS_BIND) !== 0, userns);

  if (flags & MS_BIND) {
    // The kernel ignores data on a bind mount; runc 1.1 passes it along, so accept it.
    if (opts.data !== '') warn(`${ptr}/options: ignoring filesystem options on a bind mount: "${opts.data}"`);
    return {
      source: path.resolve(bundle, m.source ?? ''),
      destination,
      fstype: 'bind',
      flags,
      propagation: opts.propagation,
      data: '',
      attrSet: opts.attrSet,
      attrClr: opts.attrClr,
      ...(idmap ? { idmap } : {}),
    };
  }
  if (!m.type) throw configError(`${ptr}/type`, 'required for a mount that is not a bind mount');
  // As runc: /dev and tmpfs mounts are filled in (mount points, devices, modes)
  // after they are mounted, so "ro" is applied only after pivot.
  const readonlyLast = (m.type === 'tmpfs' || destination === '/dev') && (flags & MS_RDONLY) !== 0;
  if (readonlyLast) flags &= ~MS_RDONLY;
  return {
    ...(readonlyLast ? { readonlyLast } : {}),
    source: m.source ?? '',
    destination,
    fstype: m.type,
    flags,
    propagation: opts.propagation,
    data: opts.data,
    attrSet: opts.attrSet,
    attrClr: opts.attrClr,
  };
}
