// run: create + start, then (unless detached) wait for the init, forward
// signals to it, delete the container (unless --keep) and return its exit code.
import { createContainer, type CreateOptions } from './create.js';
import { startContainer } from './start.js';
import { deleteContainer } from './delete.js';
import { SignalForwarder, drainConsole, waitForExit } from './foreground.js';
import type { GlobalOptions } from './options.js';
import { StepTimer } from './timing.js';

export async function runContainer(g: GlobalOptions, o: CreateOptions & { detach: boolean; keep?: boolean }): Promise<number> {
  // Armed before create: a signal that comes while the container starts is
  // held and delivered to the init rather than killing us half-way.
  const signals = new SignalForwarder();
  if (!o.detach) signals.arm();
  try {
    const timer = new StepTimer('run');
    const { record, console: tty } = await createContainer(g, { ...o, timer });
    try {
      startContainer(g, o.id, timer);
    } catch (err) {
      tty?.stop();
      deleteContainer(g, o.id, true);
      throw err;
    }
    if (o.detach) return 0;
    signals.start(record.pid);
    const code = await waitForExit(record.pid);
    timer.step('wait (container ran and exited)');
    signals.stop();
    if (tty) await drainConsole(tty);
    // --keep: the stopped container stays (state, cgroup) until `delete`, as runc
    if (o.keep) return code;
    deleteContainer(g, o.id, true);
    timer.step('delete');
    return code;
  } finally {
    signals.stop();
  }
}
