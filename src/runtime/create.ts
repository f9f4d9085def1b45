// create: config → plan → state dir, fifo, cgroup → stub → init blocked on exec.fifo.
// Any failure undoes every earlier step (Unwinder), so nothing is left behind.
import { chmodSync, existsSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve, basename } from 'node:path';
import type { StdioOptions } from 'node:child_process';
import { UserError, describeSystemError } from '../errors.js';
import { loadBundleConfig } from '../spec/load.js';
import { compilePlan } from '../plan/compile.js';
import { encodePlan } from '../plan/encode.js';
import { callerCgroupDirs, cgroupManager, type CgroupManager } from '../cgroups/index.js';
import { readMounts } from '../cgroups/mountinfo.js';
import { expandCgroupMounts, type HostCgroups } from '../plan/cgroup-mounts.js';
import { cgroupJoinPlan } from '../plan/cgroup-join.js';
import { ContainerDir, EXEC_FIFO } from '../state/store.js';
import { rfc3339Now, type ContainerRecord } from '../state/container-state.js';
import { libc } from '../linux/libc.js';
import { procStat, waitGone } from '../linux/proc.js';
import { runStub } from '../linux/stub.js';
import type { GlobalOptions } from './options.js';
import type { Spec } from '../spec/config.js';
import { Unwinder } from './unwind.js';
import { sharesHostMountNs, unmountUnder } from './host-mounts.js';
import { compileSeccomp } from '../seccomp/compile.js';
import { seccompListener } from '../seccomp/listener.js';
import { moveNetDevices } from '../linux/netdev.js';
import { log } from '../cli/log.js';
import { runCreateHooks, runPoststopHooks } from '../hooks/lifecycle.js';
import { checkTerminal, openConsole } from './console.js';
import type { ConsoleProxy } from '../linux/console.js';
import { extraFds } from './extra-fds.js';
import { StepTimer } from './timing.js';
import { rootlessProblem } from '../spec/rootless-check.js';
import { chooseMapWriter, lookPath, type IdMapWriter } from '../linux/idmap-writer.js';
import { prepareIntelRdt } from './intel-rdt.js';
import { joinGroup, undoGroup } from '../linux/resctrl.js';

export interface CreateOptions {
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  /** --pidfd-socket: the init sends a pidfd of itself there. */
  pidfdSocket?: string;
  noPivot: boolean;
  noNewKeyring: boolean;
  preserveFds: number;
  stdio?: StdioOptions;
  /** False only for a foreground `run`: then a terminal is proxied to our stdio. */
  detach?: boolean;
  /** The timing trace to go on with (run's); create starts its own otherwise. */
  timer?: StepTimer;
}

export interface Created {
  dir: ContainerDir;
  record: ContainerRecord;
  /** The terminal proxy of a foreground run with process.terminal. */
  console?: ConsoleProxy;
}

