// kill: signal the init (or, with --all, every process in the cgroup).
import { UserError } from '../errors.js';
import { openContainer } from './container.js';
import type { GlobalOptions } from './options.js';

export function killContainer(g: GlobalOptions, id: string, signal: number, all: boolean): void {
  const c = openContainer(g, id);
  const status = c.status();
  if (status === 'stopped' && !all) throw new UserError('container not running');
  if (all) {
    if (c.cgroup.exists()) c.cgroup.killAll(signal);
    return;
  }
  try {
    process.kill(c.record.pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') throw new UserError('container not running');
    throw err;
  }
}
