// The systemd cgroup driver (--systemd-cgroup), pure cgroup v2 only: the container's cgroup
// is a transient scope unit that systemd makes (StartTransientUnit, Delegate=yes, the
// resource properties), holding the stub from its start; then, as runc does, every limit is
// written to the cgroup files too (the fs driver on the scope's directory), which also
// attaches tsrunc's device filter. Everything else (freeze, pids, stats, kill) is the fs
// driver's. delete stops the unit (and resets it if it failed), so nothing stays behind.
import { readFileSync } from 'node:fs';
import type { LinuxDeviceCgroup, LinuxResources } from '../../spec/config.js';
import { UserError } from '../../errors.js';
import { ForwardingCgroup } from '../forwarding.js';
import type { CgroupManager } from '../types.js';
import type { V2Manager } from '../v2/manager.js';
import { Bus, ConnectError, DBusError, sessionBusPath, systemBusPath } from './bus.js';
import { Variant, type DBusValue, type Message } from './dbus-wire.js';
import { resourceProperties, scopeProperties, type UnitProperty } from './properties.js';
import type { SystemdUnit } from './unit.js';

const SYSTEMD = { destination: 'org.freedesktop.systemd1', path: '/org/freedesktop/systemd1', interface: 'org.freedesktop.systemd1.Manager' };

export class SystemdManager extends ForwardingCgroup {
  private pending?: { resources: LinuxResources; devices: readonly { path: string }[] };

  constructor(
    readonly id: string,
    readonly unit: SystemdUnit,
    private readonly fs: V2Manager,
    private readonly warn: (msg: string) => void,
    /** Where systemd answers: the system bus, or a user's session bus (rootless). */
    private readonly bus: SystemdBus = SYSTEM_BUS,
  ) {
    super();
  }

  protected override get target(): CgroupManager {
    return this.fs;
  }

  /** "slice:prefix:name": later commands find the same unit from it. */
  override get path(): string {
    return this.unit.cgroupsPath;
  }

  /** The unit can only start with a process in it (startWith): here we only check that systemd answers. */
  override create(): void {
    withBus(this.bus, (bus) => {
      try {
        bus.call({ ...SYSTEMD, interface: 'org.freedesktop.DBus.Properties', member: 'Get', signature: 'ss', body: [SYSTEMD.interface, 'Version'] });
      } catch (err) {
        throw unitError('ask systemd for its version', err);
      }
    });
  }

  /** Kept for startWith: the properties go with the unit, the files need its directory. */
  override apply(resources: LinuxResources, specDevices: readonly { path: string }[] = []): void {
    this.pending = { resources, devices: specDevices };
  }

  /** Starts the scope with pid in it, waits for systemd to finish, then writes the files. */
  startWith(pid: number): void {
    const { resources, devices } = this.pending ?? { resources: {}, devices: [] };
    const props: UnitProperty[] = [
      ...scopeProperties(this.id, this.unit.slice, pid),
      ...resourceProperties(resources, {
        // a user's instance cannot attach device filters (BPF needs privileges): none, as for rootless cgroupfs
        devices: this.bus.user ? undefined : { rules: (resources.devices ?? []) as LinuxDeviceCgroup[], specPaths: devices.map((d) => d.path) },
        procDevices: readProcDevices(),
      }),
    ];
    withBus(this.bus, (bus) => {
      subscribeJobs(bus);
      let job: string;
      try {
        job = String(managerCall(bus, 'StartTransientUnit', 'ssa(sv)a(sa(sv))', [this.unit.unit, 'replace', props, []])[0]);
      } catch (err) {
        if (err instanceof DBusError && err.errorName === 'org.freedesktop.systemd1.UnitExists') {
          throw new UserError(`systemd cgroup driver: unit ${this.unit.unit} already exists`);
        }
        throw unitError(`start unit ${this.unit.unit}`, err);
      }
      const result = waitJob(bus, job);
      if (result !== 'done') {
        resetFailed(bus, this.unit.unit);
        throw new UserError(`systemd cgroup driver: starting unit ${this.unit.unit}: job ${result}`);
      }
    });
    // the levels above the scope get every controller (systemd enables only those it manages)
    this.fs.create();
    this.fs.apply(resources, devices);
  }

  override update(resources: LinuxResources): void {
    const props = resourceProperties(resources);
    if (props.length) {
      withBus(this.bus, (bus) => {
        try {
          managerCall(bus, 'SetUnitProperties', 'sba(sv)', [this.unit.unit, true, props]);
        } catch (err) {
          throw unitError(`set properties of unit ${this.unit.unit}`, err);
        }
      });
    }
    this.fs.update(resources);
  }