export async function createContainer(g: GlobalOptions, o: CreateOptions): Promise<Created> {
  const timer = o.timer ?? new StepTimer('create');
  const dir = new ContainerDir(g.root, o.id);
  const { spec, bundle } = loadBundleConfig(o.bundle);
  timer.step('load and validate config');
  const rootfs = resolve(bundle, spec.root?.path ?? '');
  if (!spec.root) throw new UserError('config.json: /root: is required');
  if (!isDirectory(rootfs)) {
    const why = existsSync(rootfs) ? 'is not a directory' : 'does not exist';
    throw new UserError(`config.json: /root/path: rootfs ${rootfs} ${why}`);
  }
  if (!spec.process) throw new UserError('config.json: /process: is required for create');
  const caller = { euid: process.geteuid?.() ?? 0, egid: process.getegid?.() ?? 0 };
  // a caller that is not root (runc's RootlessEUID): refuse what it cannot run, before anything is made
  const problem = caller.euid !== 0 ? rootlessProblem(spec, caller) : undefined;
  if (problem) throw new UserError(problem);
  const detach = o.detach ?? true;
  checkTerminal(spec.process.terminal ?? false, detach, o.consoleSocket);
  const extra = extraFds(o.preserveFds);
  // runtime-spec: what cannot be granted (unknown capabilities…) is logged as a warning, like runc
  const compiled = compilePlan(spec, { bundle, stateDir: dir.path, noPivot: o.noPivot, execFifo: EXEC_FIFO, warn: (m) => log.warn(m) });
  timer.step('compile plan');
  if (spec.linux?.seccomp) {
    // runc logs unknown syscall names at debug level: Docker-style profiles list many.
    const sc = compileSeccomp(spec.linux.seccomp, { warn: (m) => log.debug(m) });
    compiled.seccomp = sc.program;
    compiled.seccompFlags = sc.flags;
    compiled.seccompListener = seccompListener(spec, { id: o.id, bundle, status: 'creating' });
    timer.step('compile seccomp');
  }

  const idmapWriter: IdMapWriter | undefined = compiled.userNsNew
    ? chooseMapWriter(compiled.uidMappings, compiled.gidMappings, caller, lookPath)
    : undefined;
  const cgroup = cgroupManager({ cgroupsPath: spec.linux?.cgroupsPath, id: o.id, systemd: g.systemdCgroup, rootless: g.rootless });
  const rdt = prepareIntelRdt(spec, o.id);

  const undo = new Unwinder();
  // Once the runtime-side hooks began, a failed create ends like a delete: with poststop hooks.
  let poststopDue = false;
  try {
    dir.createAndLock();
    undo.push(() => dir.remove());
    // after the id is known to be free (as runc), before the cgroup is touched
    checkCgroupUnused(cgroup);
    if (libc().mkfifo(dir.fifoPath, 0o622) !== 0) throw new Error(`mkfifo ${dir.fifoPath}: errno ${libc().errno()}`);
    // The init opens it after switching to the container's user; umask must not narrow it.
    chmodSync(dir.fifoPath, 0o622);
    timer.step('state dir, lock, exec.fifo');

    // before mkdir: a create that crashes from here on can still be cleaned by delete --force
    dir.writeCgroupDirs(cgroup.dirs);
    cgroup.create();
    undo.push(() => cgroup.destroy());
    // always: apply() writes the device rules even when the config sets no resources
    cgroup.apply(spec.linux?.resources ?? {}, spec.linux?.devices);
    timer.step('cgroup create and apply');
    const rdtGroup = rdt?.make();
    if (rdtGroup) undo.push(() => undoGroup(rdtGroup));

    // after create: a rootless container may have ended up without a cgroup of its own
    const plan = expandCgroupMounts(compiled, hostCgroups(cgroup.dirs), {
      cgroupns: (spec.linux?.namespaces ?? []).some((n) => n.type === 'cgroup'),
      userns: (spec.linux?.namespaces ?? []).some((n) => n.type === 'user'),
    });

    // runs after the processes below are killed
    if (sharesHostMountNs(spec)) undo.push(() => unmountUnder(rootfs));
    const pids: number[] = [];
    undo.push(() => {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
        waitGone(pid, undefined, 5000);
      }
    });
    const tty = await openConsole(spec.process, detach, o.consoleSocket);
    undo.push(() => tty.proxy?.stop());
    plan.console = tty.console;
    if (o.pidfdSocket) plan.pidfdSocket = { path: resolve(o.pidfdSocket), kind: 'standard' };
    plan.env = [...plan.env, ...extra.env];
    Object.assign(plan, cgroupJoinPlan(cgroup.dirs, plan));
    const encoded = encodePlan(plan);
    timer.step('console, encode plan');
    const initPid = await runStub({
      onDebug: g.debug ? (msg) => log.debug(msg) : undefined,
      onMessage: (type) => timer.step(`stub: ${type === 'ready' ? 'init ready (mounts, pivot_root, process set-up)' : type === 'pid' ? 'init cloned (namespaces)' : type}`),
      plan: encoded,
      stdio: [...((o.stdio ?? ['inherit', 'inherit', 'inherit']) as unknown[]), ...extra.fds] as StdioOptions,
      uidMappings: plan.uidMappings,
      gidMappings: plan.gidMappings,
      idmapWriter,
      // the stub joins the cgroups itself (plan.cgroupJoin)
      beforePlan: (stubPid) => {
        pids.push(stubPid);
        cgroup.startWith?.(stubPid);
        if (rdtGroup) joinGroup(rdtGroup, stubPid);
      },
      onPid: (pid) => {
        pids.push(pid);
        moveNetDevices(pid, plan.netDevices);
      },
      onHooks: (pid) => {
        poststopDue = true;
        return runCreateHooks({ id: o.id, pid, bundle, config: spec });
      },
    });
    const stat = procStat(initPid);
    if (!stat) throw new UserError('container init exited during create');

    const record = containerRecord(spec, { id: o.id, bundle, rootfs, pid: initPid, startTime: stat.startTime }, cgroup, g);
    if (rdtGroup) record.intelRdt = rdtGroup;
    dir.write(record);
    if (o.pidFile) writePidFile(o.pidFile, initPid);
    undo.commit();
    dir.unlock();
    timer.step('state.json written');
    return { dir, record, console: tty.proxy };
  } catch (err) {
    undo.run();
    if (poststopDue) runPoststopHooks({ id: o.id, pid: 0, bundle, config: spec }, log.warn);
    throw err;
  }
}

