// Looking up an existing container: its directory, record, cgroup and live status.
import { ContainerDir } from '../state/store.js';
import { deriveStatus } from '../state/store.js';
import type { ContainerRecord, Status } from '../state/container-state.js';
import { cgroupManager, type CgroupManager } from '../cgroups/index.js';
import type { GlobalOptions } from './options.js';

export interface Container {
  dir: ContainerDir;
  record: ContainerRecord;
  cgroup: CgroupManager;
  status(): Status;
}

/** Loads a container; with lock, holds its lock until the process exits or dir.unlock(). */
export function openContainer(g: GlobalOptions, id: string, lock = true): Container {
  const dir = new ContainerDir(g.root, id);
  if (lock) dir.lock();
  const record = dir.read();
  const cgroup = cgroupManager({
    cgroupsPath: record.cgroupsPath,
    id,
    systemd: record.systemdCgroup,
    rootless: g.rootless,
    dirs: record.cgroupDirs,
    init: { pid: record.pid, startTime: record.pidStartTime },
  });
  return {
    dir,
    record,
    cgroup,
    status: () => deriveStatus(dir, record, () => cgroup.exists() && cgroup.state() === 'frozen'),
  };
}