  /** systemd removes the scope's directory as soon as its last process is gone (the
   *  init's death empties a pid namespace): a cgroup that vanishes meanwhile is not an error. */
  override killAll(signal: number): void {
    try {
      this.fs.killAll(signal);
    } catch (err) {
      if (this.fs.exists()) throw err;
    }
  }

  /** Stops the unit (a scope whose processes all exited is already gone), then removes what is left. */
  override destroy(): void {
    withBus(this.bus, (bus) => {
      subscribeJobs(bus);
      let job: string | undefined;
      try {
        job = String(managerCall(bus, 'StopUnit', 'ss', [this.unit.unit, 'replace'])[0]);
      } catch (err) {
        if (!(err instanceof DBusError && err.errorName === 'org.freedesktop.systemd1.NoSuchUnit')) throw unitError(`stop unit ${this.unit.unit}`, err);
      }
      if (job !== undefined) {
        const result = waitJob(bus, job);
        if (result !== 'done') this.warn(`systemd cgroup driver: stopping unit ${this.unit.unit}: job ${result}`);
      }
      resetFailed(bus, this.unit.unit);
    });
    this.fs.destroy();
  }

}

function readProcDevices(): string {
  try {
    return readFileSync('/proc/devices', 'utf8');
  } catch {
    return '';
  }
}

/** Which systemd instance: PID 1 on the system bus, or a user's own on their session bus. */
export interface SystemdBus {
  user: boolean;
  /** The socket, resolved when first needed (from the environment). */
  path: () => string;
}

export const SYSTEM_BUS: SystemdBus = { user: false, path: () => systemBusPath() };
export const SESSION_BUS: SystemdBus = { user: true, path: () => sessionBusPath() };

/** Runs fn on a fresh connection to systemd's bus; an unreachable bus is a clear UserError. */
function withBus<T>(which: SystemdBus, fn: (bus: Bus) => T): T {
  let bus: Bus;
  const instance = which.user ? "the user's systemd instance" : 'systemd';
  const hint = which.user ? '(does the user have a systemd --user with a session bus, e.g. dbus-user-session and a login or `loginctl enable-linger`?)' : '(is dbus running?)';
  try {
    bus = Bus.connect(which.path());
  } catch (err) {
    if (err instanceof ConnectError) {
      throw new UserError(`systemd cgroup driver: cannot reach ${instance} over D-Bus: connect ${err.path}: ${err.reason} ${hint}`);
    }
    throw new UserError(`systemd cgroup driver: cannot reach ${instance} over D-Bus: ${(err as Error).message}`);
  }
  try {
    return fn(bus);
  } finally {
    bus.close();
  }
}

function managerCall(bus: Bus, member: string, signature: string, body: DBusValue[]): DBusValue[] {
  return bus.call({ ...SYSTEMD, member, signature, body });
}

function unitError(what: string, err: unknown): Error {
  if (err instanceof DBusError) return new UserError(`systemd cgroup driver: ${what}: ${err.text || err.errorName}`);
  return err instanceof Error ? err : new Error(String(err));
}

/** Listens for the job's JobRemoved signal; returns its result ("done", "failed", …). */
function waitJob(bus: Bus, job: string): string {
  const signal = bus.waitSignal((m: Message) => m.member === 'JobRemoved' && m.interface === SYSTEMD.interface && m.body?.[1] === job);
  return String(signal.body?.[3] ?? 'unknown');
}

function resetFailed(bus: Bus, unit: string): void {
  try {
    managerCall(bus, 'ResetFailedUnit', 's', [unit]);
  } catch {
    // not failed, or gone: nothing to reset
  }
}

/** Asks for JobRemoved signals; before the call that queues the job, so none is missed. */
function subscribeJobs(bus: Bus): void {
  bus.call({
    destination: 'org.freedesktop.DBus',
    path: '/org/freedesktop/DBus',
    interface: 'org.freedesktop.DBus',
    member: 'AddMatch',
    signature: 's',
    body: ["type='signal',sender='org.freedesktop.systemd1',interface='org.freedesktop.systemd1.Manager',member='JobRemoved'"],
  });
  managerCall(bus, 'Subscribe', '', []);
}

/**
 * The cgroup of the systemd instance on which (its ControlGroup property): a user's instance
 * lives below user@<uid>.service, and its slices and scopes below that (runc's rule).
 */
export function managerCgroup(which: SystemdBus): string {
  return withBus(which, (bus) => {
    try {
      const [v] = bus.call({ ...SYSTEMD, interface: 'org.freedesktop.DBus.Properties', member: 'Get', signature: 'ss', body: [SYSTEMD.interface, 'ControlGroup'] });
      return String(v instanceof Variant ? v.value : v);
    } catch (err) {
      throw unitError('ask systemd for its ControlGroup', err);
    }
  });
}
