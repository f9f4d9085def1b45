// update: new limits for a created, running or paused container's cgroup.
import { UserError } from '../errors.js';
import type { LinuxResources } from '../spec/config.js';
import { log } from '../cli/log.js';
import { openContainer } from './container.js';
import type { GlobalOptions } from './options.js';
import { schemataOf, updatedIntelRdt, type IntelRdtUpdate } from '../plan/intel-rdt.js';
import { hostResctrl, resctrlFeatures, writeSchemata } from '../linux/resctrl.js';

/**
 * The resources fields runc's update changes; the others (devices, hugepageLimits,
 * network, rdma, swappiness, disableOOMKiller, useHierarchy) stay as create set them.
 */
export function updatableResources(r: LinuxResources, warn: (msg: string) => void): LinuxResources {
  const out: LinuxResources = {};
  if (r.memory) {
    const { limit, reservation, swap, kernel, kernelTCP, checkBeforeUpdate, ...rest } = r.memory;
    out.memory = { limit, reservation, swap, kernel, kernelTCP, checkBeforeUpdate };
    for (const k of Object.keys(rest)) warn(`resources/memory/${k}: ignored, update does not change it`);
  }
  if (r.cpu) out.cpu = r.cpu;
  if (r.blockIO) out.blockIO = r.blockIO;
  if (r.pids) out.pids = r.pids;
  if (r.unified) out.unified = r.unified;
  for (const k of ['devices', 'hugepageLimits', 'network', 'rdma'] as const) {
    if (r[k] !== undefined) warn(`resources/${k}: ignored, update does not change it`);
  }
  return JSON.parse(JSON.stringify(out)) as LinuxResources; // drops the undefined keys
}

export function updateContainer(g: GlobalOptions, id: string, resources: LinuxResources, rdtFlags: IntelRdtUpdate = {}): void {
  const c = openContainer(g, id);
  if (c.status() === 'stopped') throw new UserError('container not running');
  // checked before anything changes; the host is the one create found resctrl on
  const rdtState = c.record.intelRdt;
  const rdt = updatedIntelRdt(c.record.config.linux?.intelRdt, rdtFlags, rdtState ? resctrlFeatures(rdtState.root) : hostResctrl());
  c.cgroup.update(updatableResources(resources, (m) => log.warn(m)));
  if (!rdt || !rdtState) return;
  const schemata = schemataOf(rdt);
  if (schemata !== undefined) writeSchemata(rdtState, schemata);
  c.dir.write({ ...c.record, config: { ...c.record.config, linux: { ...c.record.config.linux, intelRdt: rdt } } });
}
