// cgroup v2: one directory in the unified tree. Also serves as the v2 half of a hybrid
// host, where it tracks the container's processes and runs the controllers v1 lacks.
import { mkdirSync, rmdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { LinuxResources } from '../../spec/config.js';
import { UserError, describeSystemError } from '../../errors.js';
import {
  allPids,
  deviceRules,
  exists,
  fieldError,
  isCode,
  readKeyValues,
  readOptional,
  reason,
  removeCgroupDir,
  systemError,
  withRollback,
  writeCgroupFile,
  type ApplyContext,
} from '../fs.js';
import { firstRequested, type Controller } from '../controller.js';
import { rdmaController } from '../rdma.js';
import { emptyStats, type CgroupStats } from '../stats.js';
import type { CgroupManager, FreezerState, OomCounters } from '../types.js';
import { cpusetV2, cpuV2 } from './cpu.js';
import { applyDevicesV2 } from './devices.js';
import { freezerStateV2, setFrozenV2 } from './freezer.js';
import { hugetlbV2 } from './hugetlb.js';
import { ioV2 } from './io.js';
import { memoryV2, warnMemoryV2Ignored } from './memory.js';
import { pidsV2 } from './pids.js';

const CONTROLLERS: readonly Controller[] = [pidsV2, memoryV2, ioV2, cpuV2, cpusetV2, hugetlbV2, rdmaController];

/** The first limit (devices aside) a config asks of v2 controllers: what a rootless container without a cgroup cannot have. */
export function requestedV2(r: LinuxResources): string | undefined {
  return firstRequested(CONTROLLERS, r);
}

export class V2Manager implements CgroupManager {
  readonly dirs: Readonly<Record<string, string>>;

  constructor(
    readonly path: string,
    /** Mount point of the unified tree. */
    private readonly mountpoint: string,
    /** The cgroup directory, below mountpoint. */
    private readonly dir: string,
    private readonly warn: (msg: string) => void,
    /** Rootless: attaching the device filter needs privileges a user never has; runc ignores its errors then. */
    private readonly devicesOptional = false,
  ) {
    this.dirs = { '': dir };
  }

  /** Controllers the kernel offers at the top of the tree. */
  private available(): string[] {
    return (readOptional(this.mountpoint, 'cgroup.controllers') ?? '').split(/\s+/).filter(Boolean);
  }

  /** Controllers enabled for our directory (the parent's subtree_control). */
  has(controller: string): boolean {
    return (readOptional(this.dir, 'cgroup.controllers') ?? '').split(/\s+/).includes(controller);
  }

  create(): void {
    const wanted = this.available().map((c) => `+${c}`);
    const made: string[] = [];
    try {
      let current = this.mountpoint;
      for (const part of relative(this.mountpoint, this.dir).split('/').filter(Boolean)) {
        // Enable every available controller on the way down, as runc does. A level that
        // holds processes refuses (EBUSY); its children then simply go without.
        if (wanted.length) enableControllers(current, wanted);
        current = join(current, part);
        try {
          mkdirSync(current);
          made.push(current);
        } catch (err) {
          if (!isCode(err, 'EEXIST')) throw systemError(`mkdir ${current}`, err);
        }
      }
    } catch (err) {
      for (const d of made.reverse()) rmdirQuiet(d);
      throw err;
    }
  }

  addProcess(pid: number): void {
    try {
      writeCgroupFile(this.dir, 'cgroup.procs', String(pid));
    } catch (err) {
      throw new Error(describeSystemError(`add pid ${pid} to ${this.dir}`, err));
    }
  }

  /** Pure v2 only: on a hybrid host the v1 manager calls applyController/applyUnified, and
   *  v1's devices controller decides about devices. */
  apply(r: LinuxResources, specDevices: readonly { path: string }[] = []): void {
    const ctx = this.context('config.json: /linux/resources');
    // always, as on v1: without config rules the container still gets deny-all + the defaults
    deviceRules(this.devicesOptional, () => applyDevicesV2(this.dir, r.devices ?? [], ctx, specDevices.map((d) => d.path)));
    this.write(r, ctx);
  }

  update(r: LinuxResources): void {
    withRollback(() => this.write(r, this.context('resources')), this.warn);
  }

  private context(where: string): ApplyContext {
    return { where, warn: this.warn };
  }

  private write(r: LinuxResources, ctx: ApplyContext): void {
    if (r.cpu?.realtimeRuntime || r.cpu?.realtimePeriod) {
      throw fieldError(ctx, r.cpu.realtimeRuntime ? 'cpu/realtimeRuntime' : 'cpu/realtimePeriod', 'realtime scheduling budgets are not supported on cgroup v2');
    }
    if (r.network?.classID !== undefined || r.network?.priorities?.length) {
      throw fieldError(ctx, 'network', 'net_cls and net_prio do not exist on cgroup v2');
    }
    warnMemoryV2Ignored(r, ctx);
    if (r.memory?.kernel !== undefined || r.memory?.kernelTCP !== undefined) ctx.warn('kernel memory settings are ignored');
    for (const c of CONTROLLERS) if (c.requested(r)) this.applyController(c.name, r, ctx);
    this.applyUnified(r, ctx);
  }

  /** Writes one controller's fields; UserError naming the field when it is not enabled here. */
  applyController(name: string, r: LinuxResources, ctx: ApplyContext): void {
    const c = CONTROLLERS.find((x) => x.name === name);
    const field = c?.requested(r);
    if (!c || !field) return;
    if (!this.has(name)) throw fieldError(ctx, field, `the ${name} controller is not available in ${this.dir}`);
    c.apply(this.dir, r, ctx);
  }

  applyUnified(r: LinuxResources, ctx: ApplyContext): void {
    for (const [key, value] of Object.entries(r.unified ?? {})) {
      const field = `unified/${key}`;
      if (key.includes('/') || key === '.' || key === '..') throw fieldError(ctx, field, 'must be a file name');
      try {
        writeCgroupFile(this.dir, key, value);
      } catch (err) {
        const controller = key.split('.')[0];
        if ((isCode(err, 'ENOENT') || isCode(err, 'EACCES')) && controller !== 'cgroup' && !this.has(controller)) {
          // runc's wording ("invalid configuration"): engines and runc's tests look for it
          throw fieldError(ctx, field, `invalid configuration: the ${controller} controller is not available in ${this.dir}`);
        }
        throw fieldError(ctx, field, `${key} rejected ${JSON.stringify(value)}: ${reason(err)}`);
      }
    }
  }

  freeze(): void {
    this.mustExist('freeze');
    setFrozenV2(this.dir, true);
  }

  thaw(): void {
    this.mustExist('thaw');
    setFrozenV2(this.dir, false);
  }

  state(): FreezerState {
    return freezerStateV2(this.dir);
  }

  pids(): number[] {
    return allPids(this.dir);
  }

  stats(): CgroupStats {
    const s = emptyStats();
    this.statsInto(s, CONTROLLERS.map((c) => c.name));
    return s;
  }

  /** Adds the named controllers' stats to s (the hybrid manager asks only for what v1 lacks). */
  statsInto(s: CgroupStats, names: readonly string[]): void {
    for (const c of CONTROLLERS) if (names.includes(c.name)) c.stats?.(this.dir, s);
    if (names.includes('pids') && s.pids.current === undefined) {
      // without the pids controller, count the processes like runc does
      const n = this.pids().length;
      if (n) s.pids.current = n;
    }
  }

  oomCounters(): OomCounters | undefined {
    const kv = readKeyValues(this.dir, 'memory.events');
    if (kv === undefined) return undefined;
    return { oom: kv.oom ?? 0, oomKill: kv.oom_kill ?? 0 };
  }

  killAll(signal: number): void {
    if (signal === 9 && exists(join(this.dir, 'cgroup.kill'))) {
      writeCgroupFile(this.dir, 'cgroup.kill', '1');
      return;
    }
    const wasFrozen = this.state() === 'frozen';
    this.freeze();
    try {
      signalAll(this.pids(), signal);
    } finally {
      if (!wasFrozen) this.thaw();
    }
  }

  destroy(): void {
    removeCgroupDir(this.dir);
  }

  exists(): boolean {
    return exists(this.dir);
  }

  private mustExist(what: string): void {
    if (!this.exists()) throw new UserError(`${what}: cgroup ${this.dir} does not exist`);
  }
}

function enableControllers(dir: string, wanted: string[]): void {
  const enabled = (readOptional(dir, 'cgroup.subtree_control') ?? '').split(/\s+/);
  const missing = wanted.filter((w) => !enabled.includes(w.slice(1)));
  if (missing.length === 0) return;
  try {
    writeCgroupFile(dir, 'cgroup.subtree_control', missing.join(' '));
  } catch {
    // all at once failed (one controller busy or threaded): take what we can get
    for (const m of missing) {
      try {
        writeCgroupFile(dir, 'cgroup.subtree_control', m);
      } catch {
        // this one stays off; apply() reports it if the config needs it
      }
    }
  }
}

function rmdirQuiet(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // best effort while unwinding a failed create
  }
}

/** Sends signal to each pid; processes that exited meanwhile are skipped. */
export function signalAll(pids: readonly number[], signal: number): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if (!isCode(err, 'ESRCH')) throw new Error(describeSystemError(`kill ${pid}`, err));
    }
  }
}
