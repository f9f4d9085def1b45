// Helpers for the containerd / podman end-to-end tests: which runtime binary is
// under test, commands with timeouts, an offline busybox OCI image, and a private
// containerd daemon that is always torn down (tasks, mounts, shims, files).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, rmdirSync, statSync, writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file runs from dist/test/containerd/). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const ROOTFS = join(REPO, 'bundles/busybox/rootfs');

/** The runc-compatible binary under test, as an absolute path (ctr needs one). */
export const RUNTIME = process.env.TSRUNC_E2E_RUNTIME
  ? resolve(process.env.TSRUNC_E2E_RUNTIME)
  : process.env.TSRUNC_BIN
    ? resolve(process.env.TSRUNC_BIN)
    : join(REPO, 'bin/tsrunc');

/**
 * What the runtime's error for a missing executable must contain, as it reaches
 * the user through ctr (the shim relays the last "error" record of --log).
 */
export function missingExecutableError(runtime = RUNTIME): RegExp {
  return basename(runtime) === 'runc' ? /executable file not found/ : /not found/;
}

export function announceRuntime(suite: string): void {
  console.log(`# ${suite}: driving runtime ${RUNTIME}${process.env.TSRUNC_E2E_RUNTIME ? ' (TSRUNC_E2E_RUNTIME)' : ' (default)'}`);
}

/**
 * Runs fn when the test process ends, however it ends (a backstop for after-hooks
 * that never ran: a crash, SIGINT, SIGTERM). fn must be synchronous and idempotent.
 */
export function cleanupOnExit(fn: () => void): void {
  process.once('exit', fn);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1)));
  }
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
  /** True when the command was killed because it ran out of time. */
  timedOut: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Standard input (default: none). */
  input?: string;
}

let counter = 0;
/** A name no other run or test shares (container ids, namespaces, exec ids). */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 6)}`;
}

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs a command to completion with a hard timeout (SIGKILL). Output goes through
 * files, so a container or shim that inherits stdio cannot keep us waiting.
 */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Result {
  const scratch = mkdtempSync('/tmp/tsrunc-e2e-out-');
  const base = join(scratch, 'cmd');
  const fo = openSync(`${base}.out`, 'w');
  const fe = openSync(`${base}.err`, 'w');
  let fi: number | 'ignore' = 'ignore';
  if (opts.input !== undefined) {
    writeFileSync(`${base}.in`, opts.input);
    fi = openSync(`${base}.in`, 'r');
  }
  const r = spawnSync(cmd, args, {
    stdio: [fi, fo, fe],
    timeout: opts.timeoutMs ?? 60_000,
    killSignal: 'SIGKILL',
    env: opts.env ?? process.env,
  });
  closeSync(fo);
  closeSync(fe);
  if (typeof fi === 'number') closeSync(fi);
  const res: Result = {
    code: r.status ?? (r.signal ? 128 + 9 : 255),
    stdout: readFileSync(`${base}.out`, 'utf8'),
    stderr: readFileSync(`${base}.err`, 'utf8'),
    timedOut: r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT',
  };
  if (r.error && !res.timedOut) res.stderr += `\nspawn ${cmd}: ${r.error.message}`;
  rmSync(scratch, { recursive: true, force: true });
  return res;
}

export function describe(cmd: string, args: string[], r: Result): string {
  const how = r.timedOut ? 'timed out' : `exited ${r.code}`;
  return `${cmd} ${args.join(' ')} ${how}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

/** Runs a command under a pseudo-terminal (script(1)), for `ctr run -t`. */
export function runWithTty(cmdline: string[], opts: RunOptions = {}): Result {
  const quoted = cmdline.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // -e: script exits with the command's code; -f: flush output as it comes.
  return run('script', ['-qefc', quoted, '/dev/null'], opts);
}

/** Mount points at or below a path, deepest first (the order to unmount them). */
export function mountsUnder(path: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m && (m === path || m.startsWith(path + '/')))
    .sort((a, b) => b.length - a.length);
}

export function unmountAllUnder(path: string): void {
  for (let pass = 0; pass < 3; pass++) {
    const mounts = mountsUnder(path);
    if (!mounts.length) return;
    for (const m of mounts) run('umount', ['-l', m], { timeoutMs: 10_000 });
  }
}

