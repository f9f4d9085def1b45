// start: open exec.fifo for reading, which lets the blocked init run its
// startContainer hooks, answer on the fifo and exec; then the poststart hooks.
import { closeSync, constants, fstatSync, openSync, readSync, rmSync } from 'node:fs';
import { UserError, describeSystemError } from '../errors.js';
import { isAlive, sleepMs, waitGone } from '../linux/proc.js';
import { runPoststartHooks } from '../hooks/lifecycle.js';
import { log } from '../cli/log.js';
import { openContainer, type Container } from './container.js';
import type { GlobalOptions } from './options.js';
import { StepTimer } from './timing.js';

export function startContainer(g: GlobalOptions, id: string, timer?: StepTimer): void {
  timer ??= new StepTimer('start');
  const c = openContainer(g, id);
  timer.step('open container');
  // held for the state change only: a foreground run must not keep it while the container lives
  try {
    const status = c.status();
    if (status === 'stopped') throw new UserError('cannot start a container that has stopped');
    if (status !== 'created') throw new UserError(`cannot start an already ${status} container`);
    const poststart = (c.record.config.hooks?.poststart?.length ?? 0) > 0;
    releaseInit(c);
    timer.step('exec.fifo released');
    if (poststart) {
      runPoststartHooks(c.record, (msg) => log.warn(msg));
      timer.step('poststart hooks');
    }
  } finally {
    c.dir.unlock();
  }
}

/**
 * Non-blocking open, so a dead init cannot hang us; then the init's answer:
 * "0" when it goes on to execve, or "1" and a message when a startContainer
 * hook failed (the init then exits). Then the fifo's EOF: the init keeps it
 * open, close-on-exec, until its execve, and writes there why it could not
 * run the program ("0exec /x: exec format error").
 */
function releaseInit(c: Container): void {
  const alive = () => isAlive(c.record.pid, c.record.pidStartTime);
  const fd = openFifo(c.dir.fifoPath);
  const chunks: Buffer[] = [];
  let deadPolls = 0;
  // The answer usually comes within tens of µs of our open: poll often at first.
  let pause = 0.05;
  const poll = () => {
    sleepMs(pause);
    pause = Math.min(pause * 2, 1);
  };
  try {
    const buf = Buffer.alloc(4096);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, chunks.length ? buf.length : 1, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        // The init has the fifo open: it runs startContainer hooks, or has answered and not exec'd yet.
        // Once it is dead, the next reads return what it wrote before exiting, then EOF.
        if (!alive() && ++deadPolls > 100) {
          if (chunks.length) break;
          throw new UserError('container init exited before start');
        }
        poll();
        continue;
      }
      if (n > 0) {
        chunks.push(Buffer.from(buf.subarray(0, n)));
        continue;
      }
      if (chunks.length) break; // EOF after the answer: execve happened, or the init exited
      // No writer yet: the init reports ready just before it opens the fifo.
      if (!alive()) throw new UserError('container not running');
      poll();
    }
  } finally {
    closeSync(fd);
  }
  rmSync(c.dir.fifoPath, { force: true });
  const answer = Buffer.concat(chunks);
  if (answer[0] === 0x30 && answer.length === 1) return;
  try {
    process.kill(c.record.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  waitGone(c.record.pid, c.record.pidStartTime, 5000);
  throw new UserError(answer.subarray(1).toString('utf8') || 'container init failed at start');
}

/** exec.fifo, opened without blocking; anything else in its place would never answer. */
function openFifo(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError('cannot start an already running container');
    throw new UserError(describeSystemError(`open ${path}`, err));
  }
  if (!fstatSync(fd).isFIFO()) {
    closeSync(fd);
    throw new UserError(`${path} is not a fifo: the container's state directory was tampered with`);
  }
  return fd;
}
