// Where the systemd driver puts a container (runc's rules, libcontainer/cgroups/systemd):
// cgroupsPath "slice:prefix:name" → the scope unit "<prefix>-<name>.scope" in <slice>
// (default system.slice, user.slice for a user's instance); no cgroupsPath → "tsrunc-<id>.scope" there.
// A slice "a-b.slice" lives at /a.slice/a-b.slice in the cgroup tree.
import { posix } from 'node:path';
import { UserError } from '../../errors.js';

export interface SystemdUnit {
  slice: string;
  /** The scope unit's name. */
  unit: string;
  /** Its cgroup, relative to the cgroup2 mount ("/system.slice/tsrunc-x.scope"). */
  path: string;
  /** "slice:prefix:name" as used (defaults filled in): what state.json keeps as cgroupsPath. */
  cgroupsPath: string;
}

const FIELD = 'config.json: /linux/cgroupsPath';

export function systemdUnit(cgroupsPath: string | undefined, id: string, defaultSlice = 'system.slice'): SystemdUnit {
  let slice = defaultSlice;
  let prefix = 'tsrunc';
  let name = id;
  if (cgroupsPath) {
    const parts = cgroupsPath.split(':');
    if (parts.length !== 3) throw new UserError(`${FIELD}: ${JSON.stringify(cgroupsPath)} must be slice:prefix:name for the systemd cgroup driver`);
    [slice, prefix, name] = [parts[0] || slice, parts[1], parts[2]];
  }
  if (!name) throw new UserError(`${FIELD}: ${JSON.stringify(cgroupsPath)}: the name part must not be empty`);
  if (name.endsWith('.slice')) throw new UserError(`${FIELD}: ${JSON.stringify(cgroupsPath)}: a container in a slice unit of its own is not supported; name a scope`);
  if (/[/\s]/.test(prefix + name)) throw new UserError(`${FIELD}: ${JSON.stringify(cgroupsPath)}: prefix and name must not contain "/" or spaces`);
  const unit = prefix ? `${prefix}-${name}.scope` : `${name}.scope`;
  return { slice, unit, path: posix.join(expandSlice(slice), unit), cgroupsPath: `${slice}:${prefix}:${name}` };
}

/** "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" (the root slice) → "/". */
export function expandSlice(slice: string): string {
  const bad = () => new UserError(`${FIELD}: invalid slice name ${JSON.stringify(slice)}`);
  if (!slice.endsWith('.slice') || slice.length <= '.slice'.length || slice.includes('/')) throw bad();
  const stem = slice.slice(0, -'.slice'.length);
  if (stem === '-') return '/';
  let path = '';
  let prefix = '';
  for (const part of stem.split('-')) {
    if (part === '') throw bad(); // "-a.slice", "a--b.slice"
    path += `/${prefix}${part}.slice`;
    prefix += `${part}-`;
  }
  return path;
}
