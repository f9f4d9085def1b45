// tsrunc run by a real unprivileged user, for the rootless tests (host and guest):
// a system account `tsrunc-rootless` with ranges in /etc/subuid and /etc/subgid,
// and a session whose commands run as that user through setpriv, with its own
// $XDG_RUNTIME_DIR (so the default --root is runc's rootless one).
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, copyFileSync, cpSync, statSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, appendFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultConfig } from '../../src/spec/default-config.js';
import type { Spec } from '../../src/spec/config.js';
import { REPO, ROOTFS, SELF_CONTAINED, STUB_FILE, TSRUNC, searchableByOthers, uniqueId, type Result } from './harness.js';

export const TEST_USER = 'tsrunc-rootless';
/** Far above the ids Debian hands out (100000 + 65536 per user), so no range overlaps. */
const SUBID_START = 1_100_000;
const SUBID_COUNT = 65536;

export interface IdRange {
  start: number;
  count: number;
}

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  subuid: IdRange;
  subgid: IdRange;
}

function passwdEntry(name: string): { uid: number; gid: number } | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

function subRange(file: string, name: string): IdRange | undefined {
  if (!existsSync(file)) return undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return { start: Number(f[1]), count: Number(f[2]) };
  }
  return undefined;
}

/**
 * The test user, made when missing: a system account (no home, no login shell) and
 * its subordinate id ranges. It stays, like an installed package: a fixture of the
 * machine that every run reuses. Returns why not when it cannot be made.
 */
export function ensureTestUser(): TestUser | string {
  if (!passwdEntry(TEST_USER)) {
    const r = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', TEST_USER], { encoding: 'utf8' });
    if (r.status !== 0) return `useradd ${TEST_USER} failed: ${(r.stderr || r.error?.message || '').trim()}`;
  }
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    if (!subRange(file, TEST_USER)) appendFileSync(file, `${TEST_USER}:${SUBID_START}:${SUBID_COUNT}\n`);
  }
  const ids = passwdEntry(TEST_USER)!;
  return { name: TEST_USER, ...ids, subuid: subRange('/etc/subuid', TEST_USER)!, subgid: subRange('/etc/subgid', TEST_USER)! };
}

/** Whether a user other than root can execute path (o+rx on it, o+x on every directory above). */
function executableByOthers(path: string): boolean {
  return searchableByOthers(path) && (statSync(path).mode & 0o005) === 0o005;
}

/** What the Node build needs at run time: bin/tsrunc runs dist/bundle, which loads these. */
const NODE_BUILD_PARTS = ['package.json', 'bin', 'dist/bundle', 'nsexec/build', 'node_modules/koffi', 'node_modules/@koromix', 'node_modules/ajv'];

/**
 * The binary the user runs, and the stub file it starts (what a container must never
 * change): TSRUNC itself when the user can reach it; otherwise, in a checkout under a
 * 0700 directory (a `mktemp -d` clone), a copy in tmp, of the self-contained binary or
 * of the parts of the Node build.
 */
function binaryFor(tmp: string): { bin: string; stub: string } {
  if (executableByOthers(TSRUNC)) return { bin: TSRUNC, stub: STUB_FILE };
  if (SELF_CONTAINED) {
    const copy = join(tmp, 'bin', 'tsrunc');
    mkdirSync(join(tmp, 'bin'), { mode: 0o755 });
    copyFileSync(TSRUNC, copy);
    chmodSync(copy, 0o755);
    return { bin: copy, stub: copy };
  }
  const checkout = join(tmp, 'node-build');
  for (const part of NODE_BUILD_PARTS) cpSync(join(REPO, part), join(checkout, part), { recursive: true, verbatimSymlinks: true });
  for (let dir = checkout; dir !== tmp; dir = dirname(dir)) chmodSync(dir, 0o755);
  return { bin: join(checkout, 'bin', 'tsrunc'), stub: join(checkout, 'nsexec', 'build', 'tsrunc-nsexec') };
}

/** Why the rootless tests cannot run here, or undefined when they can. */
export function rootlessUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the tests must run as root (they switch to an unprivileged user)';
  const r = spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', 'unshare', '-Ur', 'true'], { encoding: 'utf8' });
  if (r.status !== 0) return `this kernel does not let an unprivileged user create a user namespace: ${(r.stderr || r.error?.message || '').trim()}`;
  return undefined;
}

export interface RunAs {
  /** Variables to add to (or, undefined, remove from) the user's environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  /** A cgroup directory the command joins before it becomes the user. */
  cgroup?: string;
}

export class RootlessSession {
  readonly tmp: string;
  /** $XDG_RUNTIME_DIR of the user's commands. */
  readonly xdg: string;
  /** The default --root under it: where tsrunc keeps the user's containers. */
  readonly root: string;
  readonly bin: string;
  /** The stub's file: the binary itself (self-contained) or nsexec's build beside the Node build. */
  readonly stubFile: string;
  /** A copy of the busybox rootfs that the user owns. */
  readonly rootfs: string;
  /** In the environment of every process this session starts: how its leftovers are told from another run's. */
  readonly marker: string;

