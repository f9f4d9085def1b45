// v1 cpu: shares, CFS quota/period/burst, idle, realtime budget; throttling stats.
import type { LinuxResources } from '../../spec/config.js';
import { fieldError, isCode, reason, readKeyValues, readOptional, readUint, writeCgroupFile, writeField, type ApplyContext } from '../fs.js';
import { setNonZero, type CgroupStats } from '../stats.js';
import { firstSet, type Controller } from '../controller.js';

type Write = [field: string, file: string, value: string];

/**
 * Writes the pairs the kernel checks against each other (period vs quota, burst vs quota,
 * rt period vs rt runtime): a write refused with EINVAL is retried after `main`, because
 * the new value may only fit once the main one has changed too.
 */
function writeOrdered(dir: string, ctx: ApplyContext, before: Write[], main: Write | undefined): void {
  const later: Write[] = [];
  for (const w of before) {
    try {
      writeCgroupFile(dir, w[1], w[2]);
    } catch (err) {
      if (isCode(err, 'EINVAL') && main) later.push(w);
      else if (isCode(err, 'ENOENT') && w[1] === 'cpu.cfs_burst_us') ctx.warn('cpu.burst is ignored: this kernel has no cpu.cfs_burst_us');
      else throw fieldError(ctx, w[0], `${w[1]} rejected "${w[2]}": ${reason(err)}`);
    }
  }
  if (main) writeField(ctx, main[0], dir, main[1], main[2]);
  for (const w of later) writeField(ctx, w[0], dir, w[1], w[2]);
}

export const cpuV1: Controller = {
  name: 'cpu',
  v2Name: 'cpu',
  requested: (r: LinuxResources) =>
    firstSet('cpu', { ...r.cpu, cpus: undefined, mems: undefined }, ['shares', 'quota', 'period', 'realtimeRuntime', 'realtimePeriod']),
  apply(dir, r, ctx) {
    const c = r.cpu ?? {};
    if (c.shares) {
      writeField(ctx, 'cpu/shares', dir, 'cpu.shares', String(c.shares));
      // the kernel clamps out-of-range shares silently; runc reports it
      const actual = readUint(dir, 'cpu.shares');
      if (actual !== undefined && actual !== c.shares) {
        throw fieldError(ctx, 'cpu/shares', `${c.shares} is out of range: the ${c.shares > actual ? 'maximum' : 'minimum'} is ${actual}`);
      }
    }
    const cfs: Write[] = [];
    if (c.period) cfs.push(['cpu/period', 'cpu.cfs_period_us', String(c.period)]);
    if (c.burst !== undefined) cfs.push(['cpu/burst', 'cpu.cfs_burst_us', String(c.burst)]);
    writeOrdered(dir, ctx, cfs, c.quota ? ['cpu/quota', 'cpu.cfs_quota_us', String(c.quota)] : undefined);
    if (c.idle !== undefined) writeField(ctx, 'cpu/idle', dir, 'cpu.idle', String(c.idle));
    const rt: Write[] = c.realtimePeriod ? [['cpu/realtimePeriod', 'cpu.rt_period_us', String(c.realtimePeriod)]] : [];
    writeOrdered(dir, ctx, rt, c.realtimeRuntime ? ['cpu/realtimeRuntime', 'cpu.rt_runtime_us', String(c.realtimeRuntime)] : undefined);
  },
  stats(dir, s) {
    const st = readKeyValues(dir, 'cpu.stat');
    if (!st) return;
    setNonZero(s.cpu.throttling, 'periods', st.nr_periods);
    setNonZero(s.cpu.throttling, 'throttledPeriods', st.nr_throttled);
    setNonZero(s.cpu.throttling, 'throttledTime', st.throttled_time);
  },
};

// USER_HZ: the unit of cpuacct.stat. 100 on every Linux architecture runc supports.
const CLOCK_TICKS = 100;

/** cpuacct has no settings; it only feeds stats. */
export const cpuacctV1: Controller = {
  name: 'cpuacct',
  requested: () => undefined,
  apply() {},
  stats(dir, s) {
    const u: Partial<CgroupStats['cpu']['usage']> = {};
    setNonZero(u, 'total', readUint(dir, 'cpuacct.usage'));
    setNonZero(u, 'percpu', readUintList(dir, 'cpuacct.usage_percpu'));
    const all = readUsageAll(dir);
    setNonZero(u, 'percpu_kernel', all?.kernel);
    setNonZero(u, 'percpu_user', all?.user);
    const st = readKeyValues(dir, 'cpuacct.stat');
    // spread last so the keys come in runc's order
    s.cpu.usage = { ...u, kernel: ((st?.system ?? 0) * 1e9) / CLOCK_TICKS, user: ((st?.user ?? 0) * 1e9) / CLOCK_TICKS };
  },
};

/** A line of space-separated numbers (cpuacct.usage_percpu). */
function readUintList(dir: string, file: string): number[] | undefined {
  const text = readOptional(dir, file);
  if (text === undefined) return undefined;
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

/** cpuacct.usage_all: a "cpu user system" header, then one line per cpu. */
function readUsageAll(dir: string): { user: number[]; kernel: number[] } | undefined {
  const text = readOptional(dir, 'cpuacct.usage_all');
  if (text === undefined) return undefined;
  const user: number[] = [];
  const kernel: number[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3) continue;
    user.push(Number(f[1]));
    kernel.push(Number(f[2]));
  }
  return { user, kernel };
}
