// Writing a new user namespace's uid_map/gid_map. Root writes them directly. A user
// may write directly only one line that maps their own euid (egid, after writing
// "deny" to setgroups, as the kernel requires); anything else — ranges from
// /etc/subuid, /etc/subgid — goes through the setuid helpers newuidmap/newgidmap,
// as runc does.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError, describeSystemError } from '../errors.js';
import type { IdMapping } from '../plan/types.js';
import { isOwnIdOnly } from '../spec/rootless-check.js';

export type MapWrite = { how: 'direct' } | { how: 'tool'; tool: string };

export interface IdMapWriter {
  uid: MapWrite;
  gid: MapWrite;
  /** "deny" goes to /proc/<pid>/setgroups before gid_map is written directly by a user. */
  denySetgroups: boolean;
}

export interface Caller {
  euid: number;
  egid: number;
}

/** Finds an executable in PATH (undefined when none). */
export type LookPath = (name: string) => string | undefined;

/**
 * How each map gets written. Throws a UserError naming the field when a helper is
 * needed but not in PATH, so the container fails before anything is made.
 */
export function chooseMapWriter(uidMaps: readonly IdMapping[], gidMaps: readonly IdMapping[], caller: Caller, lookPath: LookPath): IdMapWriter {
  if (caller.euid === 0) return { uid: { how: 'direct' }, gid: { how: 'direct' }, denySetgroups: false };
  const pick = (maps: readonly IdMapping[], own: number, tool: string, field: string): MapWrite => {
    if (isOwnIdOnly(maps, own)) return { how: 'direct' };
    const path = lookPath(tool);
    if (!path) {
      throw new UserError(
        `config.json: /linux/${field}: mapping more than your own id (${own}) needs ${tool} (Debian/Ubuntu package uidmap, with ranges for you in /etc/sub${field.startsWith('uid') ? 'uid' : 'gid'}), but it is not in PATH`,
      );
    }
    return { how: 'tool', tool: path };
  };
  const uid = pick(uidMaps, caller.euid, 'newuidmap', 'uidMappings');
  const gid = pick(gidMaps, caller.egid, 'newgidmap', 'gidMappings');
  return { uid, gid, denySetgroups: gid.how === 'direct' };
}

/** PATH lookup of an executable, as exec.LookPath. */
export function lookPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** newuidmap's arguments: the pid, then "inside outside count" of each mapping. */
export function toolArgs(pid: number, maps: readonly IdMapping[]): string[] {
  return [String(pid), ...maps.flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)])];
}

function mapText(maps: readonly IdMapping[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

function writeMap(pid: number, file: 'uid_map' | 'gid_map', maps: readonly IdMapping[], how: MapWrite): void {
  if (how.how === 'direct') {
    try {
      writeFileSync(`/proc/${pid}/${file}`, mapText(maps));
    } catch (err) {
      throw new UserError(describeSystemError(`write id mappings: /proc/${pid}/${file}`, err));
    }
    return;
  }
  const r = spawnSync(how.tool, toolArgs(pid, maps), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new UserError(describeSystemError(`write id mappings: ${how.tool}`, r.error));
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout).trim() || `exit status ${r.status ?? r.signal}`;
    throw new UserError(`write id mappings: ${how.tool} ${toolArgs(pid, maps).join(' ')}: ${why}`);
  }
}

/** Writes both maps of the user namespace of pid. */
export function writeIdMaps(pid: number, uidMaps: readonly IdMapping[], gidMaps: readonly IdMapping[], writer: IdMapWriter): void {
  writeMap(pid, 'uid_map', uidMaps, writer.uid);
  if (writer.denySetgroups) {
    try {
      writeFileSync(`/proc/${pid}/setgroups`, 'deny');
    } catch (err) {
      throw new UserError(describeSystemError(`write id mappings: /proc/${pid}/setgroups`, err));
    }
  }
  writeMap(pid, 'gid_map', gidMaps, writer.gid);
}
