// linux.resources → systemd unit properties (systemd.resource-control(5)), the ones runc's
// systemd driver sets; every value is also written to the cgroup files afterwards, so the
// properties are what systemd keeps (and re-applies on daemon-reload), the files what the
// kernel enforces from the start. Pure.
import type { LinuxDeviceCgroup, LinuxResources } from '../../spec/config.js';
import { parseCpuList, swapToV2 } from '../convert.js';
import { sharesToWeight } from '../convert.js';
import { deviceRulesV2 } from '../v2/devices.js';
import { ACC_MKNOD, ACC_READ, ACC_WRITE, emulateDeviceRules, type DeviceException } from '../v2/device-filter.js';
import { Variant } from './dbus-wire.js';

export type UnitProperty = [string, Variant];

/** systemd's "infinity" for the uint64 properties. */
const INFINITY = 0xffffffffffffffffn;
const DEFAULT_PERIOD_US = 100_000;

const u64 = (n: number | bigint): Variant => new Variant('t', BigInt(n));

/** The properties of a new container scope (before its resource properties). */
export function scopeProperties(id: string, slice: string, pid: number): UnitProperty[] {
  return [
    ['Description', new Variant('s', `tsrunc container ${id}`)],
    ['Slice', new Variant('s', slice)],
    ['Delegate', new Variant('b', true)],
    ['PIDs', new Variant('au', [pid])],
    ['MemoryAccounting', new Variant('b', true)],
    ['CPUAccounting', new Variant('b', true)],
    ['IOAccounting', new Variant('b', true)],
    ['TasksAccounting', new Variant('b', true)],
    ['DefaultDependencies', new Variant('b', false)],
  ];
}

export interface ResourceOptions {
  /** create: the device rules (with linux.devices paths); update leaves devices alone. */
  devices?: { rules: readonly LinuxDeviceCgroup[]; specPaths: readonly string[] };
  /** /proc/devices text, to name the groups of wildcard-minor device rules. */
  procDevices?: string;
}

export function resourceProperties(r: LinuxResources, opts: ResourceOptions = {}): UnitProperty[] {
  const props: UnitProperty[] = [];
  if (opts.devices) props.push(...deviceProperties(opts.devices.rules, opts.devices.specPaths, opts.procDevices ?? ''));
  const m = r.memory;
  if (m?.limit) props.push(['MemoryMax', u64(m.limit === -1 ? INFINITY : m.limit)]);
  if (m?.reservation) props.push(['MemoryLow', u64(m.reservation === -1 ? INFINITY : m.reservation)]);
  if (m?.swap) {
    const swap = swapToV2(m.swap, m.limit ?? 0);
    if (typeof swap === 'number' && swap !== 0) props.push(['MemorySwapMax', u64(swap === -1 ? INFINITY : swap)]);
  }
  const c = r.cpu;
  if (c?.shares) props.push(['CPUWeight', u64(sharesToWeight(c.shares))]);
  props.push(...cpuQuotaProperties(c?.quota ?? 0, c?.period ?? 0));
  if (c?.cpus) props.push(['AllowedCPUs', new Variant('ay', cpuMask(c.cpus))]);
  if (c?.mems) props.push(['AllowedMemoryNodes', new Variant('ay', cpuMask(c.mems))]);
  const pids = r.pids?.limit;
  if (pids !== undefined && pids !== 0) props.push(['TasksMax', u64(pids < 0 ? INFINITY : pids)]);
  props.push(...unifiedProperties(r.unified ?? {}));
  return props;
}

/**
 * CPUQuotaPerSecUSec (µs of CPU per second) and CPUQuotaPeriodUSec. systemd keeps the
 * quota as a whole percentage, so runc rounds up to 10 ms per second: the exact cpu.max
 * is written to the file afterwards.
 */
function cpuQuotaProperties(quota: number, period: number): UnitProperty[] {
  const props: UnitProperty[] = [];
  if (period) props.push(['CPUQuotaPeriodUSec', u64(period)]);
  if (quota || period) {
    let perSec = INFINITY;
    if (quota > 0) {
      let us = Math.floor((quota * 1_000_000) / (period || DEFAULT_PERIOD_US));
      if (us % 10_000 !== 0) us = (Math.floor(us / 10_000) + 1) * 10_000;
      perSec = BigInt(us);
    }
    props.push(['CPUQuotaPerSecUSec', u64(perSec)]);
  }
  return props;
}

