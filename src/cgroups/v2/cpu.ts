// v2 cpu and cpuset: cpu.weight (converted from shares), cpu.max "quota period",
// cpu.max.burst, cpu.idle, cpuset.cpus/mems; stats from cpu.stat (µs → ns).
import type { LinuxResources } from '../../spec/config.js';
import { fieldError, isCode, readKeyValues, readOptional, reason, writeCgroupFile, writeField } from '../fs.js';
import { sharesToWeight } from '../convert.js';
import { firstSet, type Controller } from '../controller.js';
import { setNonZero, type CgroupStats } from '../stats.js';

export const cpuV2: Controller = {
  name: 'cpu',
  requested: (r: LinuxResources) =>
    firstSet('cpu', { shares: r.cpu?.shares, quota: r.cpu?.quota, period: r.cpu?.period, burst: r.cpu?.burst, idle: r.cpu?.idle }, ['shares', 'quota', 'period']),
  apply(dir, r, ctx) {
    const c = r.cpu ?? {};
    if (c.idle !== undefined) writeField(ctx, 'cpu/idle', dir, 'cpu.idle', String(c.idle));
    if (c.shares) writeField(ctx, 'cpu/shares', dir, 'cpu.weight', String(sharesToWeight(c.shares)));
    let burstLater = false;
    if (c.burst !== undefined) {
      try {
        writeCgroupFile(dir, 'cpu.max.burst', String(c.burst));
      } catch (err) {
        // a burst above the old quota fits only once the new quota is in
        if (!isCode(err, 'EINVAL') || !c.quota) throw fieldError(ctx, 'cpu/burst', `cpu.max.burst rejected "${c.burst}": ${reason(err)}`);
        burstLater = true;
      }
    }
    if (c.quota || c.period) {
      // cpu.max holds both: the one not given keeps its current value (runc update does the same)
      const [curQuota = 'max', curPeriod = '100000'] = (readOptional(dir, 'cpu.max') ?? '').trim().split(/\s+/).filter(Boolean);
      const quota = c.quota ? (c.quota > 0 ? String(c.quota) : 'max') : curQuota;
      writeField(ctx, c.quota ? 'cpu/quota' : 'cpu/period', dir, 'cpu.max', `${quota} ${c.period || curPeriod}`);
    }
    if (burstLater) writeField(ctx, 'cpu/burst', dir, 'cpu.max.burst', String(c.burst));
  },
  stats(dir, s) {
    const st = readKeyValues(dir, 'cpu.stat');
    if (!st) return;
    const us = (v: number | undefined): number | undefined => (v === undefined ? undefined : v * 1000);
    const total: Partial<CgroupStats['cpu']['usage']> = {};
    setNonZero(total, 'total', us(st.usage_usec));
    s.cpu.usage = { ...total, kernel: us(st.system_usec) ?? 0, user: us(st.user_usec) ?? 0 };
    setNonZero(s.cpu.throttling, 'periods', st.nr_periods);
    setNonZero(s.cpu.throttling, 'throttledPeriods', st.nr_throttled);
    setNonZero(s.cpu.throttling, 'throttledTime', us(st.throttled_usec));
  },
};

export const cpusetV2: Controller = {
  name: 'cpuset',
  requested: (r) => firstSet('cpu', { cpus: r.cpu?.cpus || undefined, mems: r.cpu?.mems || undefined }),
  apply(dir, r, ctx) {
    if (r.cpu?.cpus) writeField(ctx, 'cpu/cpus', dir, 'cpuset.cpus', r.cpu.cpus);
    if (r.cpu?.mems) writeField(ctx, 'cpu/mems', dir, 'cpuset.mems', r.cpu.mems);
  },
};
