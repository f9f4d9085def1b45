// The one interface the runtime sees; v1 (with its hybrid companion) and v2 implement it.
import type { LinuxResources } from '../spec/config.js';
import type { CgroupStats } from './stats.js';

export type FreezerState = 'frozen' | 'thawed';

/**
 * What the memory controller tells about OOM, as counters that only grow while the
 * cgroup lives: `oom` (v2: memory.events "oom"; v1: under_oom, 0 or 1) and `oomKill`
 * (processes the OOM killer took). `events` reports an OOM when either goes up.
 */
export interface OomCounters {
  oom: number;
  oomKill: number;
}

export interface CgroupManager {
  /** The cgroupsPath as used: cleaned, or "<id>" (relative) when the config had none. */
  readonly path: string;
  /** Absolute directory per hierarchy, like runc's cgroup_paths ("" = the v2 directory). */
  readonly dirs: Readonly<Record<string, string>>;
  /** mkdir in every hierarchy; on v1 a new devices cgroup starts as deny-all + runc's default allow list. */
  create(): void;
  /** Moves pid into the cgroup in every hierarchy. */
  addProcess(pid: number): void;
  /**
   * Drivers whose cgroup another party makes around a first process (systemd's scope):
   * there create() and apply() only check and remember, and create calls this with the
   * stub's pid before the stub joins the cgroup. The fs drivers do not have it.
   */
  startWith?(pid: number): void;
  /**
   * Writes limits at create time, devices included. Throws UserError naming the field on a
   * rejection. specDevices: linux.devices, whose paths replace runc's default device rules.
   */
  apply(resources: LinuxResources, specDevices?: readonly { path: string }[]): void;
  /** Writes the limits present in resources (runc update); device rules are left alone.
   *  If the kernel rejects one, the values already written are put back. */
  update(resources: LinuxResources): void;
  freeze(): void;
  thaw(): void;
  state(): FreezerState;
  /** Every pid in the cgroup and its sub-cgroups. */
  pids(): number[];
  stats(): CgroupStats;
  /** undefined when there is no memory controller (or the cgroup is gone). */
  oomCounters(): OomCounters | undefined;
  /** For kill --all: freeze, signal every pid, thaw. */
  killAll(signal: number): void;
  /** rmdir everywhere (sub-cgroups first), retrying while killed pids drain; no error if gone. */
  destroy(): void;
  exists(): boolean;
}
