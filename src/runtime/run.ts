// run: create + start, then (unless detached) wait for the init, forward
// signals to it, delete the container and return its exit code.
import { createContainer, type CreateOptions } from './create.js';
import { startContainer } from './start.js';
import { deleteContainer } from './delete.js';
import { exitCodeOf, libc } from '../linux/libc.js';
import { waitGone } from '../linux/proc.js';
import type { GlobalOptions } from './options.js';
import type { ConsoleProxy } from '../linux/console.js';

/** How long the terminal proxy may keep copying after the container's init exited. */
const CONSOLE_DRAIN_MS = 5000;

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

export async function runContainer(g: GlobalOptions, o: CreateOptions & { detach: boolean }): Promise<number> {
  const { record, console: tty } = await createContainer(g, o);
  try {
    startContainer(g, o.id);
  } catch (err) {
    tty?.stop();
    deleteContainer(g, o.id, true);
    throw err;
  }
  if (o.detach) return 0;

  const forward = (sig: NodeJS.Signals) => {
    try {
      process.kill(record.pid, sig);
    } catch {
      // already exited
    }
  };
  for (const sig of FORWARDED) process.on(sig, forward);
  let code: number;
  try {
    // The stub cloned the init with CLONE_PARENT: it is our child, so we can wait for it.
    const { pid, status } = await libc().waitpidAsync(record.pid);
    if (pid === record.pid) code = exitCodeOf(status);
    else {
      waitGone(record.pid, record.pidStartTime, 24 * 3600 * 1000);
      code = 255;
    }
  } finally {
    for (const sig of FORWARDED) process.off(sig, forward);
  }
  if (tty) await drainConsole(tty);
  deleteContainer(g, o.id, true);
  return code;
}

/** The pty hangs up once every process holding it is gone; output still in it is copied first. */
async function drainConsole(tty: ConsoleProxy): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CONSOLE_DRAIN_MS);
  });
  await Promise.race([tty.done, late]);
  clearTimeout(timer);
  tty.stop();
}
