// cgroup v1: one directory per mounted hierarchy. On a hybrid host a V2Manager rides
// along: the container's processes are tracked in the v2 tree too (as runc does), and
// controllers that only the v2 tree has (hugetlb on this project's hosts) are set there.
import { mkdirSync } from 'node:fs';
import type { LinuxResources } from '../../spec/config.js';
import { UserError, describeSystemError } from '../../errors.js';
import { allPids, deviceRules, exists, fieldError, removeCgroupDir, systemError, withRollback, writeCgroupFile, type ApplyContext } from '../fs.js';
import { firstRequested, type Controller } from '../controller.js';
import { rdmaController } from '../rdma.js';
import { emptyStats, type CgroupStats } from '../stats.js';
import type { CgroupManager, FreezerState, OomCounters } from '../types.js';
import type { V1Hierarchy } from '../mountinfo.js';
import { signalAll, type V2Manager } from '../v2/manager.js';
import { blkioV1 } from './blkio.js';
import { cpuacctV1, cpuV1 } from './cpu.js';
import { cpusetV1, makeCpusetDirs } from './cpuset.js';
import { applyDevices } from './devices.js';
import { freezerStateV1, freezeV1, thawV1 } from './freezer.js';
import { hugetlbV1 } from './hugetlb.js';
import { memoryV1, oomCountersV1 } from './memory.js';
import { netClsV1, netPrioV1 } from './net.js';
import { pidsV1 } from './pids.js';

/** In runc's order of Set(); devices come first, from apply(). */
const CONTROLLERS: readonly Controller[] = [
  cpusetV1, memoryV1, cpuV1, cpuacctV1, pidsV1, blkioV1, hugetlbV1, netClsV1, netPrioV1, rdmaController,
];

export interface V1Target {
  hierarchy: V1Hierarchy;
  /** The container's directory in that hierarchy. */
  dir: string;
}

/** The first limit (devices aside) a config asks of v1 controllers: what a rootless container without a cgroup cannot have. */
export function requestedV1(r: LinuxResources): string | undefined {
  return firstRequested(CONTROLLERS, r);
}

export class V1Manager implements CgroupManager {
  readonly dirs: Readonly<Record<string, string>>;

  constructor(
    readonly path: string,
    private readonly targets: readonly V1Target[],
    private readonly companion: V2Manager | undefined,
    private readonly warn: (msg: string) => void,
    /** Rootless: device rules need privileges a user never has; runc ignores their errors then. */
    private readonly devicesOptional = false,
  ) {
    const dirs: Record<string, string> = {};
    for (const t of targets) for (const c of t.hierarchy.controllers) dirs[c] = t.dir;
    if (companion) dirs[''] = companion.dirs[''];
    this.dirs = dirs;
  }

  private dirOf(controller: string): string | undefined {
    return this.targets.find((t) => t.hierarchy.controllers.includes(controller))?.dir;
  }

  /** The directory whose processes stand for the container's (runc uses devices). */
  private primary(): string {
    return this.dirOf('devices') ?? this.dirOf('freezer') ?? this.targets[0].dir;
  }

  create(): void {
    const made: string[] = [];
    try {
      for (const t of this.targets) {
        const fresh = !exists(t.dir);
        const first = t.hierarchy.controllers.includes('cpuset')
          ? makeCpusetDirs(t.hierarchy.mountpoint, t.dir)
          : mkdirSync(t.dir, { recursive: true });
        if (first) made.push(first);
        // a new devices cgroup allows everything: start from runc's baseline until apply()
        if (fresh && t.hierarchy.controllers.includes('devices')) deviceRules(this.devicesOptional, () => applyDevices(t.dir, [], this.context('config.json: /linux/resources')));
      }
      this.companion?.create();
    } catch (err) {
      for (const d of made.reverse()) {
        try {
          removeCgroupDir(d);
        } catch {
          // keep the original error
        }
      }
      if (err instanceof UserError || (err as NodeJS.ErrnoException).code === undefined) throw err;
      throw systemError(`create cgroup ${this.path}`, err);
    }
  }

