// `update` flags → a resources object, with runc's flag names, units and fix-ups.
import { UserError } from '../errors.js';
import type { LinuxResources } from '../spec/config.js';

export interface UpdateFlags {
  blkioWeight?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpuBurst?: string;
  cpuShare?: string;
  cpuRtPeriod?: string;
  cpuRtRuntime?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  cpuIdle?: string;
  kernelMemory?: string;
  kernelMemoryTcp?: string;
  memory?: string;
  memoryReservation?: string;
  memorySwap?: string;
  pidsLimit?: string;
  l3CacheSchema?: string;
  memBwSchema?: string;
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Like docker's RAMInBytes: "512", "64m", "1.5g", "10MiB", "2 GB" (binary units). */
export function ramInBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(text);
  if (!m) throw new Error(`invalid size: '${text}'`);
  const value = Math.trunc(Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]);
  if (!Number.isSafeInteger(value)) throw new Error(`size out of range: '${text}'`);
  return value;
}

function unsigned(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UserError(`invalid value for ${flag}: ${JSON.stringify(text)} is not an unsigned integer`);
  return safe(flag, text);
}

function signed(flag: string, text: string): number {
  if (!/^[-+]?\d+$/.test(text)) throw new UserError(`invalid value for ${flag}: ${JSON.stringify(text)} is not an integer`);
  return safe(flag, text);
}

function safe(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new UserError(`invalid value for ${flag}: ${text} is out of range`);
  return n;
}

/** Integer flags of runc's CLI library report a bad value in its words. */
function intFlag(flag: string, text: string): number {
  if (!/^[-+]?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UserError(`invalid value ${JSON.stringify(text)} for flag -${flag}: parse error`);
  }
  return Number(text);
}

function bytes(flag: string, text: string): number {
  if (text === '-1') return -1;
  try {
    return ramInBytes(text);
  } catch (err) {
    throw new UserError(`invalid value for ${flag}: ${(err as Error).message}`);
  }
}

/** The resources to write; warn gets runc's warnings (kernel memory). */
export function resourcesFromFlags(f: UpdateFlags, warn: (msg: string) => void): LinuxResources {
  const r: LinuxResources = {};
  const cpu: NonNullable<LinuxResources['cpu']> = {};
  const memory: NonNullable<LinuxResources['memory']> = {};
  const set = (v: string | undefined): v is string => v !== undefined && v !== '';

  if (set(f.blkioWeight)) {
    const w = intFlag('blkio-weight', f.blkioWeight);
    if (w !== 0) r.blockIO = { weight: w };
  }
  if (set(f.cpusetCpus)) cpu.cpus = f.cpusetCpus;
  if (set(f.cpusetMems)) cpu.mems = f.cpusetMems;
  if (set(f.cpuIdle)) cpu.idle = signed('cpu-idle', f.cpuIdle);
  if (set(f.cpuBurst)) cpu.burst = unsigned('cpu-burst', f.cpuBurst);
  if (set(f.cpuPeriod)) cpu.period = unsigned('cpu-period', f.cpuPeriod);
  if (set(f.cpuRtPeriod)) cpu.realtimePeriod = unsigned('cpu-rt-period', f.cpuRtPeriod);
  if (set(f.cpuShare)) cpu.shares = unsigned('cpu-share', f.cpuShare);
  if (set(f.cpuQuota)) cpu.quota = signed('cpu-quota', f.cpuQuota);
  if (set(f.cpuRtRuntime)) cpu.realtimeRuntime = signed('cpu-rt-runtime', f.cpuRtRuntime);
  if (set(f.memory)) memory.limit = bytes('memory', f.memory);
  if (set(f.memorySwap)) memory.swap = bytes('memory-swap', f.memorySwap);
  if (set(f.memoryReservation)) memory.reservation = bytes('memory-reservation', f.memoryReservation);
  if (set(f.kernelMemory) || set(f.kernelMemoryTcp)) {
    if (set(f.kernelMemory)) bytes('kernel-memory', f.kernelMemory);
    if (set(f.kernelMemoryTcp)) bytes('kernel-memory-tcp', f.kernelMemoryTcp);
    warn('kernel memory settings are ignored and will be removed');
  }
  if (f.pidsLimit !== undefined) r.pids = { limit: intFlag('pids-limit', f.pidsLimit) };
  if (Object.keys(cpu).length) r.cpu = cpu;
  if (Object.keys(memory).length) r.memory = memory;
  return r;
}
