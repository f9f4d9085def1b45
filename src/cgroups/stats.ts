// The "data" object of `runc events --stats`, field for field (runc's types/events.go).
// Optional fields are the ones runc leaves out when zero; stats() leaves them out too,
// so JSON.stringify of the result matches runc's output.
import type { IntelRdtStats } from '../linux/resctrl-stats.js';

export interface MemoryEntry {
  limit: number;
  usage?: number;
  max?: number;
  failcnt: number;
}

export interface BlkioEntry {
  major?: number;
  minor?: number;
  op?: string;
  value?: number;
}

export interface HugetlbEntry {
  usage?: number;
  max?: number;
  failcnt: number;
}

export interface CgroupStats {
  cpu: {
    usage: {
      total?: number;
      percpu?: number[];
      percpu_kernel?: number[];
      percpu_user?: number[];
      kernel: number;
      user: number;
    };
    throttling: { periods?: number; throttledPeriods?: number; throttledTime?: number };
  };
  cpuset: {
    cpus?: number[];
    cpu_exclusive: number;
    mems?: number[];
    mem_hardwall: number;
    mem_exclusive: number;
    memory_migrate: number;
    memory_spread_page: number;
    memory_spread_slab: number;
    memory_pressure: number;
    sched_load_balance: number;
    sched_relax_domain_level: number;
  };
  memory: {
    cache?: number;
    usage: MemoryEntry;
    swap: MemoryEntry;
    kernel: MemoryEntry;
    kernelTCP: MemoryEntry;
    raw?: Record<string, number>;
  };
  pids: { current?: number; limit?: number };
  blkio: {
    ioServiceBytesRecursive?: BlkioEntry[];
    ioServicedRecursive?: BlkioEntry[];
    ioQueueRecursive?: BlkioEntry[];
    ioServiceTimeRecursive?: BlkioEntry[];
    ioWaitTimeRecursive?: BlkioEntry[];
    ioMergedRecursive?: BlkioEntry[];
    ioTimeRecursive?: BlkioEntry[];
    sectorsRecursive?: BlkioEntry[];
  };
  hugetlb: Record<string, HugetlbEntry>;
  /** Filled by events from the container's resctrl group (src/linux/resctrl-stats.ts); {} without one. */
  intel_rdt: IntelRdtStats;
  network_interfaces: null;
}

export function emptyStats(): CgroupStats {
  return {
    cpu: { usage: { kernel: 0, user: 0 }, throttling: {} },
    cpuset: {
      cpu_exclusive: 0,
      mem_hardwall: 0,
      mem_exclusive: 0,
      memory_migrate: 0,
      memory_spread_page: 0,
      memory_spread_slab: 0,
      memory_pressure: 0,
      sched_load_balance: 0,
      sched_relax_domain_level: 0,
    },
    memory: { usage: memoryEntry(0), swap: memoryEntry(0), kernel: memoryEntry(0), kernelTCP: memoryEntry(0) },
    pids: {},
    blkio: {},
    hugetlb: {},
    intel_rdt: {},
    network_interfaces: null,
  };
}

export function memoryEntry(limit: number, usage = 0, max = 0, failcnt = 0): MemoryEntry {
  const e: MemoryEntry = { limit, failcnt };
  if (usage) e.usage = usage;
  if (max) e.max = max;
  return e;
}

/** Sets obj[key] only for a non-zero value, like Go's omitempty. */
export function setNonZero<T extends object, K extends keyof T>(obj: T, key: K, value: T[K] | undefined): void {
  if (value === undefined || value === 0 || (Array.isArray(value) && value.length === 0)) return;
  obj[key] = value;
}

/**
 * JSON text of a stats object (or an event holding one), with uint64 values as runc prints
 * them. Plain JSON.stringify would print v2's unlimited (Infinity) as null, and shortens
 * big integers ("9223372036854771712", v1's unlimited, would become 9223372036854772000).
 */
export function statsToJson(value: unknown): string {
  const big = (v: unknown): string | undefined => {
    if (v === Infinity) return '18446744073709551615'; // runc's math.MaxUint64 for "max"
    if (typeof v === 'number' && Number.isInteger(v) && v > Number.MAX_SAFE_INTEGER) return BigInt(v).toString();
    return undefined;
  };
  return JSON.stringify(value, (_k, v: unknown) => {
    const digits = big(v);
    return digits === undefined ? v : `@@uint64:${digits}@@`;
  }).replace(/"@@uint64:(\d+)@@"/g, '$1');
}

/** A copy with keys in sorted order: Go's encoding/json prints maps that way. */
export function sortedRecord<T>(r: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
