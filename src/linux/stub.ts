// Starting the C stub (nsexec/) and talking to it over its sync socket (fd 3).
// Protocol: docs/plan-format.md. The stub clones the container's init with
// CLONE_PARENT, so the init is our child: `run` can wait for it.
import type { StdioOptions } from 'node:child_process';
import { closeSync, readSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import type { Socket } from 'node:net';
import { UserError } from '../errors.js';
import type { IdMapping } from '../plan/types.js';
import { errnoName, libc } from './libc.js';
import { stubExecutable } from './stub-binary.js';
import { writeIdMaps, type IdMapWriter } from './idmap-writer.js';
import { socketPair, spawnProgram } from './spawn.js';


export interface StubOptions {
  plan: Buffer;
  stdio: StdioOptions;
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
  /** How the maps are written (src/linux/idmap-writer.ts); default: directly, as root. */
  idmapWriter?: IdMapWriter;
  /** Called with the stub's pid before the plan is sent (e.g. to join the cgroup). */
  beforePlan?: (stubPid: number) => void;
  /** Called with the init's pid as soon as it is known, before setup ends. */
  onPid?: (initPid: number) => void;
  /**
   * The init asks before pivot_root (plan record HOOKS): run the runtime-side
   * hooks and return the reply for it (src/hooks/lifecycle.ts); a throw fails
   * the stub with its message.
   */
  onHooks?: (initPid: number) => Buffer;
  env?: NodeJS.ProcessEnv;
  /** Called for each message of the stub (idmap, pid, hooks, ready): the timing trace's stub stages. */
  onMessage?: (type: string) => void;
  /** With --debug: the stub then traces each stage ({"type":"debug"} lines) to this. */
  onDebug?: (msg: string) => void;
  /**
   * exec: after `ready`, read on until the socket's EOF (it is close-on-exec, so
   * EOF = the execve happened), so that an execve failure (exec format error,
   * E2BIG) is reported instead of lost.
   */
  untilExec?: boolean;
}

const ROOT_WRITER: IdMapWriter = { uid: { how: 'direct' }, gid: { how: 'direct' }, denySetgroups: false };

interface StubMessage {
  type: 'idmap' | 'pid' | 'hooks' | 'ready' | 'error' | 'debug';
  pid?: number;
  msg?: string;
}

/**
 * The parent's side of the conversation, whichever way the stub was started:
 * feed() takes what the socket gave, answers through send, and returns the
 * init's pid once it is ready; a failure throws a UserError.
 */
class Conversation {
  private initPid = 0;
  private buffered = '';
  /** `ready` came and untilExec holds: EOF now means success. */
  ready = false;

  constructor(
    private readonly opts: StubOptions,
    private readonly send: (data: Buffer | string) => void,
  ) {}

  feed(chunk: Buffer): number | undefined {
    this.buffered += chunk.toString('utf8');
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      let m: StubMessage;
      try {
        m = JSON.parse(line) as StubMessage;
      } catch {
        throw new UserError(`container init sent an unreadable message: ${line}`);
      }
      if (this.handle(m)) {
        if (!this.opts.untilExec) return this.initPid;
        this.ready = true;
      }
    }
    return undefined;
  }

  /** The socket's EOF: the init's pid when it came after `ready` (untilExec). */
  ended(): number | undefined {
    return this.ready ? this.initPid : undefined;
  }

  /** True on ready. */
  private handle(m: StubMessage): boolean {
    if (m.type !== 'debug') this.opts.onMessage?.(m.type);
    switch (m.type) {
      case 'idmap':
        writeIdMaps(m.pid ?? 0, this.opts.uidMappings, this.opts.gidMappings, this.opts.idmapWriter ?? ROOT_WRITER);
        this.send('M');
        return false;
      case 'pid':
        this.initPid = m.pid ?? 0;
        try {
          this.opts.onPid?.(this.initPid);
        } catch (err) {
          throw new UserError((err as Error).message);
        }
        return false;
      case 'hooks':
        try {
          if (!this.opts.onHooks) throw new Error('container init asked for hooks, but none are configured');
          this.send(this.opts.onHooks(this.initPid));
        } catch (err) {
          this.send('E');
          throw new UserError((err as Error).message);
        }
        return false;
      case 'ready':
        return true;
      case 'debug':
        this.opts.onDebug?.(m.msg ?? '');
        return false;
      case 'error':
        throw new UserError(m.msg ?? 'container init failed');
    }
    return false;
  }
}

/** Runs the stub until the init reports ready; resolves with the init's pid. */
export async function runStub(opts: StubOptions): Promise<number> {
  const fds = plainFds(opts.stdio);
  return fds ? runSpawned(opts, fds) : runChildProcess(opts);
}

/** The stdio as our fd numbers, when it is only 'inherit' and fds (what the CLI passes). */
function plainFds(stdio: StdioOptions): number[] | undefined {
  if (!Array.isArray(stdio)) return undefined;
  const fds: number[] = [];
  for (const [i, s] of stdio.entries()) {
    if (s === 'inherit') fds.push(i);
    else if (typeof s === 'number') fds.push(s);
    else return undefined;
  }
  return fds;
}

