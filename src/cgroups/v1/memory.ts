// v1 memory: memory.limit_in_bytes, memsw (the spec's swap is memory+swap, as in v1),
// soft limit, swappiness, OOM killer; stats from memory.stat and the usage files.
import { join } from 'node:path';
import type { LinuxResources } from '../../spec/config.js';
import { exists, fieldError, isCode, reason, readKeyValues, readUint, writeCgroupFile, writeField, type ApplyContext } from '../fs.js';
import { memoryEntry, setNonZero, sortedRecord, type CgroupStats, type MemoryEntry } from '../stats.js';
import type { OomCounters } from '../types.js';
import { firstSet, type Controller } from '../controller.js';

const LIMIT = 'memory.limit_in_bytes';
const MEMSW = 'memory.memsw.limit_in_bytes';

function setLimit(dir: string, value: number, ctx: ApplyContext): void {
  try {
    writeCgroupFile(dir, LIMIT, String(value));
  } catch (err) {
    if (isCode(err, 'EBUSY')) {
      const usage = readUint(dir, 'memory.usage_in_bytes') ?? 0;
      const peak = readUint(dir, 'memory.max_usage_in_bytes') ?? 0;
      throw fieldError(ctx, 'memory/limit', `cannot set ${value}: below current usage ${usage} (peak ${peak})`);
    }
    throw fieldError(ctx, 'memory/limit', `${LIMIT} rejected "${value}": ${reason(err)}`);
  }
}

function setMemoryAndSwap(dir: string, limit: number, swap: number, ctx: ApplyContext): void {
  if (limit > 0 && swap > 0 && swap < limit) throw fieldError(ctx, 'memory/swap', `memory+swap limit ${swap} is below the memory limit ${limit}`);
  // unlimited memory with no swap given: make swap unlimited too, or the old memsw blocks it
  if (limit === -1 && swap === 0 && exists(join(dir, MEMSW))) swap = -1;
  if (limit !== 0 && swap !== 0) {
    // the kernel wants memory <= memsw at every step: raise memsw first when it grows
    const current = readUint(dir, LIMIT) ?? 0;
    if (swap === -1 || current < swap) {
      writeField(ctx, 'memory/swap', dir, MEMSW, String(swap));
      setLimit(dir, limit, ctx);
      return;
    }
  }
  if (limit !== 0) setLimit(dir, limit, ctx);
  if (swap !== 0) writeField(ctx, 'memory/swap', dir, MEMSW, String(swap));
}

function entry(dir: string, prefix: string): MemoryEntry {
  const usage = readUint(dir, `${prefix}.usage_in_bytes`);
  if (usage === undefined) return memoryEntry(0);
  return memoryEntry(
    readUint(dir, `${prefix}.limit_in_bytes`) ?? 0,
    usage,
    readUint(dir, `${prefix}.max_usage_in_bytes`) ?? 0,
    readUint(dir, `${prefix}.failcnt`) ?? 0,
  );
}

export const memoryV1: Controller = {
  name: 'memory',
  v2Name: 'memory',
  requested: (r: LinuxResources) =>
    firstSet('memory', { ...r.memory, kernel: undefined, kernelTCP: undefined, checkBeforeUpdate: undefined }, ['limit', 'swap', 'reservation']),
  apply(dir, r, ctx) {
    const m = r.memory ?? {};
    setMemoryAndSwap(dir, m.limit ?? 0, m.swap ?? 0, ctx);
    if (m.reservation) writeField(ctx, 'memory/reservation', dir, 'memory.soft_limit_in_bytes', String(m.reservation));
    if (m.disableOOMKiller) writeField(ctx, 'memory/disableOOMKiller', dir, 'memory.oom_control', '1');
    if (m.swappiness !== undefined && m.swappiness !== -1) {
      if (m.swappiness > 100) throw fieldError(ctx, 'memory/swappiness', `${m.swappiness} is not in 0-100`);
      writeField(ctx, 'memory/swappiness', dir, 'memory.swappiness', String(m.swappiness));
    }
    if (m.useHierarchy !== undefined) {
      try {
        writeCgroupFile(dir, 'memory.use_hierarchy', m.useHierarchy ? '1' : '0');
      } catch (err) {
        // kernels since 5.16 are always hierarchical and refuse "0"
        if (m.useHierarchy || !isCode(err, 'EINVAL')) throw fieldError(ctx, 'memory/useHierarchy', `memory.use_hierarchy: ${reason(err)}`);
        ctx.warn('memory.useHierarchy=false is ignored: this kernel is always hierarchical');
      }
    }
    // checkBeforeUpdate: on v1 the kernel itself refuses a limit below usage (EBUSY)
  },
  stats(dir, s: CgroupStats) {
    const raw = readKeyValues(dir, 'memory.stat');
    if (raw === undefined) return;
    s.memory.raw = sortedRecord(raw);
    setNonZero(s.memory, 'cache', raw.cache);
    s.memory.usage = entry(dir, 'memory');
    s.memory.swap = entry(dir, 'memory.memsw');
    s.memory.kernel = entry(dir, 'memory.kmem');
    s.memory.kernelTCP = entry(dir, 'memory.kmem.tcp');
  },
};

/** memory.oom_control: "under_oom" is 1 while the cgroup is at its limit; "oom_kill" counts kills. */
export function oomCountersV1(dir: string): OomCounters | undefined {
  const kv = readKeyValues(dir, 'memory.oom_control');
  if (kv === undefined) return undefined;
  return { oom: kv.under_oom ?? 0, oomKill: kv.oom_kill ?? 0 };
}