/** Pids of processes whose command line contains a string (shims, conmon of this run). */
export function processesMentioning(s: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(s)) pids.push(Number(p));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** True while a pid names a process that has not exited (zombies count as exited). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function waitGone(pid: number, ms: number): boolean {
  const deadline = Date.now() + ms;
  while (alive(pid) && Date.now() < deadline) sleepMs(50);
  return !alive(pid);
}

/** SIGTERM, then SIGKILL after a grace period. */
export function terminate(pid: number, graceMs = 10_000): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (waitGone(pid, graceMs)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  waitGone(pid, 5_000);
}

/**
 * Existing cgroup directories at a relative path: /sys/fs/cgroup/<path> (cgroup v2)
 * and /sys/fs/cgroup/<hierarchy>/<path> (v1 and hybrid).
 */
export function cgroupDirsAt(path: string): string[] {
  const rel = path.replace(/^\/+/, '');
  const hierarchies = readdirSync('/sys/fs/cgroup', { withFileTypes: true }).filter((e) => e.isDirectory());
  return [join('/sys/fs/cgroup', rel), ...hierarchies.map((h) => join('/sys/fs/cgroup', h.name, rel))].filter((d) => existsSync(d));
}

/**
 * Removes the (empty) cgroup directories named after a containerd namespace or
 * podman run that the runtime left as parents of container cgroups.
 */
export function removeCgroupsNamed(name: string): void {
  const rmTree = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rmTree(join(dir, e.name));
    try {
      rmdirSync(dir);
    } catch {
      // still in use or already gone: leave it
    }
  };
  const hierarchies = readdirSync('/sys/fs/cgroup', { withFileTypes: true }).filter((e) => e.isDirectory());
  for (const h of hierarchies) {
    const dir = join('/sys/fs/cgroup', h.name, name);
    if (existsSync(dir)) rmTree(dir);
  }
}

// ---------------------------------------------------------------- image

