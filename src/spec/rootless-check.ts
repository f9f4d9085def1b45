// What a config must hold to be run by a non-root user (runc's validate/rootless.go,
// plus the checks that make its failures readable before anything is created):
// a user namespace, mappings that contain the caller's own ids, and only mapped
// ids where the config names one.
import type { LinuxIDMapping, Spec } from './config.js';

export interface CallerIds {
  euid: number;
  egid: number;
}

function mapsContainer(id: number, maps: readonly LinuxIDMapping[]): boolean {
  return maps.some((m) => id >= m.containerID && id - m.containerID < m.size);
}

function mapsHost(id: number, maps: readonly LinuxIDMapping[]): boolean {
  return maps.some((m) => id >= m.hostID && id - m.hostID < m.size);
}

/** One id mapped to the caller's own: written without newuidmap/newgidmap (for gids, setgroups is denied then). */
export function isOwnIdOnly(maps: readonly Pick<LinuxIDMapping, 'hostID' | 'size'>[], own: number): boolean {
  return maps.length === 1 && maps[0].size === 1 && maps[0].hostID === own;
}

/**
 * The first problem as "config.json: <pointer>: <message>", or undefined when a caller
 * that is not root can run the config.
 */
export function rootlessProblem(spec: Spec, ids: CallerIds): string | undefined {
  const who = `tsrunc runs as uid ${ids.euid}, not root`;
  const userns = (spec.linux?.namespaces ?? []).find((n) => n.type === 'user');
  if (!userns) {
    return `config.json: /linux/namespaces: ${who}: a rootless container needs a user namespace (add {"type": "user"} and uid/gid mappings, as \`tsrunc spec --rootless\` writes)`;
  }
  // joining an existing user namespace: its mappings are already written
  if (userns.path) return undefined;
  const uids = spec.linux?.uidMappings ?? [];
  const gids = spec.linux?.gidMappings ?? [];
  if (uids.length === 0) return `config.json: /linux/uidMappings: ${who}: a rootless container needs at least one uid mapping`;
  if (gids.length === 0) return `config.json: /linux/gidMappings: ${who}: a rootless container needs at least one gid mapping`;
  if (!mapsHost(ids.euid, uids)) {
    return `config.json: /linux/uidMappings: ${who}: must map your own uid ${ids.euid} (no entry has hostID <= ${ids.euid} < hostID + size)`;
  }
  if (!mapsHost(ids.egid, gids)) {
    return `config.json: /linux/gidMappings: ${who}: must map your own gid ${ids.egid} (no entry has hostID <= ${ids.egid} < hostID + size)`;
  }
  const mounts = spec.mounts ?? [];
  for (const [i, m] of mounts.entries()) {
    for (const [j, opt] of (m.options ?? []).entries()) {
      const idOpt = /^(uid|gid)=(\d+)$/.exec(opt);
      if (!idOpt) continue;
      const id = Number(idOpt[2]);
      const [maps, field] = idOpt[1] === 'uid' ? [uids, 'uidMappings'] : [gids, 'gidMappings'];
      if (!mapsContainer(id, maps)) {
        return `config.json: /mounts/${i}/options/${j}: ${opt} names an id that /linux/${field} does not map (a rootless container can use only mapped ids)`;
      }
    }
  }
  const user = spec.process?.user;
  if (user) {
    if (!mapsContainer(user.uid, uids)) return `config.json: /process/user/uid: ${user.uid} is not mapped by /linux/uidMappings`;
    if (!mapsContainer(user.gid, gids)) return `config.json: /process/user/gid: ${user.gid} is not mapped by /linux/gidMappings`;
    const extra = user.additionalGids ?? [];
    if (extra.length && isOwnIdOnly(gids, ids.egid)) {
      return 'config.json: /process/user/additionalGids: cannot be set when /linux/gidMappings maps only your own gid (setgroups is then denied in the user namespace); map a range from /etc/subgid instead';
    }
    const unmapped = extra.findIndex((g) => !mapsContainer(g, gids));
    if (unmapped >= 0) return `config.json: /process/user/additionalGids/${unmapped}: ${extra[unmapped]} is not mapped by /linux/gidMappings`;
  }
  return undefined;
}
