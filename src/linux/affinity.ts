// process.execCPUAffinity for exec'd processes (config.md): the parent sets
// the stub's CPU affinity to `initial` before it joins the container's
// cgroup and to `final` right after, as runc's setnsProcess does; the
// process the stub clones inherits it.
import { errnoText, UserError } from '../errors.js';
import { koffi } from './koffi.js';
import { errnoName } from './libc.js';

/** Bytes of the mask: room for CPUs 0..8191, the most a CPU list may name (src/plan/process-extras.ts). */
const MASK_BYTES = 1024;

let setaffinity: ((pid: number, size: number, mask: Buffer) => number) | undefined;

export function setCpuAffinity(pid: number, cpus: readonly number[], what: 'initial' | 'final'): void {
  setaffinity ??= koffi().load('libc.so.6').func('int sched_setaffinity(int pid, size_t size, const uint8_t *mask)') as (
    pid: number,
    size: number,
    mask: Buffer,
  ) => number;
  const mask = Buffer.alloc(MASK_BYTES);
  for (const cpu of cpus) mask[cpu >> 3] |= 1 << (cpu & 7);
  if (setaffinity(pid, MASK_BYTES, mask) !== 0) {
    throw new UserError(`error setting ${what} CPU affinity ${cpus.join(',')}: ${errnoText(errnoName(koffi().errno()))}`);
  }
}
