// The resctrl filesystem (Intel RDT): where it is mounted, what it offers, and
// the group a container with linux.intelRdt gets. Every function takes the
// resctrl root as a parameter, so tests run it against a plain directory laid
// out as the kernel lays out resctrl. The decisions are src/plan/intel-rdt.ts's.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, describeSystemError } from '../errors.js';
import type { IntelRdtPlan, ResctrlFeatures } from '../plan/intel-rdt.js';
import type { IntelRdtState } from '../state/container-state.js';

/** The mount point of the first resctrl filesystem in mountinfo text, if any (runc looks for the first too). */
export function resctrlMountpoint(mountinfo: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0 || line.slice(sep + 3).split(' ')[0] !== 'resctrl') continue;
    const mountpoint = line.slice(0, sep).split(' ')[4];
    if (mountpoint !== undefined) return mountpoint.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
  }
  return undefined;
}

/** What the resctrl filesystem at root offers: info/L3 → CAT, info/MB → MBA (as runc decides), mon_groups → MON groups. */
export function resctrlFeatures(root: string): ResctrlFeatures {
  return {
    root,
    cat: existsSync(join(root, 'info', 'L3')),
    mba: existsSync(join(root, 'info', 'MB')),
    monitoring: existsSync(join(root, 'mon_groups')),
  };
}

/** This host's resctrl (mounted anywhere: never assumed at /sys/fs/resctrl), or undefined. */
export function hostResctrl(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): ResctrlFeatures | undefined {
  const root = resctrlMountpoint(mountinfo);
  return root === undefined ? undefined : resctrlFeatures(root);
}

/**
 * The two calls the kernel answers differently from a plain directory: mkdir of
 * a group fills it (tasks, schemata, mon_groups), rmdir takes it away with its
 * files. Tests pass a fake of both; everything else is plain file I/O.
 */
export interface ResctrlOps {
  mkdir(path: string): void;
  rmdir(path: string): void;
}

const REAL_OPS: ResctrlOps = { mkdir: (path) => mkdirSync(path, 0o755), rmdir: (path) => rmdirSync(path) };

/** The kernel's reason for the last failed resctrl write (info/last_cmd_status), appended as runc does. */
function failure(root: string, what: string, err: unknown): UserError {
  let status = '';
  try {
    status = readFileSync(join(root, 'info', 'last_cmd_status'), 'utf8').trim();
  } catch {
    // an older kernel without the file
  }
  const reason = describeSystemError(what, err);
  return new UserError(`config.json: /linux/intelRdt: ${reason}${status && status !== 'ok' ? ` (last_cmd_status: ${status})` : ''}`);
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Makes (or finds) the container's group, writes its schemata and makes its MON
 * group. On failure, undoes what it made before throwing. The returned state
 * goes into state.json: delete and exec work from it.
 */
export function makeGroup(plan: IntelRdtPlan, ops: ResctrlOps = REAL_OPS): IntelRdtState {
  const { root } = plan;
  const path = join(root, plan.group);
  if (plan.mustExist && !existsSync(path)) {
    throw new UserError(
      `config.json: /linux/intelRdt/closID: resctrl group ${path} does not exist (it must be made beforehand when schemata, l3CacheSchema and memBwSchema are empty)`,
    );
  }
  let made = false;
  try {
    ops.mkdir(path);
    made = true;
  } catch (err) {
    if (code(err) !== 'EEXIST') throw failure(root, `mkdir ${path}`, err);
  }
  const state: IntelRdtState = { root, path, madeGroup: made, removeGroup: plan.removeGroup && made };
  try {
    if (plan.schemata !== undefined) writeSchemata(state, plan.schemata);
    if (plan.monGroup !== undefined) {
      const mon = join(path, 'mon_groups', plan.monGroup);
      try {
        ops.mkdir(mon);
      } catch (err) {
        // as runc: an existing MON group of that name is taken over
        if (code(err) !== 'EEXIST') throw failure(root, `mkdir ${mon}`, err);
      }
      state.monPath = mon;
    }
  } catch (err) {
    undoGroup(state, ops);
    throw err;
  }
  return state;
}

/** A failed create: the group goes if create made it, closID or not; else only the MON group. */
export function undoGroup(state: IntelRdtState, ops: ResctrlOps = REAL_OPS): void {
  removeGroup({ ...state, removeGroup: state.madeGroup }, ops);
}

/** Writes the group's schemata (create, update); the kernel checks each line against the hardware. */
export function writeSchemata(state: Pick<IntelRdtState, 'root' | 'path'>, schemata: string): void {
  const file = join(state.path, 'schemata');
  try {
    writeFileSync(file, schemata);
  } catch (err) {
    throw failure(state.root, `write ${JSON.stringify(schemata.trimEnd())} to ${file}`, err);
  }
}

/** Moves pid into the group, then into its MON group (the kernel keeps the group's CLOS for it): children inherit both. */
export function joinGroup(state: IntelRdtState, pid: number): void {
  for (const dir of state.monPath ? [state.path, state.monPath] : [state.path]) {
    const file = join(dir, 'tasks');
    try {
      writeFileSync(file, String(pid));
    } catch (err) {
      throw failure(state.root, `add pid ${pid} to ${file}`, err);
    }
  }
}

/** exec: the new process joins the container's group, unless someone removed the group meanwhile (runc skips it then too). */
export function joinGroupIfThere(state: IntelRdtState, pid: number): void {
  if (existsSync(state.path)) joinGroup(state, pid);
}

/**
 * What delete removes: the group create made (no closID), which takes its MON
 * groups with it; else only the container's MON group. A group already gone is fine.
 */
export function removeGroup(state: IntelRdtState, ops: ResctrlOps = REAL_OPS): void {
  const dir = state.removeGroup ? state.path : state.monPath;
  if (dir === undefined) return;
  try {
    ops.rmdir(dir);
  } catch (err) {
    if (code(err) !== 'ENOENT') throw new UserError(describeSystemError(`remove Intel RDT group ${dir}`, err));
  }
}