/**
 * posix_spawn (src/linux/spawn.ts) and a blocking conversation: `create` has
 * nothing else to do meanwhile. Signals that come in the meantime are handled
 * when we return to the event loop.
 */
function runSpawned(opts: StubOptions, fds: number[]): number {
  // Entries after stdio (fds 3..) are the container's extra fds; the sync
  // socket comes last and the stub learns its number from argv[1].
  const syncFd = fds.length;
  const stub = stubExecutable();
  const [ours, theirs] = socketPair();
  let pid: number;
  try {
    const argv = syncFd === 3 ? ['tsrunc-nsexec'] : ['tsrunc-nsexec', String(syncFd)];
    pid = spawnProgram(stub, argv, envList(stubEnv(opts)), [...fds, theirs]);
  } finally {
    closeSync(theirs);
  }
  if (pid < 0) {
    closeSync(ours);
    throw new UserError(`start ${stub}: ${errnoName(-pid)}`);
  }
  let exited = false;
  // The stub exits once it has sent the init's pid (or an error); kill it if we stop earlier.
  const reap = (kill: boolean): string => {
    if (exited) return '';
    exited = true;
    if (kill) killQuietly(pid);
    const status = [0];
    if (libc().waitpid(pid, status, 0) !== pid) return '';
    const sig = status[0] & 0x7f;
    const code = (status[0] >> 8) & 0xff;
    if (sig !== 0) return ` (stub exited with ${signalName(sig)})`;
    return code !== 0 ? ` (stub exited with ${code})` : '';
  };
  const send = (data: Buffer | string) => {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < buf.length; ) off += writeSync(ours, buf, off);
  };
  try {
    opts.beforePlan?.(pid);
    const talk = new Conversation(opts, send);
    send(opts.plan);
    const buf = Buffer.alloc(65536);
    for (;;) {
      const n = readRetrying(ours, buf);
      if (n === 0 && talk.ready) {
        reap(false);
        return talk.ended()!;
      }
      if (n === 0) throw new UserError(`container init exited before it was ready${reap(false)}`);
      const initPid = talk.feed(buf.subarray(0, n));
      if (initPid !== undefined) {
        reap(false);
        return initPid;
      }
    }
  } catch (err) {
    reap(true);
    throw err;
  } finally {
    closeSync(ours);
  }
}

function readRetrying(fd: number, buf: Buffer): number {
  for (;;) {
    try {
      return readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EINTR' || code === 'EAGAIN') continue;
      if (code === 'ECONNRESET') return 0;
      throw err;
    }
  }
}

/** The stub's own environment (the container's comes in the plan). */
function stubEnv(opts: StubOptions): NodeJS.ProcessEnv {
  return opts.onDebug ? { ...opts.env, _TSRUNC_DEBUG: '1' } : (opts.env ?? {});
}

function envList(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
}

function signalName(sig: number): string {
  for (const [name, n] of Object.entries(constants.signals)) if (n === sig) return name;
  return String(sig);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** child_process and the socket as a stream: for stdio the CLI never passes (tests' pipes). */
async function runChildProcess(opts: StubOptions): Promise<number> {
  const { spawn } = await import('node:child_process');
  const stdio = [...(opts.stdio as unknown[]), 'pipe'] as StdioOptions;
  const syncFd = (stdio as unknown[]).length - 1;
  const stub = stubExecutable();
  const child = spawn(stub, syncFd === 3 ? [] : [String(syncFd)], { stdio, env: stubEnv(opts), argv0: 'tsrunc-nsexec' });
  return new Promise((resolve, reject) => {
    let settled = false;
    const sock = child.stdio[syncFd] as Socket;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      sock.destroy();
      reject(err);
    };
    const talk = new Conversation(opts, (data) => sock.write(data));
    child.on('error', (err) => fail(new UserError(`start ${stub}: ${err.message}`)));
    let stubExit = '';
    child.on('exit', (code, signal) => {
      if (code !== 0) stubExit = ` (stub exited with ${signal ?? code})`;
    });
    sock.on('error', () => {});
    // An error message may still be in the socket when the stub exits: judge on close.
    sock.on('close', () => {
      const initPid = settled ? undefined : talk.ended();
      if (initPid === undefined) fail(new UserError(`container init exited before it was ready${stubExit}`));
      else {
        settled = true;
        resolve(initPid);
      }
    });
    sock.on('data', (chunk: Buffer) => {
      if (settled) return;
      let initPid: number | undefined;
      try {
        initPid = talk.feed(chunk);
      } catch (err) {
        fail(err);
        return;
      }
      if (initPid === undefined) return;
      settled = true;
      sock.destroy();
      resolve(initPid);
    });
    if (child.pid === undefined) return; // 'error' follows
    try {
      opts.beforePlan?.(child.pid);
    } catch (err) {
      child.kill('SIGKILL');
      settled = true;
      reject(err);
      return;
    }
    sock.write(opts.plan);
  });
}
