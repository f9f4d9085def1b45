// process.rlimits → RLIMIT records.
import type { POSIXRlimit } from '../spec/config.js';
import { configError } from './config-error.js';
import type { PlanRlimit } from './types.js';

/** RLIMIT_* numbers of the generic Linux ABI (x86, arm, riscv…). */
export const RLIMIT_NUMBERS: Readonly<Record<string, number>> = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
};

export const RLIM_INFINITY = (1n << 64n) - 1n;

/**
 * A u64 from JSON. JSON.parse turns 2^64-1 into the double 2^64, so anything
 * at or above 2^64 is read as RLIM_INFINITY.
 */
export function toU64(value: number | bigint): bigint {
  const v = typeof value === 'bigint' ? value : BigInt(Math.trunc(value));
  if (v < 0n) return 0n;
  return v > RLIM_INFINITY ? RLIM_INFINITY : v;
}

export function compileRlimits(rlimits: POSIXRlimit[] | undefined): PlanRlimit[] {
  const seen = new Set<string>();
  return (rlimits ?? []).map((rl, i) => {
    const resource = RLIMIT_NUMBERS[rl.type];
    if (resource === undefined) throw configError(`/process/rlimits/${i}/type`, `unknown rlimit "${rl.type}"`);
    if (seen.has(rl.type)) throw configError(`/process/rlimits/${i}`, `duplicate rlimit ${rl.type}`);
    seen.add(rl.type);
    const soft = toU64(rl.soft);
    const hard = toU64(rl.hard);
    if (soft > hard) throw configError(`/process/rlimits/${i}`, `soft limit ${soft} of ${rl.type} is above hard limit ${hard}`);
    return { resource, soft, hard };
  });
}
