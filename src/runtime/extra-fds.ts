// File descriptors the container gets beyond stdio, numbered from 3 as runc
// does: first the socket-activation fds tsrunc itself was given (LISTEN_FDS,
// when LISTEN_PID is our pid; the container then sees LISTEN_FDS=n and
// LISTEN_PID=1), then --preserve-fds N more.
import { fstatSync } from 'node:fs';
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
    try {
      fstatSync(fd);
    } catch (err) {
      throw new UserError(`unable to stat preserved-fd ${fd - base} (of ${preserveFds}): ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
    fds.push(fd);
  }
  return { fds, env: extraEnv };
}
