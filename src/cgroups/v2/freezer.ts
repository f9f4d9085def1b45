// v2 freezer: cgroup.freeze; the kernel reports completion as "frozen 1" in cgroup.events.
import { readKeyValues, readOptional, sleepMs, writeCgroupFile } from '../fs.js';
import type { FreezerState } from '../types.js';

export function setFrozenV2(dir: string, frozen: boolean): void {
  writeCgroupFile(dir, 'cgroup.freeze', frozen ? '1' : '0');
  if (!frozen) return;
  for (let i = 0; i < 1000; i++) {
    if (readKeyValues(dir, 'cgroup.events')?.frozen === 1) return;
    sleepMs(10);
  }
  writeCgroupFile(dir, 'cgroup.freeze', '0');
  throw new Error(`freeze ${dir}: processes did not freeze within 10s`);
}

export function freezerStateV2(dir: string): FreezerState {
  return readOptional(dir, 'cgroup.freeze')?.trim() === '1' ? 'frozen' : 'thawed';
}
