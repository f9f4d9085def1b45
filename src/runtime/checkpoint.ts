// checkpoint: dump a running container with CRIU (criu swrk, as runc does),
// then, unless --leave-running or --pre-dump, remove it as runc's destroy does.
import { closeSync, mkdirSync, openSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeSystemError, UserError } from '../errors.js';
import { compilePlan } from '../plan/compile.js';
import { expandCgroupMounts } from '../plan/cgroup-mounts.js';
import type { Plan } from '../plan/types.js';
import type { Spec } from '../spec/config.js';
import { readMounts } from '../cgroups/mountinfo.js';
import { commonOpts, checkParentPath, dumpExtMounts, dumpExternalNamespaces, externalNetns, DESCRIPTORS_FILE, LOCKED_NETNS_FILE, pageServer, type CriuFlags } from '../criu/options.js';
import type { CriuOpts } from '../criu/rpc.js';
import { criuSwrk, criuVersion } from '../criu/swrk.js';
import { openContainer, type Container } from './container.js';
import { hostCgroups } from './create.js';
import { deleteContainer } from './delete.js';
import type { GlobalOptions } from './options.js';

/** The marker runc leaves in the state dir between post-dump and the end of checkpoint. */
export const CHECKPOINT_MARKER = 'checkpoint';

/** The plan create made for this container, mounts expanded for the host as they were: what the init mounted. */
export function containerPlan(c: Container): Plan {
  const config: Spec = c.record.config;
  const plan = compilePlan(config, { bundle: c.record.bundle, stateDir: c.dir.path, noPivot: false });
  const ns = config.linux?.namespaces ?? [];
  return expandCgroupMounts(plan, hostCgroups(c.cgroup.dirs), { cgroupns: ns.some((n) => n.type === 'cgroup'), userns: ns.some((n) => n.type === 'user') });
}

/** Where CRIU writes its log: the work dir when given, else the image dir. */
export function criuLogPath(f: CriuFlags, file: string): string {
  return join(resolve(f.workPath || f.imagePath), file);
}

function openDir(path: string, what: string): number {
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    return openSync(path, 'r');
  } catch (err) {
    throw new UserError(describeSystemError(`${what} ${path}`, err));
  }
}

export function checkpointContainer(g: GlobalOptions, id: string, f: CriuFlags): void {
  const c = openContainer(g, id);
  const status = c.status();
  if (status === 'created' || status === 'stopped') throw new UserError(`Container cannot be checkpointed in ${status} state`);
  checkParentPath(f.parentPath);
  if (f.parentPath) {
    const parent = join(f.imagePath, f.parentPath);
    let ok = false;
    try {
      ok = statSync(parent).isDirectory();
    } catch {
      // reported below
    }
    if (!ok) throw new UserError(`invalid --parent-path: ${parent} is not a directory`);
  }
  const version = criuVersion();
  if (version < 30000) throw new UserError(`CRIU ${version} is too old: checkpoint needs CRIU >= 3.0`);
  const fds: number[] = [];
  try {
    const imagesDirFd = openDir(f.imagePath, 'create image directory');
    fds.push(imagesDirFd);
    const workDirFd = f.workPath ? openDir(f.workPath, 'create work directory') : undefined;
    if (workDirFd !== undefined) fds.push(workDirFd);
    const config = c.record.config;
    const pid = c.record.pid;
    const opts: CriuOpts = {
      ...commonOpts(f, config),
      imagesDirFd,
      workDirFd,
      logFile: 'dump.log',
      root: c.record.rootfs,
      pid,
      leaveRunning: f.leaveRunning ?? false,
      orphanPtsMaster: true,
      ps: pageServer(f.pageServer),
      external: dumpExternalNamespaces(config, (p) => statSync(p).ino, version),
    };
    // v1: the freezer hierarchy; v2: the unified dir (CRIU >= 3.14 freezes cgroup v2)
    const freezer = c.record.cgroupDirs?.freezer ?? (version >= 31400 ? c.record.cgroupDirs?.[''] : undefined);
    if (freezer && c.cgroup.exists()) opts.freezeCgroup = freezer;
    if (f.parentPath) {
      opts.parentImg = f.parentPath;
      opts.trackMem = true;
    }
    const features = f.preDump || f.lazyPages ? { memTrack: f.preDump || undefined, lazyPages: f.lazyPages || undefined } : undefined;
    if (features) checkFeatures(features, criuLogPath(f, 'dump.log'));
    if (!f.preDump) {
      const plan = containerPlan(c);
      opts.extMnt = dumpExtMounts(plan, maskedFiles(pid, plan.maskedPaths));
      writeDescriptors(f.imagePath, pid);
      // a dump that stops the container leaves its network locked (see restoreEmptyNs)
      const netns = externalNetns(config, (p) => statSync(p).ino);
      if (netns !== undefined && !f.leaveRunning) writeFileSync(join(f.imagePath, LOCKED_NETNS_FILE), `${netns}\n`, { mode: 0o600 });
    }
    if (f.lazyPages && f.statusFd !== undefined && f.statusFd >= 0 && version < 31500) opts.statusFd = f.statusFd;
    criuSwrk(
      { type: f.preDump ? 'PRE_DUMP' : 'DUMP', opts },
      {
        fds: [0, 1, 2],
        logPath: criuLogPath(f, 'dump.log'),
        onNotify: (script) => {
          if (script === 'post-dump') writeFileSync(join(c.dir.path, CHECKPOINT_MARKER), '');
          if (script === 'status-ready' && f.statusFd !== undefined && f.statusFd >= 0) {
            try {
              writeFileSync(f.statusFd, '\0');
              closeSync(f.statusFd);
            } catch {
              // the reader went away: nothing to tell
            }
          }
        },
      },
    );
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  if (!(f.leaveRunning || f.preDump)) {
    c.dir.unlock();
    deleteContainer(g, id, true);
  }
}

/** Asks CRIU whether it and the kernel have what pre-dump (memory tracking) or lazy pages need. */
function checkFeatures(want: { memTrack?: boolean; lazyPages?: boolean }, logPath: string): void {
  const resp = criuSwrk({ type: 'FEATURE_CHECK', features: want }, { fds: [0, 1, 2], logPath });
  if (want.memTrack && !resp.features?.memTrack) throw new UserError('criu: memory tracking (needed by --pre-dump) is not supported by this kernel or CRIU');
  if (want.lazyPages && !resp.features?.lazyPages) throw new UserError('criu: --lazy-pages is not supported by this kernel or CRIU (userfaultfd)');
}

/** Masked paths that are files in the container (bind mounts of /dev/null); directories are tmpfs mounts. */
function maskedFiles(pid: number, paths: readonly string[]): string[] {
  return paths.filter((p) => {
    try {
      return !statSync(`/proc/${pid}/root${p}`).isDirectory();
    } catch {
      return false;
    }
  });
}

/** runc's descriptors.json: what the init's fds 0-2 are, so restore can hand pipes over. */
function writeDescriptors(imagePath: string, pid: number): void {
  const fds = [0, 1, 2].map((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return '/dev/null';
    }
  });
  writeFileSync(join(imagePath, DESCRIPTORS_FILE), JSON.stringify(fds), { mode: 0o600 });
}
