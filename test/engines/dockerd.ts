// A private Docker engine for the end-to-end tests: its own data root, exec root,
// socket, pidfile, config file and cgroup parent in a temp dir; no bridge, no
// iptables, no forwarding (no traffic leaves the machine). It starts its own
// containerd (under the exec root) and knows the runtimes it is given by name.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_PATH, type Result, type RunOptions, alive, describe, ensureRootfs, mountsUnder, processesMentioning, removeCgroupsNamed, run,
  sleepMs, terminate, uniqueName, unmountAllUnder,
} from '../containerd/lib.js';

export const DOCKERD = '/usr/sbin/dockerd';
/** Debian's client matches its daemon's API; a newer client elsewhere on PATH may not. */
export const DOCKER_CLIENT = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

export class Dockerd {
  readonly dir: string;
  readonly socket: string;
  readonly execRoot: string;
  readonly dataRoot: string;
  readonly cgroupParent: string;
  readonly image = 'localhost/tsrunc-e2e/busybox:latest';
  private pid = 0;
  private stopped = false;
  /** dockerd always makes /run/docker/plugins (plugin discovery); remove it if it was not there. */
  private readonly hadRunDocker = existsSync('/run/docker');

  /** runtimes: name -> absolute binary path, registered with --add-runtime ("runc" is built in). */
  constructor(readonly runtimes: Record<string, string>) {
    this.dir = mkdtempSync('/tmp/tsrunc-e2e-docker-');
    this.socket = join(this.dir, 'docker.sock');
    this.execRoot = join(this.dir, 'exec');
    this.dataRoot = join(this.dir, 'data');
    this.cgroupParent = uniqueName('tsrunc-e2e-docker');
  }

  start(timeoutMs = 60_000): void {
    const config = join(this.dir, 'daemon.json');
    // The key would otherwise go to /etc/docker/key.json.
    writeFileSync(config, JSON.stringify({ 'deprecated-key-path': join(this.dir, 'key.json') }));
    const args = [
      '--config-file', config,
      '--data-root', this.dataRoot,
      '--exec-root', this.execRoot,
      '-H', `unix://${this.socket}`,
      '--pidfile', join(this.dir, 'docker.pid'),
      '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false', '--bridge=none',
      '--userland-proxy=false',
      '--cgroup-parent', `/${this.cgroupParent}`,
      '--storage-driver', 'overlay2',
      ...Object.entries(this.runtimes).filter(([name]) => name !== 'runc').flatMap(([name, path]) => ['--add-runtime', `${name}=${path}`]),
    ];
    const log = openSync(join(this.dir, 'dockerd.log'), 'a');
    const child = spawn(DOCKERD, args, { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    child.unref();
    if (!child.pid) throw new Error('dockerd did not start (is docker.io installed?)');
    this.pid = child.pid;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (existsSync(this.socket) && this.docker(['version'], { timeoutMs: 10_000 }).code === 0) break;
      if (!alive(this.pid)) throw new Error(`dockerd exited during start-up:\n${this.log()}`);
      if (Date.now() > deadline) throw new Error(`dockerd socket ${this.socket} not ready in ${timeoutMs} ms:\n${this.log()}`);
      sleepMs(200);
    }
  }

  log(): string {
    try {
      return readFileSync(join(this.dir, 'dockerd.log'), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** The client's environment: our socket, a private client config dir. */
  env(): NodeJS.ProcessEnv {
    return { ...process.env, DOCKER_HOST: `unix://${this.socket}`, DOCKER_CONFIG: join(this.dir, 'client'), DOCKER_CLI_HINTS: 'false' };
  }

  docker(args: string[], opts: RunOptions = {}): Result {
    const r = run(DOCKER_CLIENT, args, { timeoutMs: 60_000, env: this.env(), ...opts });
    // Printed by every `docker run` here: we disable forwarding on purpose.
    r.stderr = r.stderr.replace(/^WARNING: IPv4 forwarding is disabled\. Networking will not work\.\n/m, '');
    return r;
  }

  ok(args: string[], opts: RunOptions = {}): string {
    const r = this.docker(args, opts);
    if (r.code !== 0) throw new Error(describe('docker', args, r));
    return r.stdout;
  }

  /** The argv of the client, for running it under a pty (with env()). */
  argv(args: string[]): string[] {
    return [DOCKER_CLIENT, ...args];
  }

  /** `docker import` of the busybox rootfs as the test image. */
  importBusybox(): void {
    const tar = join(this.dir, 'busybox-rootfs.tar');
    const t = run('tar', ['--numeric-owner', '--exclude=./.tsrunc-rootfs-stamp', '-C', ensureRootfs(), '-cf', tar, '.'], { timeoutMs: 120_000 });
    if (t.code !== 0) throw new Error(describe('tar', [], t));
    this.ok(['import', '--change', `ENV ${DEFAULT_PATH}`, '--change', 'CMD ["sh"]', tar, this.image], { timeoutMs: 120_000 });
    rmSync(tar);
  }

  /** docker inspect -f FORMAT name, trimmed. */
  inspect(name: string, format: string): string {
    return this.ok(['inspect', '-f', format, name]).trim();
  }

  /** Ids of all containers the daemon knows (running or not). */
  containers(): string[] {
    return this.ok(['ps', '-aq', '--no-trunc']).split('\n').filter(Boolean);
  }

  /**
   * Container state dirs in the runtime root that dockerd 20.10 gives every
   * runc-type runtime (runc and those of --add-runtime alike): one per live container.
   */
  runtimeState(): string[] {
    const dir = join(this.execRoot, 'runtime-runc', 'moby');
    return existsSync(dir) ? readdirSync(dir) : [];
  }

  /** The runtime binary the shim of a running container drives (its options.json). */
  runtimeBinary(id: string): string {
    const options = join(this.execRoot, 'containerd/daemon/io.containerd.runtime.v2.task/moby', id, 'options.json');
    return (JSON.parse(readFileSync(options, 'utf8')) as { binary_name?: string }).binary_name ?? '';
  }

  /** What runtimeBinary() says for a runtime name ("runc" is looked up on PATH). */
  expectedBinary(name: string): string {
    return name === 'runc' ? 'runc' : this.runtimes[name] ?? '';
  }

  /** Container rootfs mounts (overlay "merged" dirs) still mounted under the data root. */
  rootfsMounts(): string[] {
    return mountsUnder(join(this.dataRoot, 'overlay2')).filter((m) => m.endsWith('/merged'));
  }

  /** Containers, the daemon (and its containerd and shims), mounts, cgroups and files; even after failures. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    try {
      if (this.pid && alive(this.pid)) {
        const ids = this.docker(['ps', '-aq'], { timeoutMs: 20_000 }).stdout.split('\n').filter(Boolean);
        if (ids.length) this.docker(['rm', '-f', ...ids], { timeoutMs: 60_000 });
      }
    } finally {
      if (this.pid) terminate(this.pid, 20_000);
      // dockerd's containerd and the shims carry our exec root in their argv.
      for (const pid of processesMentioning(this.dir)) terminate(pid, 2_000);
      unmountAllUnder(this.dir);
      removeCgroupsNamed(this.cgroupParent);
      rmSync(this.dir, { recursive: true, force: true });
      if (!this.hadRunDocker) {
        for (const dir of ['/run/docker/plugins', '/run/docker']) {
          try {
            rmdirSync(dir);
          } catch {
            // not empty (someone else's) or gone
          }
        }
      }
    }
  }
}
