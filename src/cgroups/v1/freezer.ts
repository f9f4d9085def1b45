// v1 freezer: FROZEN is reached through FREEZING, which can stall while tasks are in
// uninterruptible sleep; like runc, keep asking and thaw briefly now and then to unstick it.
import { readCgroupFile, readOptional, sleepMs, writeCgroupFile } from '../fs.js';
import type { FreezerState } from '../types.js';

export function freezeV1(dir: string): void {
  for (let i = 0; i < 1000; i++) {
    if (i % 50 === 49) {
      writeCgroupFile(dir, 'freezer.state', 'THAWED');
      sleepMs(10);
    }
    writeCgroupFile(dir, 'freezer.state', 'FROZEN');
    if (i % 25 === 24) sleepMs(1);
    const state = readCgroupFile(dir, 'freezer.state').trim();
    if (state === 'FROZEN') return;
    if (state !== 'FREEZING') {
      writeCgroupFile(dir, 'freezer.state', 'THAWED');
      throw new Error(`freeze ${dir}: unexpected freezer.state ${state}`);
    }
  }
  writeCgroupFile(dir, 'freezer.state', 'THAWED');
  throw new Error(`freeze ${dir}: processes did not freeze`);
}

export function thawV1(dir: string): void {
  writeCgroupFile(dir, 'freezer.state', 'THAWED');
}

/** Frozen only when this cgroup itself was frozen, not merely a frozen ancestor. */
export function freezerStateV1(dir: string): FreezerState {
  for (let i = 0; i < 1000; i++) {
    const state = readOptional(dir, 'freezer.state')?.trim();
    if (state === undefined || state === 'THAWED') return 'thawed';
    if (state === 'FROZEN') return readOptional(dir, 'freezer.self_freezing')?.trim() === '0' ? 'thawed' : 'frozen';
    sleepMs(1); // FREEZING usually settles within milliseconds
  }
  return 'frozen'; // stuck in FREEZING: a freeze was asked for and is still under way
}
