// run: create + start, then (unless detached) wait for the init, forward
// signals to it, delete the container and return its exit code.
import { createContainer, type CreateOptions } from './create.js';
import { startContainer } from './start.js';
import { deleteContainer } from './delete.js';
import { exitCodeOf, libc } from '../linux/libc.js';
import { waitGone } from '../linux/proc.js';
import type { GlobalOptions } from './options.js';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

export async function runContainer(g: GlobalOptions, o: CreateOptions & { detach: boolean }): Promise<number> {
  const { record } = await createContainer(g, o);
  try {
    startContainer(g, o.id);
  } catch (err) {
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
  deleteContainer(g, o.id, true);
  return code;
}
