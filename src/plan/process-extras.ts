// process.scheduler, process.ioPriority, linux.personality,
// linux.memoryPolicy (memory-policy.ts) and process.execCPUAffinity → plan fields. Checks follow runc's validator
// (libcontainer/configs/validate) and its constants (configs.ToSchedAttr).
import type { CPUAffinity, Linux, LinuxIOPriority, LinuxPersonality, Process, Scheduler } from '../spec/config.js';
import { configError } from './config-error.js';
import { compileProcessLabels, type HostLsm } from './lsm.js';
import { compileMemoryPolicy } from './memory-policy.js';
import type { Plan, PlanScheduler } from './types.js';

const SCHED_POLICIES: Readonly<Record<string, number>> = {
  SCHED_OTHER: 0,
  SCHED_FIFO: 1,
  SCHED_RR: 2,
  SCHED_BATCH: 3,
  SCHED_ISO: 4,
  SCHED_IDLE: 5,
  SCHED_DEADLINE: 6,
};

const SCHED_FLAGS: Readonly<Record<string, number>> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01,
  SCHED_FLAG_RECLAIM: 0x02,
  SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10,
  SCHED_FLAG_UTIL_CLAMP_MIN: 0x20,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

/** include/uapi/linux/ioprio.h */
const IOPRIO_CLASSES: Readonly<Record<string, number>> = {
  IOPRIO_CLASS_RT: 1,
  IOPRIO_CLASS_BE: 2,
  IOPRIO_CLASS_IDLE: 3,
};
const IOPRIO_CLASS_SHIFT = 13;

/** personality(2): PER_LINUX, PER_LINUX32. */
const PERSONALITY_DOMAINS: Readonly<Record<string, number>> = {
  LINUX: 0x0000,
  LINUX32: 0x0008,
};

/** The kernel's CONFIG_NR_CPUS upper bound; runc's configs.MaxCPU is the same order. */
const MAX_CPU = 8192;

export function compileScheduler(s: Scheduler | undefined, at = '/process/scheduler'): PlanScheduler | undefined {
  if (s === undefined) return undefined;
  const policy = SCHED_POLICIES[s.policy];
  if (policy === undefined) throw configError(`${at}/policy`, `unknown policy "${s.policy}"`);
  const nice = s.nice ?? 0;
  const priority = s.priority ?? 0;
  if ((s.policy === 'SCHED_OTHER' || s.policy === 'SCHED_BATCH') && (nice < -20 || nice > 19)) {
    throw configError(`${at}/nice`, `must be -20 to 19 with ${s.policy}, not ${nice}`);
  }
  if (priority !== 0 && s.policy !== 'SCHED_FIFO' && s.policy !== 'SCHED_RR') {
    throw configError(`${at}/priority`, 'can only be set with SCHED_FIFO or SCHED_RR');
  }
  for (const field of ['runtime', 'deadline', 'period'] as const) {
    const v = s[field];
    if (v === undefined) continue;
    if (s.policy !== 'SCHED_DEADLINE' && v !== 0) throw configError(`${at}/${field}`, 'can only be set with SCHED_DEADLINE');
    if (!Number.isSafeInteger(v) || v < 0) throw configError(`${at}/${field}`, `must be a non-negative integer of nanoseconds, not ${v}`);
  }
  let flags = 0;
  (s.flags ?? []).forEach((f, i) => {
    const bit = SCHED_FLAGS[f];
    if (bit === undefined) throw configError(`${at}/flags/${i}`, `unknown flag "${f}"`);
    flags |= bit;
  });
  return {
    policy,
    flags,
    nice,
    priority,
    runtime: BigInt(s.runtime ?? 0),
    deadline: BigInt(s.deadline ?? 0),
    period: BigInt(s.period ?? 0),
  };
}

/** The ioprio_set(2) value: class << 13 | priority. */
export function compileIoPriority(p: LinuxIOPriority | undefined, at = '/process/ioPriority'): number | undefined {
  if (p === undefined) return undefined;
  const cls = IOPRIO_CLASSES[p.class];
  if (cls === undefined) throw configError(`${at}/class`, `unknown class "${p.class}"`);
  if (!Number.isInteger(p.priority) || p.priority < 0 || p.priority > 7) {
    throw configError(`${at}/priority`, `must be 0 to 7, not ${p.priority}`);
  }
  return (cls << IOPRIO_CLASS_SHIFT) | p.priority;
}

/** The personality(2) persona. Flags: the spec defines none; runc ignores them with a warning. */
export function compilePersonality(p: LinuxPersonality | undefined, warn: (msg: string) => void): number | undefined {
  if (p === undefined) return undefined;
  const domain = PERSONALITY_DOMAINS[p.domain];
  if (domain === undefined) throw configError('/linux/personality/domain', `unknown domain "${p.domain}"`);
  if (p.flags?.length) warn(`config.json: /linux/personality/flags: ignoring unsupported personality flags: ${p.flags.join(', ')}`);
  return domain;
}

/**
 * A CPU list ("0-3,7") → sorted CPU numbers; refuses what sched_setaffinity
 * could not take. Empty means "not set" (spec: final omitted or empty).
 */
export function parseCpuList(text: string, at: string): number[] | undefined {
  if (text.trim() === '') return undefined;
  const cpus = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw configError(at, `bad CPU list "${text}"`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw configError(at, `bad CPU range "${part.trim()}" in "${text}"`);
    if (to >= MAX_CPU) throw configError(at, `CPU ${to} is above the maximum of ${MAX_CPU - 1}`);
    for (let c = from; c <= to; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** process.execCPUAffinity: applies to exec'd processes only (spec), set by the parent around the cgroup join. */
export function compileExecCpuAffinity(a: CPUAffinity | undefined, at = '/process/execCPUAffinity'): Plan['execCpuAffinity'] {
  if (a === undefined) return undefined;
  const initial = a.initial === undefined ? undefined : parseCpuList(a.initial, `${at}/initial`);
  const final = a.final === undefined ? undefined : parseCpuList(a.final, `${at}/final`);
  if (!initial && !final) return undefined;
  return { initial, final };
}

/**
 * The plan fields of this file and the LSM labels, for a process of the
 * container (the init, or an exec'd one: linux.personality is the
 * container's). Errors name config.json's /process; exec rewrites them.
 */
export function compileProcessExtras(
  proc: Process,
  linux: Linux | undefined,
  lsm: HostLsm,
  warn: (msg: string) => void,
): Pick<Plan, 'personality' | 'scheduler' | 'ioPriority' | 'apparmorProfile' | 'selinuxLabel' | 'execCpuAffinity' | 'memoryPolicy'> {
  return {
    personality: compilePersonality(linux?.personality, warn),
    memoryPolicy: compileMemoryPolicy(linux?.memoryPolicy),
    scheduler: compileScheduler(proc.scheduler),
    ioPriority: compileIoPriority(proc.ioPriority),
    ...compileProcessLabels(proc, lsm),
    execCpuAffinity: compileExecCpuAffinity(proc.execCPUAffinity),
  };
}
