// Starting the C stub (nsexec/) and talking to it over its sync socket (fd 3).
// Protocol: docs/plan-format.md. The stub clones the container's init with
// CLONE_PARENT, so the init is our child: `run` can wait for it.
import { spawn, type StdioOptions } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:net';
import { UserError } from '../errors.js';
import type { IdMapping } from '../plan/types.js';

export const STUB_PATH = fileURLToPath(new URL('../../../nsexec/build/tsrunc-nsexec', import.meta.url));

export interface StubOptions {
  plan: Buffer;
  stdio: StdioOptions;
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];
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
}

interface StubMessage {
  type: 'idmap' | 'pid' | 'hooks' | 'ready' | 'error';
  pid?: number;
  msg?: string;
}

function mapText(maps: IdMapping[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

/** Runs the stub until the init reports ready; resolves with the init's pid. */
export function runStub(opts: StubOptions): Promise<number> {
  // Entries after stdio (fds 3..) are the container's extra fds; the sync
  // socket comes last and the stub learns its number from argv[1].
  const stdio = [...(opts.stdio as unknown[]), 'pipe'] as StdioOptions;
  const syncFd = (stdio as unknown[]).length - 1;
  const child = spawn(STUB_PATH, syncFd === 3 ? [] : [String(syncFd)], { stdio, env: opts.env ?? {} });
  return new Promise((resolve, reject) => {
    let initPid = 0;
    let settled = false;
    let buffered = '';
    const sock = child.stdio[syncFd] as Socket;
    const fail = (msg: string) => {
      if (settled) return;
      settled = true;
      sock.destroy();
      reject(new UserError(msg));
    };
    child.on('error', (err) => fail(`start ${STUB_PATH}: ${err.message}`));
    let stubExit = '';
    child.on('exit', (code, signal) => {
      if (code !== 0) stubExit = ` (stub exited with ${signal ?? code})`;
    });
    sock.on('error', () => {});
    // An error message may still be in the socket when the stub exits: judge on close.
    sock.on('close', () => fail(`container init exited before it was ready${stubExit}`));
    sock.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let m: StubMessage;
        try {
          m = JSON.parse(line) as StubMessage;
        } catch {
          fail(`container init sent an unreadable message: ${line}`);
          return;
        }
        handle(m);
      }
    });
    const handle = (m: StubMessage) => {
      switch (m.type) {
        case 'idmap':
          try {
            writeFileSync(`/proc/${m.pid}/uid_map`, mapText(opts.uidMappings));
            writeFileSync(`/proc/${m.pid}/gid_map`, mapText(opts.gidMappings));
          } catch (err) {
            fail(`write id mappings: ${(err as Error).message}`);
            return;
          }
          sock.write('M');
          return;
        case 'pid':
          initPid = m.pid ?? 0;
          try {
            opts.onPid?.(initPid);
          } catch (err) {
            fail((err as Error).message);
          }
          return;
        case 'hooks':
          try {
            if (!opts.onHooks) throw new Error('container init asked for hooks, but none are configured');
            sock.write(opts.onHooks(initPid));
          } catch (err) {
            sock.write('E');
            fail((err as Error).message);
          }
          return;
        case 'ready':
          if (settled) return;
          settled = true;
          sock.destroy();
          resolve(initPid);
          return;
        case 'error':
          fail(m.msg ?? 'container init failed');
          return;
      }
    };
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