/**
 * As runc, before anything is made: a cgroup that already holds processes only
 * warns (engines share one on purpose); a frozen one would freeze the init
 * half-way through create, so it is refused.
 */
function checkCgroupUnused(cgroup: CgroupManager): void {
  const n = cgroup.exists() ? cgroup.pids().length : 0;
  if (n > 0) log.warn(`container's cgroup is not empty: ${n} process(es) found`);
  // not behind exists(): on v1 that looks at one hierarchy, the freezer may be the only one made
  if (cgroup.state() === 'frozen') throw new UserError("container's cgroup unexpectedly frozen");
}

/** The state record of a container whose init runs (create, restore). */
export function containerRecord(
  spec: Spec,
  c: { id: string; bundle: string; rootfs: string; pid: number; startTime: string },
  cgroup: CgroupManager,
  g: GlobalOptions,
): ContainerRecord {
  return {
    ociVersion: spec.ociVersion,
    id: c.id,
    pid: c.pid,
    pidStartTime: c.startTime,
    bundle: c.bundle,
    rootfs: c.rootfs,
    created: rfc3339Now(),
    owner: '',
    cgroupsPath: cgroup.path,
    cgroupDirs: { ...cgroup.dirs },
    systemdCgroup: g.systemdCgroup,
    config: spec,
  };
}

/**
 * Where the container's cgroup lives on this host, for the /sys/fs/cgroup mount inside it;
 * without one of its own (rootless), our own cgroup, which the container stays in.
 */
export function hostCgroups(containerDirs: Readonly<Record<string, string>>): HostCgroups {
  const mounts = readMounts();
  const dirs = Object.keys(containerDirs).length ? containerDirs : callerCgroupDirs();
  const v2Dir = dirs[''];
  const hierarchies = mounts.v1
    .filter((h) => h.controllers.some((c) => dirs[c] !== undefined))
    .map((h) => ({ mountpoint: h.mountpoint, containerDir: dirs[h.controllers.find((c) => dirs[c] !== undefined)!] }));
  if (hierarchies.length === 0 && mounts.v2 && v2Dir) return { version: 2, containerDir: v2Dir, mountpoint: mounts.v2.mountpoint };
  return { version: 1, hierarchies };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Like runc: written to a temp file and renamed, so a reader never sees a partial pid. */
export function writePidFile(path: string, pid: number): void {
  const abs = resolve(path);
  const tmp = join(dirname(abs), `.${basename(abs)}`);
  try {
    writeFileSync(tmp, String(pid));
    renameSync(tmp, abs);
  } catch (err) {
    throw new UserError(describeSystemError(`write pid file ${path}`, err));
  }
}

