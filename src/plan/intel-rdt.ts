// linux.intelRdt → what create does in the resctrl filesystem: which group the
// container joins, what goes into its schemata file, whether a MON group is
// made and whether delete may remove the group. Pure: the host's resctrl
// features come in as data (src/linux/resctrl.ts finds them). Rules: the
// runtime-spec's config-linux.md "IntelRdt" and runc's validator.
import type { LinuxIntelRdt } from '../spec/config.js';
import { configError } from './config-error.js';
import { UserError } from '../errors.js';

/** What the host's resctrl filesystem offers (runc: "CAT/MBA enabled"). */
export interface ResctrlFeatures {
  /** Where resctrl is mounted, e.g. /sys/fs/resctrl. */
  root: string;
  /** info/L3 exists: L3 cache allocation (CAT). */
  cat: boolean;
  /** info/MB exists: memory bandwidth allocation (MBA). */
  mba: boolean;
  /** mon_groups exists in the root group: MON groups can be made. */
  monitoring: boolean;
}

export interface IntelRdtPlan {
  /** The resctrl mount point. */
  root: string;
  /** The CTRL_MON group under the resctrl root: closID, else the container id; "" = the root group (closID "/"). */
  group: string;
  /** closID given with nothing to write: the group must have been made beforehand. */
  mustExist: boolean;
  /** The schemata file's new content, one line per entry; undefined: the file is not written. */
  schemata?: string;
  /** The MON group made under <group>/mon_groups (the container id), with enableMonitoring. */
  monGroup?: string;
  /** delete removes the group (if create made it): only when no closID was given. */
  removeGroup: boolean;
}

const AT = '/linux/intelRdt';

/**
 * Checks in runc's order (resctrl mounted, closID, CAT, MBA) and returns the plan.
 * host is undefined when no resctrl filesystem is mounted.
 */
export function planIntelRdt(rdt: LinuxIntelRdt, id: string, host: ResctrlFeatures | undefined): IntelRdtPlan {
  if (!host) {
    // runtime-spec: no mounted resctrl → an error; runc: "Intel RDT is not enabled"
    throw configError(AT, 'is set, but Intel RDT is not enabled: no resctrl filesystem is mounted (mount -t resctrl resctrl /sys/fs/resctrl)');
  }
  const clos = rdt.closID ?? '';
  // a group name is one path component; "/" alone names the root group
  if (clos === '.' || clos === '..' || (clos.length > 1 && clos.includes('/'))) {
    throw configError(`${AT}/closID`, `invalid CLOS name ${JSON.stringify(clos)}: must be one directory name, or "/" for the root group`);
  }
  const l3 = rdt.l3CacheSchema ?? '';
  const mb = rdt.memBwSchema ?? '';
  if (l3 !== '' && !host.cat) {
    throw configError(`${AT}/l3CacheSchema`, `is set, but Intel RDT/CAT is not enabled (no ${host.root}/info/L3)`);
  }
  if (mb !== '' && !host.mba) {
    throw configError(`${AT}/memBwSchema`, `is set, but Intel RDT/MBA is not enabled (no ${host.root}/info/MB)`);
  }
  if (rdt.enableMonitoring && !host.monitoring) {
    throw configError(`${AT}/enableMonitoring`, `is set, but resctrl monitoring is not enabled (no ${host.root}/mon_groups)`);
  }
  const schemata = schemataOf(rdt);
  return {
    root: host.root,
    group: clos === '' ? id : clos === '/' ? '' : clos,
    mustExist: clos !== '' && schemata === undefined,
    schemata,
    monGroup: rdt.enableMonitoring ? id : undefined,
    removeGroup: clos === '',
  };
}

/** `update --l3-cache-schema / --mem-bw-schema` (empty = unchanged). */
export interface IntelRdtUpdate {
  l3CacheSchema?: string;
  memBwSchema?: string;
}

/**
 * The container's intelRdt after update, or undefined when the flags change
 * nothing. runc's checks and messages: the host must have CAT/MBA for the
 * schema given, and the container must have been created with intelRdt.
 */
export function updatedIntelRdt(current: LinuxIntelRdt | undefined, flags: IntelRdtUpdate, host: ResctrlFeatures | undefined): LinuxIntelRdt | undefined {
  const l3 = flags.l3CacheSchema ?? '';
  const mb = flags.memBwSchema ?? '';
  if (l3 !== '' && !host?.cat) throw new UserError('Intel RDT/CAT: l3 cache schema is not enabled');
  if (mb !== '' && !host?.mba) throw new UserError('Intel RDT/MBA: memory bandwidth schema is not enabled');
  if (l3 === '' && mb === '') return undefined;
  if (!current) throw new UserError('updating a non-existent Intel RDT configuration is not supported');
  for (const [flag, value] of [['l3-cache-schema', l3], ['mem-bw-schema', mb]]) {
    if (value.includes('\n')) throw new UserError(`--${flag}: must be one line`);
  }
  if (mb !== '' && !mb.startsWith('MB:')) throw new UserError('--mem-bw-schema: must start with "MB:"');
  return { ...current, ...(l3 !== '' && { l3CacheSchema: l3 }), ...(mb !== '' && { memBwSchema: mb }) };
}

/**
 * The schemata file's content, one line per schema, or undefined when none is set.
 * runtime-spec: l3CacheSchema first, memBwSchema next, schemata last; empty ones skipped as runc does.
 */
export function schemataOf(rdt: LinuxIntelRdt): string | undefined {
  const lines = [rdt.l3CacheSchema ?? '', rdt.memBwSchema ?? '', ...(rdt.schemata ?? [])].filter((line) => line !== '');
  return lines.length > 0 ? lines.map((line) => `${line}\n`).join('') : undefined;
}
