// The record kept in <root>/<id>/state.json, and the runc-compatible views of it.
import type { Spec } from '../spec/config.js';

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface ContainerRecord {
  ociVersion: string;
  id: string;
  /** Host pid of the container's init. */
  pid: number;
  /** Field 22 of /proc/<pid>/stat when the init was created: detects pid reuse. */
  pidStartTime: string;
  bundle: string;
  rootfs: string;
  /** RFC 3339 with nanoseconds, like runc. */
  created: string;
  owner: string;
  cgroupsPath: string;
  /** The cgroup directories create used, per hierarchy ("" = v2): later commands use exactly these. */
  cgroupDirs?: Record<string, string>;
  systemdCgroup: boolean;
  /** The resctrl group of linux.intelRdt (src/linux/resctrl.ts). */
  intelRdt?: IntelRdtState;
  /** The validated config the container was created from (hooks, process, namespaces). */
  config: Spec;
}

/** Where a container's resctrl group is, and what delete removes (runc keeps intel_rdt_path, intel_rdt_mon_path). */
export interface IntelRdtState {
  /** The resctrl mount point create found. */
  root: string;
  /** The CTRL_MON group the container's processes join. */
  path: string;
  /** Its MON group (<path>/mon_groups/<id>), with enableMonitoring. */
  monPath?: string;
  /** create made the group (it did not exist). */
  madeGroup: boolean;
  /** delete removes the group: create made it and no closID named it. */
  removeGroup: boolean;
}

/** What `state` prints: runc's field names and order. */
export interface StateView {
  ociVersion: string;
  id: string;
  pid: number;
  status: Status;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

export function stateView(rec: ContainerRecord, status: Status): StateView {
  const view: StateView = {
    ociVersion: rec.ociVersion,
    id: rec.id,
    pid: status === 'stopped' ? 0 : rec.pid,
    status,
    bundle: rec.bundle,
    rootfs: rec.rootfs,
    created: rec.created,
    owner: rec.owner,
  };
  const annotations = rec.config.annotations;
  if (annotations && Object.keys(annotations).length) view.annotations = annotations;
  return view;
}

/** The state object the runtime-spec gives hooks on stdin. */
export function hookState(rec: Pick<ContainerRecord, 'id' | 'pid' | 'bundle' | 'config'>, status: Status): object {
  return {
    ociVersion: rec.config.ociVersion,
    id: rec.id,
    status,
    pid: status === 'stopped' ? undefined : rec.pid,
    bundle: rec.bundle,
    annotations: rec.config.annotations ?? {},
  };
}

export function rfc3339Now(): string {
  // Node has millisecond precision; pad to nanoseconds like Go's RFC3339Nano.
  const ns = process.hrtime.bigint() % 1000000n;
  return new Date().toISOString().replace(/\.(\d{3})Z$/, (_m, ms: string) => `.${ms}${ns.toString().padStart(6, '0')}Z`);
}
