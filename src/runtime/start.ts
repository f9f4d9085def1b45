// start: open exec.fifo for reading, which lets the blocked init write "0" and exec.
import { closeSync, constants, openSync, readSync, rmSync } from 'node:fs';
import { UserError } from '../errors.js';
import { isAlive, sleepMs } from '../linux/proc.js';
import { openContainer, type Container } from './container.js';
import type { GlobalOptions } from './options.js';

export function startContainer(g: GlobalOptions, id: string): void {
  const c = openContainer(g, id);
  const status = c.status();
  if (status === 'stopped') throw new UserError('cannot start a container that has stopped');
  if (status !== 'created') throw new UserError(`cannot start an already ${status} container`);
  releaseInit(c);
}

/** Non-blocking open, so a dead init cannot hang us; then wait for its "0". */
function releaseInit(c: Container): void {
  const fd = openSync(c.dir.fifoPath, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(1);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, 1, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        if (!isAlive(c.record.pid, c.record.pidStartTime)) throw new UserError('container init exited before start');
        sleepMs(1);
        continue;
      }
      if (n === 1) break;
      // No writer yet: the init reports ready just before it opens the fifo.
      if (!isAlive(c.record.pid, c.record.pidStartTime)) throw new UserError('container not running');
      sleepMs(1);
    }
  } finally {
    closeSync(fd);
  }
  rmSync(c.dir.fifoPath, { force: true });
}
