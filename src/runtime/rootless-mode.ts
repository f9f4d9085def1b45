// Rootless mode: which cgroup manager (--rootless true|false|auto) and which default
// --root, by runc's rules (rootless_linux.go, main.go). The rules are pure functions
// of HostFacts so they can be unit-tested; hostFacts() reads the real ones.
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { UserError, describeSystemError } from '../errors.js';

export interface HostFacts {
  euid: number;
  /** $XDG_RUNTIME_DIR ('' or undefined when unset). */
  xdgRuntimeDir?: string;
  /** $USER (undefined when unset). */
  user?: string;
  /** Whether we run inside a user namespace (not the initial one); asked only when euid is 0. */
  inUserNs: () => boolean;
}

export const ROOT_DEFAULT = '/run/tsrunc';

/** runc's parseBoolOrAuto: undefined stands for auto. */
export function parseRootlessFlag(value: string): boolean | undefined {
  if (value === '' || value === 'auto') return undefined;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new UserError(`--rootless: must be true, false or auto, not ${JSON.stringify(value)}`);
}

/**
 * Whether cgroup permission problems are forgiven (runc's rootless cgroup manager).
 * auto: any non-root euid; root in the initial user namespace is not rootless; root
 * inside a user namespace is (with cgroupfs runc cannot know whether the cgroup is
 * writable; with --systemd-cgroup runc asks the user bus for its owner, which needs a
 * systemd user instance: tsrunc treats it as rootful, runc's fallback on error).
 */
export function rootlessCgroups(flag: string, facts: HostFacts, systemdCgroup: boolean): boolean {
  const b = parseRootlessFlag(flag);
  if (b !== undefined) return b;
  if (facts.euid !== 0) return true;
  if (!facts.inUserNs()) return false;
  return !systemdCgroup;
}

/** runc's shouldHonorXDGRuntimeDir. */
function honorsXdgRuntimeDir(facts: HostFacts): boolean {
  if (!facts.xdgRuntimeDir) return false;
  if (facts.euid !== 0) return true;
  // real root keeps /run/tsrunc even when XDG_RUNTIME_DIR is /run/user/0
  if (!facts.inUserNs()) return false;
  return facts.user !== 'root';
}

/** The --root default: $XDG_RUNTIME_DIR/tsrunc for a non-root caller that has it, else /run/tsrunc. */
export function defaultRoot(facts: HostFacts): string {
  return honorsXdgRuntimeDir(facts) ? `${facts.xdgRuntimeDir!.replace(/\/+$/, '')}/tsrunc` : ROOT_DEFAULT;
}

/** True unless /proc/self/uid_map is the initial namespace's identity map. */
export function uidMapIsNested(uidMap: string): boolean {
  const f = uidMap.trim().split(/\s+/);
  return !(f.length === 3 && f[0] === '0' && f[1] === '0' && f[2] === '4294967295');
}

let inUserNsCache: boolean | undefined;

export function hostFacts(env: NodeJS.ProcessEnv = process.env): HostFacts {
  return {
    euid: process.geteuid?.() ?? 0,
    xdgRuntimeDir: env.XDG_RUNTIME_DIR,
    user: env.USER,
    inUserNs: () => {
      if (inUserNsCache === undefined) {
        try {
          inUserNsCache = uidMapIsNested(readFileSync('/proc/self/uid_map', 'utf8'));
        } catch {
          inUserNsCache = false; // no /proc: assume the initial namespace
        }
      }
      return inUserNsCache;
    },
  };
}

/**
 * As runc, the default root under $XDG_RUNTIME_DIR is made (0700) and given the sticky
 * bit, which tells the XDG cleaners not to prune it; an explicit --root is left alone.
 */
export function prepareXdgRoot(root: string, facts: HostFacts): void {
  if (!honorsXdgRuntimeDir(facts) || root !== defaultRoot(facts)) return;
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    chmodSync(root, 0o1700);
  } catch (err) {
    throw new UserError(describeSystemError(`state root ${root} (from $XDG_RUNTIME_DIR, which must be writable by you)`, err));
  }
}
