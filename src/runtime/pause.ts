// pause and resume: freeze and thaw every process of the container through its cgroup.
import { UserError } from '../errors.js';
import { openContainer } from './container.js';
import type { GlobalOptions } from './options.js';

export function pauseContainer(g: GlobalOptions, id: string): void {
  const c = openContainer(g, id);
  const status = c.status();
  // runc: a created container can be paused too; anything else is "not running"
  if (status !== 'running' && status !== 'created') throw new UserError('container not running');
  c.cgroup.freeze();
}

export function resumeContainer(g: GlobalOptions, id: string): void {
  const c = openContainer(g, id);
  if (c.status() !== 'paused') throw new UserError('container not paused');
  c.cgroup.thaw();
}
