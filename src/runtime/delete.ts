// delete: stop what is left of a container and remove its cgroup and state dir.
import { existsSync, rmSync } from 'node:fs';
import { UserError } from '../errors.js';
import { ContainerDir, notExist } from '../state/store.js';
import { waitGone } from '../linux/proc.js';
import { openContainer } from './container.js';
import { runPoststopHooks } from '../hooks/lifecycle.js';
import { log } from '../cli/log.js';
import { cgroupManager } from '../cgroups/index.js';
import type { GlobalOptions } from './options.js';
import type { Spec } from '../spec/config.js';
import { sharesHostMountNs, unmountUnder } from './host-mounts.js';
import { removeGroup } from '../linux/resctrl.js';

const KILL_TIMEOUT_MS = 10_000;

export function deleteContainer(g: GlobalOptions, id: string, force: boolean): void {
  const dir = new ContainerDir(g.root, id);
  if (!existsSync(dir.path)) {
    if (force) return; // runc: nothing to delete is not an error with --force
    throw notExist(id);
  }
  let c;
  try {
    c = openContainer(g, id);
  } catch (err) {
    // A create that crashed before writing state.json: only --force may clean it.
    if (!force) throw err;
    removeHalfCreated(dir, id);
    return;
  }
  const status = c.status();
  if ((status === 'running' || status === 'paused') && !force) {
    throw new UserError(`cannot delete container ${id} that is not stopped: ${status}`);
  }
  if (status !== 'stopped') {
    try {
      process.kill(c.record.pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  // As runc: in a pid namespace of its own, every process died with the init, so a
  // stopped container has nothing left to kill (and freezing to kill costs ~2 ms).
  if (!(status === 'stopped' && ownPidNamespace(c.record.config)) && c.cgroup.exists()) {
    c.cgroup.killAll(9);
  }
  if (!waitGone(c.record.pid, c.record.pidStartTime, KILL_TIMEOUT_MS)) {
    throw new UserError(`container init ${c.record.pid} did not exit after SIGKILL`);
  }
  c.cgroup.destroy();
  if (c.record.intelRdt) removeGroup(c.record.intelRdt);
  if (sharesHostMountNs(c.record.config)) unmountUnder(c.record.rootfs);
  // After the container is gone, before its record is: a failing hook only warns.
  runPoststopHooks(c.record, (msg) => log.warn(msg));
  c.dir.remove();
}

function ownPidNamespace(config: Spec): boolean {
  return (config.linux?.namespaces ?? []).some((n) => n.type === 'pid' && !n.path);
}

/**
 * A create that crashed, or a state.json that cannot be read: the processes and
 * cgroups are found through the directories create stored (cgroup.json), else
 * the cgroup named for the id, killed and removed.
 */
function removeHalfCreated(dir: ContainerDir, id: string): void {
  const dirs = dir.readCgroupDirs();
  let cgroup;
  try {
    cgroup = dirs ? cgroupManager({ id, systemd: false, dirs }) : cgroupManager({ id, systemd: false });
  } catch {
    cgroup = undefined; // no cgroup hierarchy to look in: only the directory is left to remove
  }
  if (cgroup) {
    if (cgroup.exists()) {
      const pids = cgroup.pids();
      cgroup.killAll(9);
      for (const pid of pids) waitGone(pid, undefined, KILL_TIMEOUT_MS);
    }
    cgroup.destroy();
  }
  rmSync(dir.path, { recursive: true, force: true });
}