  addProcess(pid: number): void {
    for (const t of this.targets) {
      try {
        writeCgroupFile(t.dir, 'cgroup.procs', String(pid));
      } catch (err) {
        throw new Error(describeSystemError(`add pid ${pid} to ${t.dir}`, err));
      }
    }
    this.companion?.addProcess(pid);
  }

  apply(r: LinuxResources, specDevices: readonly { path: string }[] = []): void {
    const ctx = this.context('config.json: /linux/resources');
    const devices = this.dirOf('devices');
    // without a devices cgroup the container could open any host device: never run like that
    if (!devices) {
      if (!this.devicesOptional) throw fieldError(ctx, 'devices', 'the devices cgroup controller is not mounted');
    } else deviceRules(this.devicesOptional, () => applyDevices(devices, r.devices ?? [], ctx, specDevices.map((d) => d.path)));
    this.write(r, ctx);
  }

  update(r: LinuxResources): void {
    withRollback(() => this.write(r, this.context('resources')), this.warn);
  }

  private context(where: string): ApplyContext {
    return { where, warn: this.warn };
  }

  private write(r: LinuxResources, ctx: ApplyContext): void {
    if (r.memory?.kernel !== undefined || r.memory?.kernelTCP !== undefined) ctx.warn('kernel memory settings are ignored');
    for (const c of CONTROLLERS) {
      const field = c.requested(r);
      if (!field) continue;
      const dir = this.dirOf(c.name);
      if (dir) c.apply(dir, r, ctx);
      else if (this.companion && c.v2Name && this.companion.has(c.v2Name)) this.companion.applyController(c.v2Name, r, ctx);
      else throw fieldError(ctx, field, `the ${c.name} cgroup controller is not mounted`);
    }
    if (r.unified && Object.keys(r.unified).length) {
      if (!this.companion) throw fieldError(ctx, 'unified', 'cgroup v2 files cannot be set on a cgroup v1 host');
      this.companion.applyUnified(r, ctx);
    }
  }

  freeze(): void {
    const dir = this.dirOf('freezer');
    if (dir) {
      this.mustExist(dir, 'freeze');
      freezeV1(dir);
    } else if (this.companion) this.companion.freeze();
    else throw new UserError('freeze: no freezer cgroup is mounted');
  }

  thaw(): void {
    const dir = this.dirOf('freezer');
    if (dir) {
      this.mustExist(dir, 'thaw');
      thawV1(dir);
    } else if (this.companion) this.companion.thaw();
    else throw new UserError('thaw: no freezer cgroup is mounted');
  }

  state(): FreezerState {
    const dir = this.dirOf('freezer');
    if (dir) return freezerStateV1(dir);
    return this.companion?.state() ?? 'thawed';
  }

  pids(): number[] {
    return allPids(this.primary());
  }

  stats(): CgroupStats {
    const s = emptyStats();
    const fromV2: string[] = [];
    for (const c of CONTROLLERS) {
      const dir = this.dirOf(c.name);
      if (dir) c.stats?.(dir, s);
      else if (c.v2Name) fromV2.push(c.v2Name);
    }
    if (this.companion && fromV2.length) this.companion.statsInto(s, fromV2);
    return s;
  }

  oomCounters(): OomCounters | undefined {
    const dir = this.dirOf('memory');
    if (dir) return oomCountersV1(dir);
    return this.companion?.oomCounters();
  }

  killAll(signal: number): void {
    const canFreeze = this.dirOf('freezer') !== undefined || this.companion !== undefined;
    const wasFrozen = this.state() === 'frozen';
    if (canFreeze) this.freeze();
    try {
      signalAll(this.pids(), signal);
    } finally {
      // v1-frozen tasks act on SIGKILL only once thawed
      if (canFreeze && (!wasFrozen || signal === 9)) this.thaw();
    }
  }

  destroy(): void {
    let first: unknown;
    for (const t of this.targets) {
      try {
        removeCgroupDir(t.dir);
      } catch (err) {
        first ??= err;
      }
    }
    try {
      this.companion?.destroy();
    } catch (err) {
      first ??= err;
    }
    if (first) throw first;
  }

  exists(): boolean {
    return exists(this.primary());
  }

  private mustExist(dir: string, what: string): void {
    if (!exists(dir)) throw new UserError(`${what}: cgroup ${dir} does not exist`);
  }
}
