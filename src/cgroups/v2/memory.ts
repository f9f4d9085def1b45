// v2 memory: memory.max, memory.swap.max (swap alone: the spec's memory+swap minus the
// limit), memory.low; stats from memory.stat, memory.current/peak and memory.events.
import type { LinuxResources } from '../../spec/config.js';
import { fieldError, isCode, readKeyValues, readUint, reason, writeCgroupFile, writeField, type ApplyContext } from '../fs.js';
import { swapToV2 } from '../convert.js';
import { firstSet, type Controller } from '../controller.js';
import { memoryEntry, setNonZero, sortedRecord } from '../stats.js';

/** -1 → "max", 0 → not set. */
function limitText(n: number | undefined): string | undefined {
  if (!n) return undefined;
  return n === -1 ? 'max' : String(n);
}

function checkUsage(dir: string, limit: number, swap: number, ctx: ApplyContext): void {
  const usage = readUint(dir, 'memory.current');
  if (usage === undefined) return;
  if (swap > 0 && swap <= usage) throw fieldError(ctx, 'memory/swap', `memory+swap limit ${swap} is not above current usage ${usage}`);
  if (limit > 0 && limit <= usage) throw fieldError(ctx, 'memory/limit', `memory limit ${limit} is not above current usage ${usage}`);
}

export const memoryV2: Controller = {
  name: 'memory',
  requested: (r: LinuxResources) => firstSet('memory', { limit: r.memory?.limit, swap: r.memory?.swap, reservation: r.memory?.reservation }, ['limit', 'swap', 'reservation']),
  apply(dir, r, ctx) {
    const m = r.memory ?? {};
    const limit = m.limit ?? 0;
    const swap = m.swap ?? 0;
    if (m.checkBeforeUpdate) checkUsage(dir, limit, swap, ctx);
    const swapV2 = swapToV2(swap, limit);
    if (typeof swapV2 === 'string') throw fieldError(ctx, 'memory/swap', swapV2);
    const swapText = swapV2 === 0 ? (swap > 0 ? '0' : undefined) : limitText(swapV2);
    if (swapText !== undefined) {
      try {
        writeCgroupFile(dir, 'memory.swap.max', swapText);
      } catch (err) {
        // no swap accounting: "no swap limit" and "no swap" are already true
        if (!(isCode(err, 'ENOENT') && (swapText === 'max' || swapText === '0'))) {
          throw fieldError(ctx, 'memory/swap', `memory.swap.max rejected "${swapText}": ${reason(err)}`);
        }
      }
    }
    const max = limitText(limit);
    if (max) writeField(ctx, 'memory/limit', dir, 'memory.max', max);
    const low = limitText(m.reservation);
    if (low) writeField(ctx, 'memory/reservation', dir, 'memory.low', low);
  },
  stats(dir, s) {
    const raw = readKeyValues(dir, 'memory.stat');
    if (raw === undefined) return;
    s.memory.raw = sortedRecord(raw);
    setNonZero(s.memory, 'cache', raw.file);
    const usage = readUint(dir, 'memory.current') ?? 0;
    const limit = readUint(dir, 'memory.max') ?? 0;
    const failcnt = readKeyValues(dir, 'memory.events')?.max ?? 0;
    s.memory.usage = memoryEntry(limit, usage, readUint(dir, 'memory.peak') ?? 0, failcnt);
    const swapUsage = readUint(dir, 'memory.swap.current');
    if (swapUsage !== undefined) {
      const swapLimit = readUint(dir, 'memory.swap.max') ?? 0;
      const swapFail = readKeyValues(dir, 'memory.swap.events')?.max ?? 0;
      // runc reports swap as memory+swap, the v1 meaning
      s.memory.swap = memoryEntry(swapLimit === Infinity ? Infinity : swapLimit + limit, swapUsage + usage, 0, swapFail);
    }
  },
};

/** Memory fields with no v2 file: warned about, not fatal (runc ignores them silently). */
export function warnMemoryV2Ignored(r: LinuxResources, ctx: ApplyContext): void {
  const m = r.memory;
  if (m?.swappiness !== undefined && m.swappiness !== -1) ctx.warn('memory.swappiness is ignored on cgroup v2');
  if (m?.disableOOMKiller) ctx.warn('memory.disableOOMKiller is ignored on cgroup v2');
}
