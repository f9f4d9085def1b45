// v1 pids: pids.max. The v2 file has the same name and format.
import type { LinuxResources } from '../../spec/config.js';
import { readUint, writeField, type ApplyContext } from '../fs.js';
import { setNonZero, type CgroupStats } from '../stats.js';
import type { Controller } from '../controller.js';

/** -1 (any negative) is "max"; 0 is a real limit, as the spec asks. */
export function applyPids(dir: string, r: LinuxResources, ctx: ApplyContext): void {
  const limit = r.pids?.limit;
  if (limit === undefined) return;
  writeField(ctx, 'pids/limit', dir, 'pids.max', limit < 0 ? 'max' : String(limit));
}

export function pidsStats(dir: string, s: CgroupStats): void {
  setNonZero(s.pids, 'current', readUint(dir, 'pids.current'));
  const max = readUint(dir, 'pids.max');
  // runc reports an unlimited pids.max as 0
  setNonZero(s.pids, 'limit', max === Infinity ? 0 : max);
}

export const pidsV1: Controller = {
  name: 'pids',
  v2Name: 'pids',
  requested: (r) => (r.pids?.limit !== undefined ? 'pids/limit' : undefined),
  apply: applyPids,
  stats: pidsStats,
};
