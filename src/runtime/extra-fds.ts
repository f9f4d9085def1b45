// File descriptors the container gets beyond stdio, numbered from 3 as runc
// does: first the socket-activation fds tsrunc itself was given (LISTEN_FDS,
// when LISTEN_PID is our pid; the container then sees LISTEN_FDS=n and
// LISTEN_PID=1), then --preserve-fds N more.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { UserError } from '../errors.js';

const FIRST = 3;

export interface ExtraFds {
  /** Our fds, passed to the stub at the same numbers. */
  fds: number[];
  /** Appended to process.env of the container. */
  env: string[];
}

export function extraFds(preserveFds: number, env: NodeJS.ProcessEnv = process.env, pid = process.pid): ExtraFds {
  if (!Number.isInteger(preserveFds) || preserveFds < 0) throw new UserError(`--preserve-fds: must be a non-negative integer: ${preserveFds}`);
  const fds: number[] = [];
  const extraEnv: string[] = [];
  const listen = Number(env.LISTEN_FDS);
  if (Number(env.LISTEN_PID) === pid && Number.isInteger(listen) && listen > 0) {
    for (let fd = FIRST; fd < FIRST + listen; fd++) fds.push(fd);
    extraEnv.push(`LISTEN_FDS=${listen}`, 'LISTEN_PID=1');
  }
  const base = FIRST + fds.length;
  for (let fd = base; fd < base + preserveFds; fd++) {
    const problem = notInherited(fd);
    if (problem) throw new UserError(`unable to stat preserved-fd ${fd - base} (of ${preserveFds}): ${problem}`);
    fds.push(fd);
  }
  return { fds, env: extraEnv };
}

/**
 * Why fd is not one our caller gave us, or undefined. Node opens its own fds
 * (epoll, eventfd, pipe pairs) from 3 up when the caller passed fewer, and
 * marks every fd close-on-exec, so the kind of file is the only tell: an
 * anonymous inode, or a pipe whose read and write ends we both hold, is Node's.
 */
function notInherited(fd: number): string | undefined {
  const mine = openFds();
  const f = mine.get(fd);
  if (!f) return 'bad file descriptor';
  const own = `fd ${fd} is tsrunc's own (${f.link}), not passed to it`;
  if (f.link.startsWith('anon_inode:')) return own;
  if (f.link.startsWith('pipe:')) {
    const modes = new Set([...mine.values()].filter((o) => o.link === f.link).map((o) => o.writable));
    if (modes.size > 1) return own;
  }
  return undefined;
}

function openFds(): Map<number, { link: string; writable: boolean }> {
  const fds = new Map<number, { link: string; writable: boolean }>();
  for (const n of readdirSync('/proc/self/fd')) {
    try {
      const flags = parseInt(/^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${n}`, 'utf8'))?.[1] ?? '0', 8);
      fds.set(Number(n), { link: readlinkSync(`/proc/self/fd/${n}`), writable: (flags & 3) !== 0 });
    } catch {
      // closed meanwhile (the directory listing's own fd)
    }
  }
  return fds;
}