/** "0-2,5" → the little-endian bitmask systemd's AllowedCPUs takes. */
export function cpuMask(list: string): Buffer {
  const cpus = parseCpuList(list);
  if (cpus.some((n) => !Number.isInteger(n) || n < 0)) return Buffer.alloc(0);
  const mask = Buffer.alloc(cpus.length ? Math.floor(Math.max(...cpus) / 8) + 1 : 0);
  for (const n of cpus) mask[n >> 3] |= 1 << (n & 7);
  return mask;
}

/** The unified keys systemd has a property for (runc's list); the rest only goes to files. */
function unifiedProperties(unified: Readonly<Record<string, string>>): UnitProperty[] {
  const props: UnitProperty[] = [];
  const num = (v: string): bigint | undefined => (v === 'max' ? INFINITY : /^\d+$/.test(v) ? BigInt(v) : undefined);
  const memory: Record<string, string> = {
    'memory.high': 'MemoryHigh',
    'memory.low': 'MemoryLow',
    'memory.min': 'MemoryMin',
    'memory.max': 'MemoryMax',
    'memory.swap.max': 'MemorySwapMax',
  };
  for (const [key, raw] of Object.entries(unified)) {
    const v = raw.trim();
    if (memory[key] || key === 'pids.max' || key === 'cpu.weight') {
      const n = num(v);
      if (n === undefined) continue; // the file write reports the bad value
      props.push([memory[key] ?? (key === 'pids.max' ? 'TasksMax' : 'CPUWeight'), u64(n)]);
    } else if (key === 'cpu.max') {
      const [q, p] = v.split(/\s+/);
      const quota = q === 'max' ? 0 : Number(q);
      const period = p === undefined ? DEFAULT_PERIOD_US : Number(p);
      if (Number.isFinite(quota) && Number.isFinite(period)) props.push(...cpuQuotaProperties(quota, period));
    } else if (key === 'cpuset.cpus' || key === 'cpuset.mems') {
      props.push([key === 'cpuset.cpus' ? 'AllowedCPUs' : 'AllowedMemoryNodes', new Variant('ay', cpuMask(v))]);
    }
  }
  return props;
}

/**
 * DevicePolicy and DeviceAllow from the same rule list the eBPF filter is compiled from.
 * A list that ends in allow-all (with denied exceptions) cannot be said in DeviceAllow:
 * then systemd leaves devices alone (policy auto) and tsrunc's own program decides, as in runc.
 */
export function deviceProperties(rules: readonly LinuxDeviceCgroup[], specPaths: readonly string[], procDevices: string): UnitProperty[] {
  const emulated = emulateDeviceRules(deviceRulesV2(rules, specPaths));
  if (emulated.defaultAllow) return [['DevicePolicy', new Variant('s', 'auto')], ['DeviceAllow', new Variant('a(ss)', [])]];
  const allow: [string, string][] = [];
  for (const e of emulated.exceptions) {
    const spec = deviceSpecifier(e, procDevices);
    if (spec) allow.push([spec, accessLetters(e.access)]);
  }
  return [
    ['DevicePolicy', new Variant('s', 'strict')],
    ['DeviceAllow', new Variant('a(ss)', allow)],
  ];
}

function accessLetters(bits: number): string {
  return (bits & ACC_READ ? 'r' : '') + (bits & ACC_WRITE ? 'w' : '') + (bits & ACC_MKNOD ? 'm' : '');
}

/** "/dev/char/1:3", "char-pts" (a major's group from /proc/devices), "char-*"; undefined if unnamed. */
function deviceSpecifier(e: DeviceException, procDevices: string): string | undefined {
  const kind = e.type === 'c' ? 'char' : 'block';
  if (e.major < 0) return `${kind}-*`;
  if (e.minor >= 0) return `/dev/${kind}/${e.major}:${e.minor}`;
  const section = procDevices.split(/\n\s*\n/).find((s) => s.startsWith(e.type === 'c' ? 'Character' : 'Block'));
  for (const line of (section ?? '').split('\n')) {
    const [num, name] = line.trim().split(/\s+/);
    if (Number(num) === e.major && name) return `${kind}-${name}`;
  }
  return undefined;
}
