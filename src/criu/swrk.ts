// One conversation with `criu swrk`, as runc has it: a seqpacket socketpair,
// criu started with its end as fd 3 (and the caller's fds after it), one
// request, then notifications answered until the final response. CRIU's own
// errors come back with the path of its log so the user can read why.
import { closeSync, existsSync, readFileSync, writeSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError } from '../errors.js';
import { exitCodeOf, libc } from '../linux/libc.js';
import { recvWithFds } from '../linux/scm-rights.js';
import { socketPair, spawnProgram } from '../linux/spawn.js';
import { decodeResp, encodeReq, ReqType, type CriuReq, type CriuResp } from './rpc.js';

export interface SwrkOptions {
  /** criu's fds 0-2, then 4, 5, … (fd 3 is the RPC socket). */
  fds: readonly number[];
  /** Where dump.log/restore.log is: named in every error. */
  logPath: string;
  /** Runs once criu's pid is known, before the request (restore puts criu into the container's cgroup). */
  onStart?: (criuPid: number) => void;
  /** A notify script ("post-dump", "setup-namespaces", "post-restore", "orphan-pts-master", …) with its pid and the fds that came with it (closed after); throwing aborts. */
  onNotify?: (script: string, pid: number, fds: readonly number[]) => void;
}

let criuPath: string | undefined;

/** The global --criu flag (runc's: path to the criu binary). */
export function setCriuPath(path: string | undefined): void {
  criuPath = path || undefined;
}

/** --criu, else `criu` from PATH, as runc finds it (its --criu flag defaults to "criu"). */
export function findCriu(path = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'): string {
  if (criuPath) {
    if (!existsSync(criuPath)) throw new UserError(`--criu: ${criuPath} does not exist`);
    return criuPath;
  }
  for (const dir of path.split(delimiter)) {
    const p = join(dir || '.', 'criu');
    if (existsSync(p)) return p;
  }
  for (const p of ['/usr/sbin/criu', '/usr/local/sbin/criu', '/usr/bin/criu']) if (existsSync(p)) return p;
  throw new UserError('criu is not installed: checkpoint and restore need criu (>= 3.0) in PATH');
}

const MAX_MESSAGE = 10 * 4096;

/** Sends req to a fresh `criu swrk` and returns its final response; every failure is a UserError naming the log. */
export function criuSwrk(req: CriuReq, o: SwrkOptions): CriuResp {
  const criu = findCriu();
  const [client, server] = socketPair('seqpacket');
  let pid: number;
  try {
    pid = spawnProgram(criu, ['criu', 'swrk', '3'], envList(), [...o.fds.slice(0, 3), server, ...o.fds.slice(3)]);
  } finally {
    closeSync(server);
  }
  if (pid < 0) {
    closeSync(client);
    throw new UserError(`cannot start ${criu}: errno ${-pid}`);
  }
  const kind = req.type;
  const logLine = o.logPath ? `\nlog file: ${o.logPath}` : '';
  const fail = (what: string): UserError => new UserError(`criu failed: type ${kind}${what}${logLine}${firstError(o.logPath)}`);
  let waited = false;
  let open = true;
  const closeClient = (): void => {
    if (open) closeSync(client);
    open = false;
  };
  const wait = (): number => {
    waited = true;
    const status = [0];
    libc().waitpid(pid, status, 0);
    return status[0];
  };
  try {
    o.onStart?.(pid);
    send(client, encodeReq(req));
    for (;;) {
      let msg: { data: Buffer; fds: number[] };
      try {
        msg = recvWithFds(client, MAX_MESSAGE);
      } catch (err) {
        throw fail(`: reading its answer: ${(err as Error).message}`);
      }
      const n = msg.data.length;
      if (n === 0) {
        closeClient();
        const code = exitCodeOf(wait());
        throw fail(`: criu exited with status ${code} before answering`);
      }
      if (n === MAX_MESSAGE) throw fail(': answer too large');
      const resp = decodeResp(msg.data);
      if (!resp.success) {
        const why = resp.crErrmsg ? `: ${resp.crErrmsg}` : '';
        throw fail(` errno ${resp.crErrno ?? 0}${why}`);
      }
      if (resp.type === ReqType.NOTIFY) {
        try {
          o.onNotify?.(resp.notify?.script ?? '', resp.notify?.pid ?? 0, msg.fds);
        } finally {
          for (const fd of msg.fds) closeSync(fd);
        }
        send(client, encodeReq({ type: 'NOTIFY', notifySuccess: true }));
        continue;
      }
      for (const fd of msg.fds) closeSync(fd);
      closeClient();
      const status = wait();
      // after a pre-dump criu waits for a next request: our closed end tells it there is none
      if (status !== 0 && kind !== 'PRE_DUMP' && kind !== 'VERSION' && kind !== 'FEATURE_CHECK') {
        throw fail(`: criu exited with status ${exitCodeOf(status)}`);
      }
      return resp;
    }
  } catch (err) {
    closeClient();
    if (!waited) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
      wait();
    }
    throw err;
  }
}

/** CRIU's first "Error (file:line): …" of the log, so the cause shows without opening it. */
function firstError(logPath: string): string {
  if (!logPath) return '';
  try {
    const line = readFileSync(logPath, 'utf8').split('\n').find((l) => /\bError \(/.test(l));
    return line ? `\ncriu: ${line.replace(/^\([\d.]+\)\s*/, '')}` : '';
  } catch {
    return '';
  }
}

function send(fd: number, data: Buffer): void {
  if (writeSync(fd, data) !== data.length) throw new UserError('criu: short write on the RPC socket');
}

function envList(): string[] {
  return Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ''}`);
}

/** CRIU's version (31701 for 3.17.1), asked as runc does (VERSION request, CRIU >= 3.0). */
export function criuVersion(): number {
  const resp = criuSwrk({ type: 'VERSION' }, { fds: [0, 1, 2], logPath: '' });
  const v = resp.version;
  return (v?.major ?? 0) * 10000 + (v?.minor ?? 0) * 100 + (v?.sublevel ?? 0);
}
