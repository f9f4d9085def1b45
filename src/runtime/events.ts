// events: stats every interval and OOM notices as JSON lines, until the cgroup is gone
// (runc ends the stream the same way: its OOM watch closes when the cgroup is removed).
import { UserError } from '../errors.js';
import { statsToJson, type CgroupManager, type OomCounters } from '../cgroups/index.js';
import { log } from '../cli/log.js';
import { openContainer } from './container.js';
import type { GlobalOptions } from './options.js';
import { intelRdtStats } from '../linux/resctrl-stats.js';

/** How often memory.oom_control / memory.events are read: OOM notices come this late at most. */
const OOM_POLL_MS = 100;

export interface EventsOptions {
  intervalMs: number;
  /** --stats: one stats event, then return. */
  statsOnly: boolean;
  write(line: string): void;
}

export async function streamEvents(g: GlobalOptions, id: string, o: EventsOptions): Promise<void> {
  if (!(o.intervalMs > 0)) throw new UserError('duration interval must be greater than 0');
  // no lock: events runs for as long as the container, other commands must not wait for it
  const c = openContainer(g, id, false);
  if (c.status() === 'stopped') throw new UserError(`container with id ${id} is not running`);
  const rdt = c.record.intelRdt;
  const data = () => (rdt ? { ...c.cgroup.stats(), intel_rdt: intelRdtStats(rdt) } : c.cgroup.stats());
  const stats = (): void => o.write(statsToJson({ type: 'stats', id, data: data() }) + '\n');
  if (o.statsOnly) {
    stats();
    return;
  }
  await new Promise<void>((resolve) => {
    let last = c.cgroup.oomCounters();
    const statsTimer = setInterval(() => {
      try {
        stats();
      } catch (err) {
        log.error(`stats: ${err instanceof Error ? err.message : String(err)}`);
      }
    }, o.intervalMs);
    const oomTimer = setInterval(() => {
      if (!c.cgroup.exists()) {
        clearInterval(statsTimer);
        clearInterval(oomTimer);
        resolve();
        return;
      }
      const now = readOom(c.cgroup);
      if (now && last && (now.oom > last.oom || now.oomKill > last.oomKill)) o.write(JSON.stringify({ type: 'oom', id }) + '\n');
      last = now ?? last;
    }, OOM_POLL_MS);
  });
}

function readOom(cgroup: CgroupManager): OomCounters | undefined {
  try {
    return cgroup.oomCounters();
  } catch {
    return undefined; // removed while we read
  }
}
