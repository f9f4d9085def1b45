// restore: a new container from a checkpoint, through `criu swrk` as runc
// does: state dir and cgroup made first (criu joins the cgroup, so the
// restored tree lands there), the rootfs bind-mounted on <state>/criu-root
// (CRIU wants a mount point whose parent is not overmounted), external bind
// mounts mapped to this bundle's sources, stdio pipes handed over, and the
// restored init a child of ours (rst_sibling) so a foreground restore waits
// for it like run.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describeSystemError, UserError } from '../errors.js';
import { loadBundleConfig } from '../spec/load.js';
import { compilePlan } from '../plan/compile.js';
import { expandCgroupMounts } from '../plan/cgroup-mounts.js';
import type { Plan } from '../plan/types.js';
import { cgroupManager } from '../cgroups/index.js';
import { commonOpts, DESCRIPTORS_FILE, externalNetns, inheritPipes, LOCKED_NETNS_FILE, restoreEmptyNs, restoreExtMounts, restoreNamespaces, type CriuFlags } from '../criu/options.js';
import type { CriuOpts } from '../criu/rpc.js';
import { criuSwrk, criuVersion } from '../criu/swrk.js';
import { libc, MNT_DETACH, MS_BIND, MS_REC } from '../linux/libc.js';
import { procStat } from '../linux/proc.js';
import { sendFdTo } from '../linux/scm-rights.js';
import { ContainerDir } from '../state/store.js';
import { runCreateHooks } from '../hooks/lifecycle.js';
import { criuLogPath } from './checkpoint.js';
import { containerRecord, hostCgroups, writePidFile } from './create.js';
import { deleteContainer } from './delete.js';
import { SignalForwarder, waitForExit } from './foreground.js';
import type { GlobalOptions } from './options.js';
import { Unwinder } from './unwind.js';
import { prepareIntelRdt } from './intel-rdt.js';
import { joinGroup, undoGroup } from '../linux/resctrl.js';

export interface RestoreOptions extends CriuFlags {
  id: string;
  bundle: string;
  detach: boolean;
  pidFile?: string;
  consoleSocket?: string;
  noPivot: boolean;
}

/** Mount points CRIU needs in the rootfs: every mount's destination that is not inside a tmpfs it restores itself (as runc). */
export function restoreMountpoints(plan: Pick<Plan, 'mounts'>): { destination: string; file: boolean }[] {
  const tmpfs = plan.mounts.filter((m) => m.fstype === 'tmpfs').map((m) => m.destination);
  return plan.mounts
    .filter((m) => !tmpfs.some((t) => m.destination.startsWith(`${t}/`)))
    .map((m) => ({ destination: m.destination, file: m.fstype === 'bind' && isFile(m.source) }));
}

