// v1 hugetlb: hugetlb.<size>.limit_in_bytes (and the .rsvd twin when the kernel has it).
import type { LinuxResources } from '../../spec/config.js';
import { hugePageSizes, isCode, readUint, writeCgroupFile, writeField, fieldError, reason, type ApplyContext } from '../fs.js';
import type { CgroupStats, HugetlbEntry } from '../stats.js';
import type { Controller } from '../controller.js';

/** Writes `<prefix><size><limitSuffix>` and its reservation twin; shared with v2. */
export function applyHugetlb(dir: string, r: LinuxResources, ctx: ApplyContext, limitSuffix: string): void {
  let rsvd = true;
  (r.hugepageLimits ?? []).forEach((h, i) => {
    const field = `hugepageLimits/${i}`;
    writeField(ctx, field, dir, `hugetlb.${h.pageSize}${limitSuffix}`, String(h.limit));
    if (!rsvd) return;
    try {
      writeCgroupFile(dir, `hugetlb.${h.pageSize}.rsvd${limitSuffix}`, String(h.limit));
    } catch (err) {
      if (!isCode(err, 'ENOENT')) throw fieldError(ctx, field, `hugetlb.${h.pageSize}.rsvd${limitSuffix}: ${reason(err)}`);
      rsvd = false;
    }
  });
}

export const hugetlbV1: Controller = {
  name: 'hugetlb',
  v2Name: 'hugetlb',
  requested: (r) => (r.hugepageLimits?.length ? 'hugepageLimits' : undefined),
  apply: (dir, r, ctx) => applyHugetlb(dir, r, ctx, '.limit_in_bytes'),
  stats(dir, s: CgroupStats) {
    for (const size of hugePageSizes()) {
      const usage = readUint(dir, `hugetlb.${size}.usage_in_bytes`);
      if (usage === undefined) continue;
      const e: HugetlbEntry = { failcnt: readUint(dir, `hugetlb.${size}.failcnt`) ?? 0 };
      const max = readUint(dir, `hugetlb.${size}.max_usage_in_bytes`) ?? 0;
      if (usage) e.usage = usage;
      if (max) e.max = max;
      s.hugetlb[size] = e;
    }
  },
};
