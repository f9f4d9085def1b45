// exec: the process to run in an existing container (config process + runc's
// exec flags, or a whole process.json) → a plan without ROOTFS: the stub joins
// the init's namespaces, sets up the process and execs it. Semantics follow
// runc 1.1 (exec.go getProcess, libcontainer's setns process).
import { UserError } from '../errors.js';
import type { Process, Spec } from '../spec/config.js';
import { compileNamespaces, JOIN_ORDER } from './namespaces.js';
import { hostLsm, type HostLsm } from './lsm.js';
import { compileProcess } from './process.js';
import { compileProcessExtras } from './process-extras.js';
import type { Plan } from './types.js';

/** runc exec's flags that change the container's process. */
export interface ExecOverrides {
  /** The command; replaces process.args. */
  args: string[];
  cwd?: string;
  /** KEY=value entries; a key already set is replaced. */
  env: string[];
  /** "uid" or "uid:gid", decimal. */
  user?: string;
  additionalGids: number[];
  /** Added to the bounding, effective and permitted sets (and ambient when the process has inheritable ones). */
  caps: string[];
  /** --no-new-privs; undefined = the container's setting. */
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  selinuxLabel?: string;
  tty: boolean;
}

/** The container's process with runc exec's flags applied; the result is a new object. */
export function applyExecOverrides(base: Process, o: ExecOverrides): Process {
  if (o.args.length === 0) throw new UserError('exec args cannot be empty');
  const p: Process = structuredClone(base);
  p.args = [...o.args];
  if (o.cwd) {
    if (!o.cwd.startsWith('/')) throw new UserError(`--cwd must be an absolute path: ${o.cwd}`);
    p.cwd = o.cwd;
  }
  if (o.apparmorProfile) p.apparmorProfile = o.apparmorProfile;
  if (o.selinuxLabel) p.selinuxLabel = o.selinuxLabel;
  if (o.caps.length > 0) {
    const c = (p.capabilities ??= {});
    for (const cap of o.caps) {
      (c.bounding ??= []).push(cap);
      (c.effective ??= []).push(cap);
      (c.permitted ??= []).push(cap);
      // ambient needs the cap in the inheritable set, which --cap does not add (as runc)
      if (c.inheritable) (c.ambient ??= []).push(cap);
    }
  }
  p.env = mergeEnv(p.env ?? [], o.env);
  p.terminal = o.tty;
  if (o.noNewPrivileges !== undefined) p.noNewPrivileges = o.noNewPrivileges;
  if (o.user) {
    const [uidText, gidText] = splitOnce(o.user, ':');
    const user = (p.user ??= { uid: 0, gid: 0 });
    if (gidText !== undefined) user.gid = parseId(gidText, 'gid');
    user.uid = parseId(uidText, 'uid');
  }
  for (const gid of o.additionalGids) {
    if (!Number.isInteger(gid) || gid < 0) throw new UserError(`additional-gids must be a positive number ${gid}`);
    const user = (p.user ??= { uid: 0, gid: 0 });
    (user.additionalGids ??= []).push(gid);
  }
  return p;
}

/** Appends entries; a later KEY=value replaces an earlier one with the same key (as runc). */
export function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  const byKey = new Map<string, string>();
  for (const entry of [...base, ...extra]) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UserError(`invalid environment variable: ${JSON.stringify(entry)}`);
    byKey.set(entry.slice(0, eq), entry);
  }
  return [...byKey.values()];
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function parseId(text: string, what: 'uid' | 'gid'): number {
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) throw new UserError(`bad ${what}: ${JSON.stringify(text)} is not a number`);
  return Number(text);
}

export interface ExecPlanOptions {
  /** The container's config.json as stored at create. */
  container: Spec;
  /** Host pid of the container's init: its /proc/<pid>/ns/* are joined. */
  initPid: number;
  /** Where the namespace files live; default /proc. */
  procRoot?: string;
  warn?: (msg: string) => void;
  /** Which security modules the host runs; probed when absent. */
  lsm?: HostLsm;
}

/**
 * The plan for one exec'd process. It joins every namespace the container
 * has (new or joined by path alike: the init is in all of them) through the
 * init's /proc entries, user first and mnt last; namespaces the container
 * does not have are the runtime's own, so there is nothing to join. The
 * container's oom_score_adj applies to it too, and its capabilities when the
 * process names none (as runc); no rootfs work.
 */
export function compileExecPlan(proc: Process, opts: ExecPlanOptions): Plan {
  const warn = opts.warn ?? (() => {});
  if (!proc.args || proc.args.length === 0) throw new UserError('process args cannot be empty');
  if (!proc.cwd?.startsWith('/')) throw new UserError(`process cwd must be an absolute path: ${JSON.stringify(proc.cwd ?? '')}`);
  for (const e of proc.env ?? []) {
    if (e.indexOf('=') <= 0) throw new UserError(`invalid environment variable: ${JSON.stringify(e)}`);
  }
  const procRoot = opts.procRoot ?? '/proc';
  const has = compileNamespaces(opts.container.linux?.namespaces).has;
  const nsJoin = JOIN_ORDER.filter((t) => has.has(t)).map((type) => ({ type, path: `${procRoot}/${opts.initPid}/ns/${type}` }));

  // as runc: a process without capabilities gets the container's (rlimits are not inherited)
  const effective: Process = { ...proc, capabilities: proc.capabilities ?? opts.container.process?.capabilities };
  let processPlan;
  try {
    processPlan = { ...compileProcess(effective, warn), ...compileProcessExtras(effective, opts.container.linux, opts.lsm ?? hostLsm(), warn) };
  } catch (err) {
    // compileRlimits names config.json's fields; here they are the process's
    if (err instanceof UserError) throw new UserError(err.message.replace(/^config\.json: \/process\//, 'process: /'));
    throw err;
  }
  return {
    nsJoin,
    userNsNew: false,
    nsUnshare: 0,
    timeOffsets: [],
    propagation: 0,
    mounts: [],
    devices: [],
    symlinks: [],
    pivot: 'pivot_root',
    rootReadonly: false,
    sysctl: [],
    maskedPaths: [],
    readonlyPaths: [],
    oomScoreAdj: opts.container.process?.oomScoreAdj,
    ...processPlan,
    // as runc's nsexec: every process it starts gets a new session
    setsid: true,
    uidMappings: [],
    gidMappings: [],
  };
}
