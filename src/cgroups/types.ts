// The one interface the runtime sees; v1 (with its hybrid companion) and v2 implement it.
import type { LinuxResources } from '../spec/config.js';
import type { CgroupStats } from './stats.js';

export type FreezerState = 'frozen' | 'thawed';

export interface CgroupManager {
  /** The cgroupsPath as used: cleaned, or "<id>" (relative) when the config had none. */
  readonly path: string;
  /** Absolute directory per hierarchy, like runc's cgroup_paths ("" = the v2 directory). */
  readonly dirs: Readonly<Record<string, string>>;
  /** mkdir in every hierarchy; on v1 a new devices cgroup starts as deny-all + runc's default allow list. */
  create(): void;
  /** Moves pid into the cgroup in every hierarchy. */
  addProcess(pid: number): void;
  /** Writes limits at create time, devices included. Throws UserError naming the field on a rejection. */
  apply(resources: LinuxResources): void;
  /** Writes the limits present in resources (runc update); device rules are left alone. */
  update(resources: LinuxResources): void;
  freeze(): void;
  thaw(): void;
  state(): FreezerState;
  /** Every pid in the cgroup and its sub-cgroups. */
  pids(): number[];
  stats(): CgroupStats;
  /** For kill --all: freeze, signal every pid, thaw. */
  killAll(signal: number): void;
  /** rmdir everywhere (sub-cgroups first), retrying while killed pids drain; no error if gone. */
  destroy(): void;
  exists(): boolean;
}
