// A container without a cgroup of its own: a rootless one that could not create it and
// asked for no limits (as runc's rootless manager). Its processes are then found
// through the init's pid namespace instead of cgroup.procs.
import { readdirSync, readlinkSync } from 'node:fs';
import { UserError } from '../errors.js';
import { isAlive } from '../linux/proc.js';
import { emptyStats, type CgroupStats } from './stats.js';
import type { CgroupManager, FreezerState, OomCounters } from './types.js';
import { signalAll } from './v2/manager.js';

export interface InitProcess {
  pid: number;
  startTime?: string;
}

function nsLink(pid: number | 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** Every process in the init's pid namespace; just the init when it shares ours. */
export function pidNamespaceMembers(init: InitProcess): number[] {
  if (!isAlive(init.pid, init.startTime)) return [];
  const ns = nsLink(init.pid);
  if (ns === undefined || ns === nsLink('self')) return [init.pid];
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (nsLink(pid) === ns) out.push(pid);
  }
  return out;
}

export class NoCgroup implements CgroupManager {
  readonly dirs: Readonly<Record<string, string>> = {};

  constructor(
    readonly path: string,
    /** Known once the container exists (from its state); a create has none yet. */
    private readonly init?: InitProcess,
  ) {}

  create(): void {}

  addProcess(): void {}

  apply(): void {}

  update(): void {
    throw new UserError('cannot update resources: the container has no cgroup (rootless, without permission to create one)');
  }

  freeze(): void {
    throw new UserError('cannot toggle freezer: cgroups not configured for container');
  }

  thaw(): void {
    this.freeze();
  }

  state(): FreezerState {
    return 'thawed';
  }

  pids(): number[] {
    return this.init ? pidNamespaceMembers(this.init) : [];
  }

  stats(): CgroupStats {
    return emptyStats();
  }

  oomCounters(): OomCounters | undefined {
    return undefined;
  }

  killAll(signal: number): void {
    signalAll(this.pids(), signal);
  }

  destroy(): void {}

  /** "Exists" while the init lives, so that ps and kill --all look at its processes. */
  exists(): boolean {
    return this.init !== undefined && isAlive(this.init.pid, this.init.startTime);
  }
}
