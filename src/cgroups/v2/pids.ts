// v2 pids: same file names and format as v1.
import { applyPids, pidsStats } from '../v1/pids.js';
import type { Controller } from '../controller.js';

export const pidsV2: Controller = {
  name: 'pids',
  requested: (r) => (r.pids?.limit !== undefined ? 'pids/limit' : undefined),
  apply: applyPids,
  stats: pidsStats,
};
