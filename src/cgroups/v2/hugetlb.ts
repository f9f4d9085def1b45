// v2 hugetlb: hugetlb.<size>.max (+ .rsvd.max); stats from .current and .events.
import { applyHugetlb } from '../v1/hugetlb.js';
import { hugePageSizes, readKeyValues, readUint } from '../fs.js';
import type { Controller } from '../controller.js';
import type { HugetlbEntry } from '../stats.js';

export const hugetlbV2: Controller = {
  name: 'hugetlb',
  requested: (r) => (r.hugepageLimits?.length ? 'hugepageLimits' : undefined),
  apply: (dir, r, ctx) => applyHugetlb(dir, r, ctx, '.max'),
  stats(dir, s) {
    for (const size of hugePageSizes()) {
      const usage = readUint(dir, `hugetlb.${size}.rsvd.current`) ?? readUint(dir, `hugetlb.${size}.current`);
      if (usage === undefined) continue;
      const e: HugetlbEntry = { failcnt: readKeyValues(dir, `hugetlb.${size}.events`)?.max ?? 0 };
      if (usage) e.usage = usage;
      s.hugetlb[size] = e;
    }
  },
};
