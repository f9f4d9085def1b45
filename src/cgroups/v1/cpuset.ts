// v1 cpuset: cpus/mems. A new v1 cpuset cgroup starts with empty cpus and mems and
// refuses tasks until both are filled, so every level we create inherits its parent's.
import { relative, join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { LinuxResources } from '../../spec/config.js';
import { exists, readCgroupFile, readOptional, writeCgroupFile, writeField } from '../fs.js';
import { parseCpuList } from '../convert.js';
import { setNonZero, type CgroupStats } from '../stats.js';
import { firstSet, type Controller } from '../controller.js';

/**
 * mkdir -p from the mount down to dir, copying cpus/mems into each empty level.
 * Returns the first directory it created, like mkdirSync's recursive mode.
 */
export function makeCpusetDirs(mountpoint: string, dir: string): string | undefined {
  let first: string | undefined;
  let current = mountpoint;
  for (const part of relative(mountpoint, dir).split('/').filter(Boolean)) {
    const parent = current;
    current = join(current, part);
    if (!exists(current)) {
      mkdirSync(current);
      first ??= current;
    }
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (readCgroupFile(current, file).trim() === '') writeCgroupFile(current, file, readCgroupFile(parent, file));
    }
  }
  return first;
}

export const cpusetV1: Controller = {
  name: 'cpuset',
  v2Name: 'cpuset',
  requested: (r: LinuxResources) => firstSet('cpu', { cpus: r.cpu?.cpus || undefined, mems: r.cpu?.mems || undefined }),
  apply(dir, r, ctx) {
    if (r.cpu?.cpus) writeField(ctx, 'cpu/cpus', dir, 'cpuset.cpus', r.cpu.cpus);
    if (r.cpu?.mems) writeField(ctx, 'cpu/mems', dir, 'cpuset.mems', r.cpu.mems);
  },
  stats(dir, s) {
    const cpus = readOptional(dir, 'cpuset.cpus');
    if (cpus === undefined) return;
    const num = (file: string): number => Number((readOptional(dir, file) ?? '0').trim());
    // keys in runc's order: cpus, cpu_exclusive, mems, then the rest
    const c: Partial<CgroupStats['cpuset']> = {};
    setNonZero(c, 'cpus', parseCpuList(cpus));
    c.cpu_exclusive = num('cpuset.cpu_exclusive');
    setNonZero(c, 'mems', parseCpuList(readOptional(dir, 'cpuset.mems') ?? ''));
    s.cpuset = {
      ...c,
      cpu_exclusive: num('cpuset.cpu_exclusive'),
      mem_hardwall: num('cpuset.mem_hardwall'),
      mem_exclusive: num('cpuset.mem_exclusive'),
      memory_migrate: num('cpuset.memory_migrate'),
      memory_spread_page: num('cpuset.memory_spread_page'),
      memory_spread_slab: num('cpuset.memory_spread_slab'),
      memory_pressure: num('cpuset.memory_pressure'),
      sched_load_balance: num('cpuset.sched_load_balance'),
      sched_relax_domain_level: num('cpuset.sched_relax_domain_level'),
    };
  },
};