function isFile(path: string): boolean {
  try {
    return !statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** mkdir -p inside the rootfs, refusing to leave it through a symlink. */
function makeMountpoint(rootfs: string, destination: string, file: boolean): void {
  const target = join(rootfs, destination);
  try {
    const parent = file ? dirname(target) : target;
    mkdirSync(parent, { recursive: true, mode: 0o755 });
    const real = realpathSync(parent);
    const rel = relative(realpathSync(rootfs), real);
    if (rel.startsWith('..')) throw new UserError(`restore: mount point ${destination} resolves outside the rootfs`);
    if (file && !existsSync(target)) writeFileSync(target, '', { mode: 0o644 });
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(describeSystemError(`restore: create mount point ${destination}`, err));
  }
}

function readDescriptors(imagePath: string): string[] {
  const file = join(imagePath, DESCRIPTORS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(describeSystemError(`restore: read ${file} (is ${imagePath} a checkpoint image directory?)`, err));
  }
  const list: unknown = JSON.parse(text);
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) throw new UserError(`restore: ${file}: not a list of descriptors`);
  return list as string[];
}

/**
 * criu's cgroups (/proc/<pid>/cgroup, criu already in the container's) → CRIU's
 * cgroup roots, so the restored tree lands there and not in the dumped paths: one
 * per v1 controller set; on a pure v2 host the one unified path as the default root
 * (hybrid's unified line, which runs no controllers, skipped).
 */
export function cgroupRoots(procCgroup: string): { ctrl?: string; path: string }[] {
  const lines = procCgroup.split('\n').map((l) => /^\d+:([^:]*):(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  const v1 = lines.filter((m) => m[1] !== '').map((m) => ({ ctrl: m[1], path: m[2] }));
  if (v1.length > 0) return v1;
  return lines.filter((m) => m[1] === '').map((m) => ({ path: m[2] }));
}

export async function restoreContainer(g: GlobalOptions, o: RestoreOptions): Promise<number> {
  const dir = new ContainerDir(g.root, o.id);
  const { spec, bundle } = loadBundleConfig(o.bundle);
  if (!spec.root) throw new UserError('config.json: /root: is required');
  if (!spec.process) throw new UserError('config.json: /process: is required for restore');
  const rootfs = resolve(bundle, spec.root.path);
  if (!existsSync(rootfs)) throw new UserError(`config.json: /root/path: rootfs ${rootfs} does not exist`);
  // a terminal: CRIU sends the pty master back, and it goes to --console-socket as create's does
  const ptyToSocket = spec.process.terminal === true && !o.shellJob;
  if (ptyToSocket && !o.consoleSocket) {
    throw new UserError('restore: process.terminal is set: --console-socket is needed to receive the pty master (or --shell-job to keep the caller\'s terminal)');
  }
  const imagePath = resolve(o.imagePath);
  if (!existsSync(imagePath)) throw new UserError(`restore: image directory ${imagePath} does not exist`);
  const descriptors = readDescriptors(imagePath);
  const version = criuVersion();
  if (version < 30000) throw new UserError(`CRIU ${version} is too old: restore needs CRIU >= 3.0`);
  const namespaces = restoreNamespaces(spec, version);
  const compiled = compilePlan(spec, { bundle, stateDir: dir.path, noPivot: o.noPivot });

  const cgroup = cgroupManager({ cgroupsPath: spec.linux?.cgroupsPath, id: o.id, systemd: g.systemdCgroup });
  const rdt = prepareIntelRdt(spec, o.id);
  const undo = new Unwinder();
  const fds: number[] = [];
  const signals = new SignalForwarder();
  if (!o.detach) signals.arm();
  let initPid = 0;
  try {
    dir.createAndLock();
    undo.push(() => dir.remove());
    const ns = spec.linux?.namespaces ?? [];
    const plan = expandCgroupMounts(compiled, hostCgroups(cgroup.dirs), { cgroupns: ns.some((n) => n.type === 'cgroup'), userns: ns.some((n) => n.type === 'user') });
    dir.writeCgroupDirs(cgroup.dirs);
    cgroup.create();
    undo.push(() => cgroup.destroy());
    cgroup.apply(spec.linux?.resources ?? {}, spec.linux?.devices);
    const rdtGroup = rdt?.make();
    if (rdtGroup) undo.push(() => undoGroup(rdtGroup));
    undo.push(() => {
      if (initPid > 0) {
        try {
          process.kill(initPid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    });

    for (const m of restoreMountpoints(plan)) makeMountpoint(rootfs, m.destination, m.file);
    const criuRoot = join(dir.path, 'criu-root');
    mkdirSync(criuRoot, { mode: 0o755 });
    undo.push(() => rmdirSync(criuRoot));
    if (libc().mount(rootfs, criuRoot, 'none', MS_BIND | MS_REC, '') !== 0) {
      throw new UserError(`restore: bind-mount ${rootfs} on ${criuRoot}: errno ${libc().errno()}`);
    }
    const unmountRoot = (): void => {
      libc().umount2(criuRoot, MNT_DETACH);
    };
    undo.push(unmountRoot);

    const imagesDirFd = openSync(imagePath, 'r');
    fds.push(imagesDirFd);
    let workDirFd: number | undefined;
    if (o.workPath) {
      mkdirSync(o.workPath, { recursive: true, mode: 0o700 });
      workDirFd = openSync(o.workPath, 'r');
      fds.push(workDirFd);
    }
    // criu's fds: 0-2 ours (the restored pipes land on them), 3 the RPC socket, then the namespaces
    const nsFds = namespaces.inherit.map((n) => {
      try {
        return openSync(n.path, 'r');
      } catch (err) {
        throw new UserError(describeSystemError(`restore: open namespace ${n.path}`, err));
      }
    });
    fds.push(...nsFds);
    const opts: CriuOpts = {
      ...commonOpts(o, spec),
      emptyNs: restoreEmptyNs(o.emptyNs, externalNetns(spec, inodeOrNaN), lockedNetns(imagePath)),
      imagesDirFd,
      workDirFd,
      logFile: 'restore.log',
      evasiveDevices: true,
      rstSibling: true,
      root: criuRoot,
      extMnt: restoreExtMounts(plan),
      joinNs: namespaces.joinNs,
      inheritFd: [...namespaces.inherit.map((n, i) => ({ key: n.key, fd: 4 + i })), ...inheritPipes(descriptors)],
      orphanPtsMaster: ptyToSocket || undefined,
    };
    const hooked = { id: o.id, bundle, config: spec };
    criuSwrk(
      { type: 'RESTORE', opts },
      {
        fds: [0, 1, 2, ...nsFds],
        logPath: criuLogPath({ ...o, imagePath }, 'restore.log'),
        onStart: (criuPid) => {
          // the systemd driver's scope starts with criu in it, as create's starts with the stub
          if (cgroup.startWith) cgroup.startWith(criuPid);
          else cgroup.addProcess(criuPid);
          opts.cgRoot = cgroupRoots(readFileSync(`/proc/${criuPid}/cgroup`, 'utf8'));
          // the restored processes are criu's children: they inherit its resctrl group
          if (rdtGroup) joinGroup(rdtGroup, criuPid);
        },
        onNotify: (script, pid, passed) => {
          if (script === 'setup-namespaces') runCreateHooks({ ...hooked, pid });
          if (script === 'post-restore') initPid = pid;
          if (script === 'orphan-pts-master' && o.consoleSocket) {
            if (passed.length !== 1) throw new UserError(`restore: criu sent ${passed.length} fds with the pty master`);
            sendFdTo(o.consoleSocket, 'orphan-pts-master', passed[0]);
          }
        },
      },
    );
    unmountRoot();
    const stat = procStat(initPid);
    if (!initPid || !stat) throw new UserError('restore: the restored init is gone');
    const record = containerRecord(spec, { id: o.id, bundle, rootfs, pid: initPid, startTime: stat.startTime }, cgroup, g);
    if (rdtGroup) record.intelRdt = rdtGroup;
    dir.write(record);
    if (o.pidFile) writePidFile(o.pidFile, initPid);
    undo.commit();
    try {
      rmdirSync(criuRoot);
    } catch {
      // still busy: delete removes the state dir anyway
    }
    dir.unlock();
  } catch (err) {
    signals.stop();
    undo.run();
    throw err;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  if (o.detach) return 0;
  try {
    signals.start(initPid);
    const code = await waitForExit(initPid);
    signals.stop();
    deleteContainer(g, o.id, true);
    return code;
  } finally {
    signals.stop();
  }
}

/** A path's inode; NaN when it cannot be read (the namespace is opened, and named, below). */
function inodeOrNaN(path: string): number {
  try {
    return statSync(path).ino;
  } catch {
    return NaN;
  }
}

/** The network namespace inode a checkpoint left locked (LOCKED_NETNS_FILE), if it says so. */
function lockedNetns(imagePath: string): number | undefined {
  try {
    const n = Number(readFileSync(join(imagePath, LOCKED_NETNS_FILE), 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
