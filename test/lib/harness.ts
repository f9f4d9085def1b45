// A user's session with tsrunc, for integration tests: a private --root,
// unique container ids, bundles over the busybox rootfs, and cleanup that
// runs even when a test fails.
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, cpSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig } from '../../src/spec/default-config.js';
import type { Spec } from '../../src/spec/config.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The binary under test: TSRUNC_BIN (test/run.mjs sets it: dist/tsrunc, or bin/tsrunc for the Node build). */
export const TSRUNC = process.env.TSRUNC_BIN ? resolve(process.env.TSRUNC_BIN) : join(REPO, 'bin/tsrunc');
/** True for dist/tsrunc (or a copy of it), false for the Node build. */
export const SELF_CONTAINED = !TSRUNC.endsWith('bin/tsrunc');
/** The file a container must never be able to change: the self-contained binary carries the stub inside. */
export const STUB_FILE = SELF_CONTAINED ? TSRUNC : join(REPO, 'nsexec/build/tsrunc-nsexec');
export const ROOTFS = join(REPO, 'bundles/busybox/rootfs');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let counter = 0;
export function uniqueId(prefix = 't'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 7)}`;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export class Session {
  readonly root: string;
  readonly tmp: string;
  private bundles: string[] = [];

  constructor() {
    this.tmp = mkdtempSync('/tmp/tsrunc-test-');
    this.root = join(this.tmp, 'root');
  }

  /** Runs tsrunc with --root; output goes through files so a container holding stdio open cannot hang us. */
  tsrunc(args: string[], opts: { input?: string; cwd?: string; timeoutMs?: number; globals?: string[] } = {}): Result {
    const out = join(this.tmp, `out-${counter}-${Date.now()}`);
    const err = `${out}.err`;
    const fo = openSync(out, 'w');
    const fe = openSync(err, 'w');
    let inFile: number | 'ignore' = 'ignore';
    if (opts.input !== undefined) {
      writeFileSync(`${out}.in`, opts.input);
      inFile = openSync(`${out}.in`, 'r');
    }
    const r = spawnSync(TSRUNC, ['--root', this.root, ...(opts.globals ?? []), ...args], {
      stdio: [inFile, fo, fe],
      cwd: opts.cwd,
      timeout: opts.timeoutMs ?? 60_000,
    });
    closeSync(fo);
    closeSync(fe);
    if (typeof inFile === 'number') closeSync(inFile);
    const res = { code: r.status ?? 128 + (r.signal ? 9 : 0), stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
    rmSync(out, { force: true });
    rmSync(err, { force: true });
    rmSync(`${out}.in`, { force: true });
    return res;
  }

  /** Like tsrunc() but throws with stderr when the command fails. */
  ok(args: string[], opts: { input?: string; cwd?: string; globals?: string[] } = {}): string {
    const r = this.tsrunc(args, opts);
    if (r.code !== 0) throw new Error(`tsrunc ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  state(id: string): { status: string; pid: number; id: string; bundle: string; rootfs: string; created: string; ociVersion: string; annotations?: Record<string, string> } {
    return JSON.parse(this.ok(['state', id]));
  }

  /** A bundle whose config is the default one with terminal off, mutated by the test. */
  bundle(mutate: (spec: Spec) => void = () => {}): string {
    const dir = mkdtempSync(join(this.tmp, 'bundle-'));
    const spec = defaultConfig({ rootless: false }) as Spec;
    spec.root = { path: ROOTFS, readonly: true };
    spec.process!.terminal = false;
    mutate(spec);
    const userns = (spec.linux?.namespaces ?? []).some((n) => n.type === 'user');
    if (userns && spec.root.path === ROOTFS) spec.root.path = rootfsForUserNamespace();
    writeFileSync(join(dir, 'config.json'), JSON.stringify(spec, null, 2));
    this.bundles.push(dir);
    return dir;
  }

  /** `run` a one-shot container and return what it printed. */
  runOnce(mutate: (spec: Spec) => void, args?: string[]): Result {
    const bundle = this.bundle((s) => {
      if (args) s.process!.args = args;
      mutate(s);
    });
    return this.tsrunc(['run', '--bundle', bundle, uniqueId('run')]);
  }

  containers(): string[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root);
  }

  cleanup(): void {
    for (const id of this.containers()) this.tsrunc(['delete', '--force', id]);
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/**
 * Runs tsrunc with real pipes as stdio, as an engine gives them (Node's
 * 'pipe' stdio are socketpairs, which /dev/stdin cannot reopen): stdin gets
 * input; returns the sorted lines of stdout and of stderr (prefixed "E:").
 */
export function withPipes(args: string[], input: string): { code: number | null; lines: string[] } {
  const q = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const cmd = `( printf %s ${q(input)} | ${[TSRUNC, ...args].map(q).join(' ')} 2>&1 1>&3 | sed 's/^/E:/' ) 3>&1 | cat`;
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, lines: r.stdout.split('\n').filter((l) => l !== '').sort() };
}

/** True when every directory above path lets others search it (o+x). */
export function searchableByOthers(path: string): boolean {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === '/') return true;
  }
}

let rootfsCopy: string | undefined;

/**
 * The rootfs for a container with a user namespace. Its mapped root is not the
 * host's root and must be able to reach the rootfs, as with runc; a checkout
 * under a 0700 directory (a `mktemp -d` clone) it cannot reach gets a copy
 * under /tmp, made once per test process and removed when it exits.
 */
function rootfsForUserNamespace(): string {
  if (searchableByOthers(ROOTFS)) return ROOTFS;
  if (!rootfsCopy) {
    const dir = mkdtempSync('/tmp/tsrunc-test-rootfs-');
    chmodSync(dir, 0o755);
    rootfsCopy = join(dir, 'rootfs');
    cpSync(ROOTFS, rootfsCopy, { recursive: true, verbatimSymlinks: true });
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return rootfsCopy;
}

/** Mount points under a path, as /proc/self/mountinfo lists them. */
export function mountsUnder(path: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m) => m && m.startsWith(path));
}

/** Cgroup directories named like the container, in every hierarchy. */
export function cgroupDirsFor(id: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 4) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = join(dir, e.name);
      if (e.name.includes(id)) found.push(p);
      else walk(p, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return found;
}

/** Processes whose command line mentions a string (to find stray inits). */
export function processesMentioning(s: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(s)) pids.push(Number(p));
    } catch {
      // exited
    }
  }
  return pids;
}
