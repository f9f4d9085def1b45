// Id-mapped mounts (config.md "POSIX-platform Mounts": uidMappings,
// gidMappings and the idmap/ridmap options) → PlanMount.idmap, carried out by
// the stub with open_tree + mount_setattr(MOUNT_ATTR_IDMAP) (nsexec/idmap.c).
import type { LinuxIDMapping, Mount } from '../spec/config.js';
import { configError } from './config-error.js';
import type { IdMapping, PlanMount } from './types.js';

/** The container's own user namespace mappings, when it creates one. */
export interface UsernsMappings {
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
}

const copy = (ms: readonly LinuxIDMapping[]): IdMapping[] => ms.map((m) => ({ containerID: m.containerID, hostID: m.hostID, size: m.size }));

/**
 * Mappings alone count as `idmap` (runc); `idmap` alone takes the container's
 * user namespace mappings (spec: MAY), and without those it is an error (MUST).
 */
export function compileIdmap(m: Mount, ptr: string, option: 'idmap' | 'ridmap' | undefined, isBind: boolean, userns?: UsernsMappings): PlanMount['idmap'] {
  const given = m.uidMappings !== undefined || m.gidMappings !== undefined;
  if (!given && option === undefined) return undefined;
  if (!isBind) throw configError(ptr, 'id-mapped mounts are only supported for bind mounts');
  if (given) {
    if (!m.uidMappings?.length) throw configError(`${ptr}/uidMappings`, 'must be given, and not empty, with gidMappings');
    if (!m.gidMappings?.length) throw configError(`${ptr}/gidMappings`, 'must be given, and not empty, with uidMappings');
    return { recursive: option === 'ridmap', uidMappings: copy(m.uidMappings), gidMappings: copy(m.gidMappings) };
  }
  if (!userns?.uidMappings.length || !userns.gidMappings.length) {
    throw configError(`${ptr}/options`, `"${option}" needs uidMappings and gidMappings, or a new user namespace with mappings`);
  }
  return { recursive: option === 'ridmap', uidMappings: userns.uidMappings, gidMappings: userns.gidMappings };
}