  constructor(readonly user: TestUser) {
    this.tmp = mkdtempSync('/tmp/tsrunc-rootless-');
    this.marker = `TSRUNC_TEST_SESSION=${this.tmp}`;
    chmodSync(this.tmp, 0o755);
    ({ bin: this.bin, stub: this.stubFile } = binaryFor(this.tmp));
    chownSync(this.tmp, user.uid, user.gid);
    this.xdg = join(this.tmp, 'xdg');
    mkdirSync(this.xdg, { mode: 0o700 });
    chownSync(this.xdg, user.uid, user.gid);
    this.root = join(this.xdg, 'tsrunc');
    // a rootless user's rootfs is their own (as podman's storage): its root, the user, can
    // make mount points in it
    this.rootfs = join(this.tmp, 'rootfs');
    cpSync(ROOTFS, this.rootfs, { recursive: true, verbatimSymlinks: true });
    const chown = spawnSync('chown', ['-R', '--no-dereference', `${user.uid}:${user.gid}`, this.rootfs], { encoding: 'utf8' });
    if (chown.status !== 0) throw new Error(`chown ${this.rootfs}: ${chown.stderr}`);
  }

  /** The environment of the user's commands (a login would give about the same). */
  env(extra: Record<string, string | undefined> = {}): Record<string, string> {
    const env: Record<string, string | undefined> = {
      PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
      HOME: this.tmp,
      USER: this.user.name,
      LOGNAME: this.user.name,
      XDG_RUNTIME_DIR: this.xdg,
      TSRUNC_TEST_SESSION: this.tmp,
      ...extra,
    };
    return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  }

  /** Any command as the user; output through files, as Session.tsrunc. */
  as(argv: string[], opts: RunAs = {}): Result {
    const out = join(this.tmp, `out-${uniqueId('o')}`);
    const fo = openSync(out, 'w');
    const fe = openSync(`${out}.err`, 'w');
    const envArgs = Object.entries(this.env(opts.env)).map(([k, v]) => `${k}=${v}`);
    const setpriv = ['setpriv', '--reuid', String(this.user.uid), '--regid', String(this.user.gid), '--clear-groups', '--', 'env', '-i', ...envArgs, ...argv];
    // joining a cgroup first (as root): where a delegated cgroup's user would run
    const cmd = opts.cgroup ? ['sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', opts.cgroup, ...setpriv] : setpriv;
    const r = spawnSync(cmd[0], cmd.slice(1), { stdio: ['ignore', fo, fe], cwd: opts.cwd ?? this.tmp, timeout: opts.timeoutMs ?? 60_000 });
    closeSync(fo);
    closeSync(fe);
    const res = { code: r.status ?? 128 + (r.signal ? 9 : 0), stdout: readFileSync(out, 'utf8'), stderr: readFileSync(`${out}.err`, 'utf8') };
    rmSync(out, { force: true });
    rmSync(`${out}.err`, { force: true });
    return res;
  }

  /** tsrunc as the user, with the default --root (from $XDG_RUNTIME_DIR). */
  tsrunc(args: string[], opts: RunAs = {}): Result {
    return this.as([this.bin, ...args], opts);
  }

  ok(args: string[], opts: RunAs = {}): string {
    const r = this.tsrunc(args, opts);
    if (r.code !== 0) throw new Error(`tsrunc ${args.join(' ')} (as ${this.user.name}) exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  state(id: string): { status: string; pid: number } {
    return JSON.parse(this.ok(['state', id]));
  }

  /** A directory the user owns, for a bind mount the container writes to. */
  dir(name: string): string {
    const d = join(this.tmp, `${name}-${uniqueId('d')}`);
    mkdirSync(d, { mode: 0o755 });
    chownSync(d, this.user.uid, this.user.gid);
    return d;
  }

  /**
   * A bundle with `spec --rootless`'s config for this user (its own uid and gid mapped
   * to root) over the user's rootfs, owned by the user, mutated by the test.
   */
  bundle(mutate: (spec: Spec) => void = () => {}): string {
    const dir = this.dir('bundle');
    const spec = defaultConfig({ rootless: true, hostUid: this.user.uid, hostGid: this.user.gid }) as Spec;
    spec.root = { path: this.rootfs, readonly: true };
    spec.process!.terminal = false;
    spec.process!.env = [...(spec.process!.env ?? []), this.marker];
    mutate(spec);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(spec, null, 2));
    chownSync(join(dir, 'config.json'), this.user.uid, this.user.gid);
    return dir;
  }

  containers(): string[] {
    return existsSync(this.root) ? readdirSync(this.root) : [];
  }

  cleanup(): void {
    for (const id of this.containers()) this.tsrunc(['delete', '--force', id]);
    rmSync(this.tmp, { recursive: true, force: true });
  }
}