export const IMAGE_TAG = 'latest';

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Stores a JSON document as a blob and returns its descriptor fields. */
function putJsonBlob(blobs: string, doc: unknown): { digest: string; size: number } {
  const bytes = Buffer.from(JSON.stringify(doc));
  const hex = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(join(blobs, hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

/** What an offline OCI image archive holds: one layer (a directory tarred as is) and its config. */
export interface OciImageSpec {
  /** Directory whose contents become the only layer. */
  rootfs: string;
  /** The image config's `config` object (Env, Cmd, Entrypoint, WorkingDir...). */
  config: Record<string, unknown>;
  /** File name of the archive written into the output directory. */
  archiveName: string;
}

/**
 * Writes an OCI image layout tarball of a directory into dir, offline: one
 * uncompressed layer, config, manifest, index.json (tag "latest") and oci-layout.
 */
export function buildOciArchive(dir: string, image: OciImageSpec): string {
  const layout = join(dir, `${image.archiveName}.layout`);
  const blobs = join(layout, 'blobs/sha256');
  mkdirSync(blobs, { recursive: true });

  const layerTmp = join(dir, `${image.archiveName}.layer`);
  const tarArgs = ['--numeric-owner', '--sort=name', '--exclude=./.tsrunc-rootfs-stamp', '-C', image.rootfs, '-cf', layerTmp, '.'];
  const t = run('tar', tarArgs, { timeoutMs: 120_000 });
  if (t.code !== 0) throw new Error(describe('tar', tarArgs, t));
  const layerHex = sha256File(layerTmp);
  const layerSize = statSync(layerTmp).size;
  const layerBlob = join(blobs, layerHex);
  writeFileSync(layerBlob, readFileSync(layerTmp));
  rmSync(layerTmp);

  const config = putJsonBlob(blobs, {
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-01T00:00:00Z',
    config: image.config,
    rootfs: { type: 'layers', diff_ids: [`sha256:${layerHex}`] },
    history: [{ created: '2024-01-01T00:00:00Z', created_by: `tsrunc e2e: tar of ${basename(image.rootfs)}` }],
  });
  const manifest = putJsonBlob(blobs, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerHex}`, size: layerSize }],
  });
  writeFileSync(join(layout, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...manifest,
      platform: { architecture: 'amd64', os: 'linux' },
      annotations: { 'org.opencontainers.image.ref.name': IMAGE_TAG },
    }],
  }));
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));

  const archive = join(dir, image.archiveName);
  const packArgs = ['--numeric-owner', '-C', layout, '-cf', archive, 'oci-layout', 'index.json', 'blobs'];
  const p = run('tar', packArgs, { timeoutMs: 120_000 });
  if (p.code !== 0) throw new Error(describe('tar', packArgs, p));
  rmSync(layout, { recursive: true, force: true });
  return archive;
}

/** The busybox rootfs (built first when missing). */
export function ensureRootfs(): string {
  if (!existsSync(join(ROOTFS, 'bin/busybox'))) {
    const r = run(join(REPO, 'scripts/make-rootfs.sh'), [ROOTFS], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(describe('make-rootfs.sh', [ROOTFS], r));
  }
  return ROOTFS;
}

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** An OCI image layout tarball of bundles/busybox/rootfs (command `sh`). */
export function buildBusyboxOciArchive(dir: string): string {
  return buildOciArchive(dir, {
    rootfs: ensureRootfs(),
    config: { Env: [DEFAULT_PATH], Cmd: ['sh'], WorkingDir: '/' },
    archiveName: 'busybox-oci.tar',
  });
}

// ---------------------------------------------------------------- containerd

export interface CtrRunFlags {
  /** Flags that make `ctr run` use the runtime under test with a private root. */
  runtime: string[];
}

export interface ContainerdOptions {
  /** Keep the CRI plugin (disabled by default). */
  cri?: boolean;
  /** Namespace of ctr commands (default: a unique one). */
  namespace?: string;
  /** Name of the cgroup parent to remove at stop (default: the namespace). */
  cgroupName?: string;
  /** More config.toml text, appended (plugin sections); may use the daemon's dir. */
  extraConfig?: (dir: string) => string[];
}

/**
 * A private containerd: own root, state, sockets and opt dir in a temp dir, CRI
 * disabled unless asked for. Never talks to the system instance.
 */
export class Containerd {
  readonly dir: string;
  readonly socket: string;
  readonly namespace: string;
  readonly runcRoot: string;
  readonly fifoDir: string;
  readonly image: string;
  private pid = 0;
  private stopped = false;

  constructor(private readonly opts: ContainerdOptions = {}) {
    this.dir = mkdtempSync('/tmp/tsrunc-e2e-containerd-');
    this.socket = join(this.dir, 'containerd.sock');
    this.namespace = opts.namespace ?? uniqueName('e2e');
    this.runcRoot = join(this.dir, 'runc-root');
    this.fifoDir = join(this.dir, 'fifo');
    this.image = `localhost/tsrunc-e2e/busybox:${IMAGE_TAG}`;
  }

  /** Writes the config, starts the daemon in its own session and waits for its socket. */
  start(timeoutMs = 30_000): void {
    const root = join(this.dir, 'root');
    const state = join(this.dir, 'state');
    for (const d of [root, state, this.fifoDir, join(this.dir, 'opt')]) mkdirSync(d, { recursive: true });
    const configPath = join(this.dir, 'config.toml');
    writeFileSync(configPath, [
      'version = 2',
      `root = "${root}"`,
      `state = "${state}"`,
      'disabled_plugins = [',
      ...(this.opts.cri ? [] : ['  "io.containerd.grpc.v1.cri",']),
      '  "io.containerd.snapshotter.v1.aufs",',
      '  "io.containerd.snapshotter.v1.btrfs",',
      '  "io.containerd.snapshotter.v1.zfs",',
      '  "io.containerd.snapshotter.v1.devmapper",',
      '  "io.containerd.tracing.processor.v1.otlp",',
      '  "io.containerd.internal.v1.tracing",',
      ']',
      '[grpc]',
      `  address = "${this.socket}"`,
      '[ttrpc]',
      `  address = "${this.socket}.ttrpc"`,
      '[debug]',
      `  address = "${this.socket}.debug"`,
      '[metrics]',
      '  address = ""',
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${join(this.dir, 'opt')}"`,
      ...(this.opts.extraConfig?.(this.dir) ?? []),
      '',
    ].join('\n'));
    const log = openSync(join(this.dir, 'containerd.log'), 'a');
    const child = spawn('containerd', ['--config', configPath, '--root', root, '--state', state, '--address', this.socket], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    child.unref();
    if (!child.pid) throw new Error('containerd did not start (is the containerd package installed?)');
    this.pid = child.pid;

    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (existsSync(this.socket) && this.ctr(['version'], { timeoutMs: 5_000 }).code === 0) return;
      if (!alive(this.pid)) throw new Error(`containerd exited during start-up:\n${this.log()}`);
      if (Date.now() > deadline) throw new Error(`containerd socket ${this.socket} not ready in ${timeoutMs} ms:\n${this.log()}`);
      sleepMs(100);
    }
  }

  log(): string {
    try {
      return readFileSync(join(this.dir, 'containerd.log'), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** `ctr` against this daemon and namespace. */
  ctr(args: string[], opts: RunOptions = {}): Result {
    return run('ctr', ['--address', this.socket, '--namespace', this.namespace, ...args], { timeoutMs: 60_000, ...opts });
  }

  /** Like ctr() but throws when it fails; returns stdout. */
  ok(args: string[], opts: RunOptions = {}): string {
    const r = this.ctr(args, opts);
    if (r.code !== 0) throw new Error(describe('ctr', args, r));
    return r.stdout;
  }

  /** The argv of ctr itself (for running it under a pty). */
  ctrArgv(args: string[]): string[] {
    return ['ctr', '--address', this.socket, '--namespace', this.namespace, ...args];
  }

  /** Flags for `ctr run` that select the runtime under test. */
  runtimeFlags(runtime = RUNTIME): string[] {
    return ['--runc-binary', runtime, '--runc-root', this.runcRoot, '--fifo-dir', this.fifoDir];
  }

  importImage(archive: string): void {
    this.ok(['images', 'import', '--all-platforms', '--base-name', this.image.replace(/:[^:/]*$/, ''), archive], { timeoutMs: 120_000 });
    const names = this.ok(['images', 'ls', '-q']).split('\n');
    if (!names.includes(this.image)) throw new Error(`image ${this.image} missing after import; have: ${names.join(', ')}`);
  }

  /** Status of a task as `ctr task ls` reports it (RUNNING, PAUSED, STOPPED...), or undefined. */
  taskStatus(id: string): string | undefined {
    for (const line of this.ok(['task', 'ls']).split('\n').slice(1)) {
      const [task, , status] = line.trim().split(/\s+/);
      if (task === id) return status;
    }
    return undefined;
  }

  waitTaskStatus(id: string, want: string, ms = 10_000): string | undefined {
    const deadline = Date.now() + ms;
    let st = this.taskStatus(id);
    while (st !== want && Date.now() < deadline) {
      sleepMs(50);
      st = this.taskStatus(id);
    }
    return st;
  }

  /** Removes every task, container, image and snapshot of the namespace; tolerant of a dead daemon. */
  private removeEverything(): void {
    if (!this.pid || !alive(this.pid)) return;
    const lines = (args: string[]) => {
      const r = this.ctr(args, { timeoutMs: 20_000 });
      return r.code === 0 ? r.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : [];
    };
    for (const task of lines(['task', 'ls', '-q'])) {
      this.ctr(['task', 'kill', '--all', '--signal', 'SIGKILL', task], { timeoutMs: 20_000 });
      this.ctr(['task', 'delete', '--force', task], { timeoutMs: 30_000 });
    }
    for (const c of lines(['containers', 'ls', '-q'])) this.ctr(['containers', 'delete', c], { timeoutMs: 20_000 });
    for (const i of lines(['images', 'ls', '-q'])) this.ctr(['images', 'delete', '--sync', i], { timeoutMs: 20_000 });
    for (const snap of lines(['snapshots', 'ls']).slice(1).map((l) => l.split(/\s+/)[0]).reverse()) {
      this.ctr(['snapshots', 'delete', snap], { timeoutMs: 20_000 });
    }
    this.ctr(['namespaces', 'remove', this.namespace], { timeoutMs: 20_000 });
  }

  /**
   * Tears everything down even after failures: tasks and containers, the daemon
   * (SIGTERM, then SIGKILL), shims left behind, mounts, and the temp dir.
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    try {
      this.removeEverything();
    } finally {
      if (this.pid) terminate(this.pid);
      // Shims carry our socket path in their argv; a surviving one holds mounts and cgroups.
      for (const pid of processesMentioning(this.socket)) terminate(pid, 2_000);
      unmountAllUnder(this.dir);
      removeCgroupsNamed(this.opts.cgroupName ?? this.namespace);
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

// ---------------------------------------------------------------- podman

/** Hard limits of this process from /proc/self/limits, by the kernel's label. */
function hardLimit(label: string): number | undefined {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith(label));
  const m = line?.slice(label.length).trim().split(/\s+/)[1];
  return m && /^\d+$/.test(m) ? Number(m) : undefined;
}

export function hasCapSysResource(): boolean {
  const eff = readFileSync('/proc/self/status', 'utf8').match(/^CapEff:\s*([0-9a-f]+)$/m)?.[1];
  return eff !== undefined && (BigInt(`0x${eff}`) & (1n << 24n)) !== 0n;
}

/** Podman caps its own RLIMIT_NPROC to this before starting containers (seen with strace). */
const PODMAN_OWN_NPROC = 32768;

/**
 * A podman with its own storage (vfs), run dir, tmp dir, network config and
 * cgroup parent in a temp dir, driving the runtime under test. The runtime keeps
 * its default --root: podman's `--runtime-flag root=X` is not passed on to the
 * cleanup process conmon starts, whose `delete` would then miss the container.
 */
export class Podman {
  readonly dir: string;
  readonly cgroupParent: string;
  image = '';
  private cleaned = false;

  constructor(readonly runtime = RUNTIME) {
    this.dir = mkdtempSync('/tmp/tsrunc-e2e-podman-');
    this.cgroupParent = uniqueName('tsrunc-e2e-podman');
    for (const d of ['tmp', 'vartmp', 'net', 'vol']) mkdirSync(join(this.dir, d), { recursive: true });
  }

  podman(args: string[], opts: RunOptions = {}): Result {
    const globals = [
      '--runtime', this.runtime,
      '--root', join(this.dir, 'storage'),
      '--runroot', join(this.dir, 'run'),
      '--tmpdir', join(this.dir, 'tmp'),
      '--volumepath', join(this.dir, 'vol'),
      '--network-config-dir', join(this.dir, 'net'),
      '--cgroup-manager', 'cgroupfs',
      '--storage-driver', 'vfs',
      '--events-backend', 'file',
    ];
    // TMPDIR: where image copies are staged (default /var/tmp).
    return run('podman', [...globals, ...args], { timeoutMs: 60_000, env: { ...process.env, TMPDIR: join(this.dir, 'vartmp') }, ...opts });
  }

  ok(args: string[], opts: RunOptions = {}): string {
    const r = this.podman(args, opts);
    if (r.code !== 0) throw new Error(describe('podman', args, r));
    return r.stdout;
  }

  /**
   * Flags for `podman run`. Without CAP_SYS_RESOURCE (as in some sandboxes) podman's
   * default rlimits (nofile and nproc 1048576) cannot be applied by any runtime, so
   * ask for the limits podman itself runs with.
   */
  runFlags(): string[] {
    const flags = ['--network', 'none', '--cgroup-parent', `/${this.cgroupParent}`];
    if (!hasCapSysResource()) {
      const nofile = hardLimit('Max open files') ?? 1024;
      const nproc = Math.min(hardLimit('Max processes') ?? PODMAN_OWN_NPROC, PODMAN_OWN_NPROC);
      flags.push('--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`);
    }
    return flags;
  }

  /** Loads the OCI archive and remembers the name podman gave it. */
  load(archive: string): void {
    const out = this.ok(['load', '-i', archive], { timeoutMs: 120_000 });
    const name = out.match(/Loaded image(?:\(s\))?: (\S+)/)?.[1];
    if (!name) throw new Error(`podman load printed no image name:\n${out}`);
    this.image = name.split(',')[0]!;
  }

  /** Removes containers (and their conmons, mounts, cgroups) and the temp dir, even after failures. */
  cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    try {
      this.podman(['rm', '--all', '--force', '--time', '0'], { timeoutMs: 60_000 });
    } finally {
      // conmon carries our dir in its argv.
      for (const pid of processesMentioning(this.dir)) terminate(pid, 2_000);
      unmountAllUnder(this.dir);
      removeCgroupsNamed(this.cgroupParent);
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
