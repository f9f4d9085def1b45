// exec: start a new process in a running (or created) container. The stub is
// placed in the container's cgroup, joins the init's namespaces and clones the
// process with CLONE_PARENT, so it is our child: a foreground exec waits for it
// and returns its exit status; --detach leaves it to the caller (containerd's
// shim reaps it as a subreaper).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, normalize, resolve } from 'node:path';
import type { StdioOptions } from 'node:child_process';
import { UserError, describeSystemError } from '../errors.js';
import { log } from '../cli/log.js';
import type { Process } from '../spec/config.js';
import { parseJson, withinDepth } from '../spec/load.js';
import { checkSupported } from '../spec/unsupported.js';
import { checkProcess } from '../spec/validate.js';
import { applyExecOverrides, compileExecPlan, type ExecOverrides } from '../plan/exec.js';
import { encodePlan } from '../plan/encode.js';
import { compileSeccomp } from '../seccomp/compile.js';
import { seccompListener } from '../seccomp/listener.js';
import { setCpuAffinity } from '../linux/affinity.js';
import { isAlive, waitGone } from '../linux/proc.js';
import { runStub } from '../linux/stub.js';
import { StepTimer } from './timing.js';
import { openContainer } from './container.js';
import { openConsole } from './console.js';
import { extraFds } from './extra-fds.js';
import { writePidFile } from './create.js';
import type { GlobalOptions } from './options.js';
import { SignalForwarder, drainConsole, killQuietly, waitForExit } from './foreground.js';
import { joinGroupIfThere } from '../linux/resctrl.js';

export interface ExecOptions extends Omit<ExecOverrides, 'tty'> {
  id: string;
  /** --process: a process.json; then the overrides are not used. */
  processFile?: string;
  tty: boolean;
  consoleSocket?: string;
  /** --pidfd-socket: the process sends a pidfd of itself there. */
  pidfdSocket?: string;
  detach: boolean;
  pidFile?: string;
  preserveFds: number;
  /** --cgroup values: "path" or "controller[,controller]:path". */
  cgroups: string[];
  ignorePaused: boolean;
  stdio?: StdioOptions;
}


/** Runs the process; resolves with its exit status (0 when detached). */
export async function execInContainer(g: GlobalOptions, o: ExecOptions): Promise<number> {
  const timer = new StepTimer('exec');
  const c = openContainer(g, o.id);
  timer.step('open container');
  const status = c.status();
  if (status === 'stopped') throw new UserError('cannot exec in a stopped container');
  if (status === 'paused' && !o.ignorePaused) {
    throw new UserError('cannot exec in a paused container (use --ignore-paused to override)');
  }
  const proc = o.processFile ? readProcessFile(o.processFile) : processFromFlags(c.record.config.process, o);
  const extra = extraFds(o.preserveFds);
  const unsupported = checkSupported({ ociVersion: c.record.ociVersion, root: { path: c.record.rootfs }, process: proc }, o.processFile ?? 'exec process')
    .filter((line) => line.includes(': /process/'))
    .map((line) => line.replace(': /process/', ': /'));
  if (unsupported.length > 0) throw new UserError(unsupported.join('\n'));
  const cgroupDirs = execCgroupDirs(c.cgroup.dirs, o.cgroups);

  const plan = compileExecPlan(proc, { container: c.record.config, initPid: c.record.pid, warn: (m) => log.warn(m) });
  const seccomp = c.record.config.linux?.seccomp;
  if (seccomp) {
    // the container's filter applies to every process in it, as in runc
    const sc = compileSeccomp(seccomp, { warn: (m) => log.debug(m) });
    plan.seccomp = sc.program;
    plan.seccompFlags = sc.flags;
    plan.seccompListener = seccompListener(c.record.config, { id: c.record.id, bundle: c.record.bundle, status });
  }
  plan.env = [...plan.env, ...extra.env];
  timer.step('compile exec plan');
  // the namespace files are the init's: make sure it is still the same process
  if (!isAlive(c.record.pid, c.record.pidStartTime)) throw new UserError('cannot exec in a stopped container');

  // runc's rules for --tty/--console-socket/--detach; a foreground terminal is proxied to our stdio
  // The lock covers reading the state only: the process may join a frozen cgroup and
  // wait there for `resume`, which needs the lock.
  c.dir.unlock();
  const tty = await openConsole(proc, o.detach, o.consoleSocket);
  plan.console = tty.console;
  if (o.pidfdSocket) plan.pidfdSocket = { path: resolve(o.pidfdSocket), kind: 'setns' };
  const pids: number[] = [];
  const signals = new SignalForwarder();
  if (!o.detach) signals.arm();
  let pid: number;
  try {
    pid = await runStub({
      untilExec: true,
      onDebug: g.debug ? (msg) => log.debug(msg) : undefined,
      onMessage: (type) => timer.step(`stub: ${type === 'ready' ? 'process ready (namespaces joined, process set-up)' : type}`),
      plan: encodePlan(plan),
      stdio: [...((o.stdio ?? ['inherit', 'inherit', 'inherit']) as unknown[]), ...extra.fds] as StdioOptions,
      uidMappings: [],
      gidMappings: [],
      beforePlan: (stubPid) => {
        pids.push(stubPid);
        const affinity = plan.execCpuAffinity;
        if (affinity?.initial) setCpuAffinity(stubPid, affinity.initial, 'initial');
        for (const dir of cgroupDirs) {
          try {
            writeFileSync(join(dir, 'cgroup.procs'), String(stubPid));
          } catch (err) {
            throw new UserError(describeSystemError(`error adding pid ${stubPid} to cgroups: write ${join(dir, 'cgroup.procs')}`, err));
          }
        }
        if (affinity?.final) setCpuAffinity(stubPid, affinity.final, 'final');
        if (c.record.intelRdt) joinGroupIfThere(c.record.intelRdt, stubPid);
      },
      onPid: (p) => {
        pids.push(p);
        if (!o.detach) signals.start(p);
      },
    });
    if (o.pidFile) writePidFile(o.pidFile, pid);
  } catch (err) {
    signals.stop();
    for (const p of pids) killQuietly(p);
    tty.proxy?.stop();
    throw err;
  }
  if (o.detach) return 0;
  try {
    const code = await waitForExit(pid);
    timer.step('wait (process ran and exited)');
    if (tty.proxy) await drainConsole(tty.proxy);
    return code;
  } finally {
    signals.stop();
  }
}

