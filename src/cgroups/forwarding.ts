// A CgroupManager that hands every call to another one: the base of the drivers that
// wrap a cgroupfs manager and change only a few steps (rootless.ts: creation without
// permission; systemd/manager.ts: a scope unit around the same directory).
import type { LinuxResources } from '../spec/config.js';
import type { CgroupStats } from './stats.js';
import type { CgroupManager, FreezerState, OomCounters } from './types.js';

export abstract class ForwardingCgroup implements CgroupManager {
  /** The manager that does the work (may change, e.g. once rootless gives up on a cgroup). */
  protected abstract get target(): CgroupManager;

  get path(): string {
    return this.target.path;
  }

  get dirs(): Readonly<Record<string, string>> {
    return this.target.dirs;
  }

  create(): void {
    this.target.create();
  }

  addProcess(pid: number): void {
    this.target.addProcess(pid);
  }

  apply(resources: LinuxResources, specDevices?: readonly { path: string }[]): void {
    this.target.apply(resources, specDevices);
  }

  update(resources: LinuxResources): void {
    this.target.update(resources);
  }

  freeze(): void {
    this.target.freeze();
  }

  thaw(): void {
    this.target.thaw();
  }

  state(): FreezerState {
    return this.target.state();
  }

  pids(): number[] {
    return this.target.pids();
  }

  stats(): CgroupStats {
    return this.target.stats();
  }

  oomCounters(): OomCounters | undefined {
    return this.target.oomCounters();
  }

  killAll(signal: number): void {
    this.target.killAll(signal);
  }

  destroy(): void {
    this.target.destroy();
  }

  exists(): boolean {
    return this.target.exists();
  }
}