function readProcessFile(path: string): Process {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(describeSystemError(`open ${path}`, err));
  }
  const doc = parseJson(text, path);
  const problems = withinDepth(text, path, () => checkProcess(doc, path));
  if (problems.length > 0) throw new UserError(problems.join('\n'));
  return doc as Process;
}

function processFromFlags(base: Process | undefined, o: ExecOptions): Process {
  if (!base) throw new UserError('the container has no process in its config.json; use --process');
  if (o.apparmorProfile) throw new UserError('--apparmor: apparmor is not supported by tsrunc');
  if (o.selinuxLabel) throw new UserError('--process-label: selinux is not supported by tsrunc');
  const p = applyExecOverrides(base, o);
  const problems = checkProcess(p, 'exec process');
  if (problems.length > 0) throw new UserError(problems.join('\n'));
  return p;
}

/**
 * The cgroup directories the process joins, one per hierarchy, like runc:
 * none given = the container's; "path" = that sub-cgroup in every hierarchy;
 * "ctrl[,ctrl]:path" = that sub-cgroup for those controllers' hierarchies,
 * the container's for the rest. A sub-cgroup must exist already.
 */
export function execCgroupDirs(dirs: Readonly<Record<string, string>>, args: readonly string[]): string[] {
  const keys = Object.keys(dirs);
  if (keys.length === 1 && keys[0] === '') return [v2ExecDir(dirs[''], args)];
  const sub = new Map<string, string>(); // controller ("" = all) → sub path
  for (const arg of args) {
    const colon = arg.indexOf(':');
    if (colon < 0) {
      if (args.length !== 1) throw new UserError(`invalid --cgroup argument: ${arg} (missing <controller>: prefix)`);
      sub.set('', arg);
      continue;
    }
    for (const ctrl of arg.slice(0, colon).split(',')) {
      if (ctrl === '') throw new UserError(`invalid --cgroup argument: ${arg} (empty <controller> prefix)`);
      if (sub.has(ctrl)) throw new UserError(`invalid --cgroup argument(s): controller ${ctrl} specified multiple times`);
      if (dirs[ctrl] === undefined) throw new UserError(`invalid --cgroup argument: ${arg} (unknown controller ${ctrl})`);
      sub.set(ctrl, arg.slice(colon + 1));
    }
  }
  const perDir = new Map<string, string>(); // the container's dir → the one to join
  for (const [ctrl, base] of Object.entries(dirs)) {
    const s = sub.get('') ?? sub.get(ctrl);
    const target = s === undefined ? base : subDir(base, s);
    const earlier = perDir.get(base);
    // controllers sharing a hierarchy (cpu,cpuacct) must agree on one directory
    if (earlier !== undefined && earlier !== base && target !== base && earlier !== target) {
      throw new UserError(`invalid --cgroup argument(s): controllers of one hierarchy ${base} given different sub-cgroups`);
    }
    if (earlier === undefined || target !== base) perDir.set(base, target);
  }
  return [...new Set(perDir.values())];
}

/**
 * Pure v2: one cgroup holds every controller, so "ctrl:path" forms (as engines
 * written for v1 send them) name that one sub-cgroup and must agree on it.
 */
function v2ExecDir(base: string, args: readonly string[]): string {
  const paths = new Set<string>();
  for (const arg of args) {
    const colon = arg.indexOf(':');
    if (colon < 0 && args.length !== 1) throw new UserError(`invalid --cgroup argument: ${arg} (missing <controller>: prefix)`);
    if (colon === 0) throw new UserError(`invalid --cgroup argument: ${arg} (empty <controller> prefix)`);
    paths.add(colon < 0 ? arg : arg.slice(colon + 1));
  }
  if (paths.size > 1) {
    throw new UserError(`invalid --cgroup argument(s): on cgroup v2 every controller is in one cgroup, but ${[...paths].join(', ')} were given`);
  }
  const [only] = paths;
  return only === undefined ? base : subDir(base, only);
}

function subDir(base: string, sub: string): string {
  const dir = normalize(join(base, sub));
  if (dir !== base && !dir.startsWith(base + '/')) throw new UserError(`exec --cgroup: ${sub} is not a sub cgroup path`);
  return dir;
}

