// Plan → bytes for the C stub, in the wire format of docs/plan-format.md:
// "TSRP", u32 version, then records (u16 type, u32 length, payload) up to END.
// A payload is NUL-terminated fields, except SECCOMP (raw sock_filter bytes).

import { UserError } from '../errors.js';
import { PLAN_VERSION, type Plan } from './types.js';

export const RecordType = {
  END: 0,
  NS_JOIN: 1,
  USERNS_NEW: 2,
  NS_UNSHARE: 3,
  TIMENS_OFFSET: 4,
  ROOTFS: 5,
  STATE_DIR: 6,
  PROPAGATION: 7,
  MOUNT: 8,
  DEVICE: 9,
  SYMLINK: 10,
  PIVOT: 11,
  ROOT_READONLY: 12,
  HOSTNAME: 13,
  DOMAINNAME: 14,
  SYSCTL: 15,
  MASK: 16,
  READONLY: 17,
  RLIMIT: 18,
  OOM_SCORE_ADJ: 19,
  NO_NEW_PRIVS: 20,
  CAPS: 21,
  USER: 22,
  GROUPS: 23,
  CWD: 24,
  ENV: 25,
  ARGS: 26,
  SECCOMP: 27,
  EXEC_FIFO: 28,
  SETSID: 29,
  CONSOLE: 30,
  HOOKS: 31,
  HOOK: 32,
  SECCOMP_FLAGS: 33,
  PERSONALITY: 34,
  SCHEDULER: 35,
  IOPRIO: 36,
  LSM_LABEL: 37,
  SECCOMP_LISTENER: 38,
  MOUNT_IDMAP: 39,
  CGROUP_JOIN: 40,
  MOUNT_READONLY: 41,
  MEMPOLICY: 42,
  PIDFD_SOCKET: 43,
} as const;

export type RecordTypeName = keyof typeof RecordType;

const MAGIC = Buffer.from('TSRP', 'latin1');

/** A signed integer field (ids, offsets, umask with -1 = unset). */
function int(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`plan: ${n} is not an integer`);
  return String(n);
}

/** A flags field: the unsigned value, also when `|` produced a negative int32. */
function flags(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`plan: flags ${n} is not an integer`);
  return String(n < 0 && n >= -0x80000000 ? n >>> 0 : n);
}

/** An unsigned 64-bit field: -1n (and any negative) wraps, so -1n = RLIM_INFINITY. */
function u64(n: bigint): string {
  return BigInt.asUintN(64, n).toString();
}

/** Records are collected, then written into one buffer: a plan has a few hundred small fields. */
class Writer {
  private readonly records: { type: number; payload: string | Uint8Array; length: number }[] = [];

  raw(type: RecordTypeName, payload: Uint8Array): void {
    this.records.push({ type: RecordType[type], payload, length: payload.length });
  }

  fields(type: RecordTypeName, ...fields: string[]): void {
    let payload = '';
    for (const f of fields) {
      if (f.includes('\0')) throw new UserError(`${type.toLowerCase()} value contains a NUL byte: ${JSON.stringify(f)}`);
      payload += `${f}\0`;
    }
    this.records.push({ type: RecordType[type], payload, length: Buffer.byteLength(payload) });
  }

  finish(): Buffer {
    this.raw('END', new Uint8Array(0));
    let total = 8;
    for (const r of this.records) total += 6 + r.length;
    const out = Buffer.allocUnsafe(total);
    MAGIC.copy(out, 0);
    out.writeUInt32LE(PLAN_VERSION, 4);
    let off = 8;
    for (const r of this.records) {
      out.writeUInt16LE(r.type, off);
      out.writeUInt32LE(r.length, off + 2);
      off += 6;
      if (typeof r.payload === 'string') out.write(r.payload, off, 'utf8');
      else out.set(r.payload, off);
      off += r.length;
    }
    return out;
  }
}

export function encodePlan(plan: Plan): Buffer {
  const w = new Writer();
  for (const j of plan.cgroupJoin ?? []) w.fields('CGROUP_JOIN', j.how, j.dir);
  for (const ns of plan.nsJoin) w.fields('NS_JOIN', ns.type, ns.path);
  if (plan.userNsNew) w.fields('USERNS_NEW');
  if (plan.nsUnshare !== 0) w.fields('NS_UNSHARE', flags(plan.nsUnshare));
  for (const t of plan.timeOffsets) w.fields('TIMENS_OFFSET', t.clock, t.secs.toString(), int(t.nsecs));
  if (plan.rootfs !== undefined) w.fields('ROOTFS', plan.rootfs);
  if (plan.stateDir !== undefined) w.fields('STATE_DIR', plan.stateDir);
  if (plan.rootfs !== undefined) {
    if (plan.propagation !== 0) w.fields('PROPAGATION', flags(plan.propagation));
    for (const m of plan.mounts) {
      w.fields('MOUNT', m.source, m.destination, m.fstype, flags(m.flags), flags(m.propagation), m.data,
        flags(m.attrSet), flags(m.attrClr));
      // right after its MOUNT: the stub pairs them by position
      if (m.idmap) w.fields('MOUNT_IDMAP', m.idmap.recursive ? '1' : '0', idMapText(m.idmap.uidMappings), idMapText(m.idmap.gidMappings));
    }
    for (const d of plan.devices) {
      w.fields('DEVICE', d.path, d.type, int(d.major), int(d.minor), int(d.mode), int(d.uid), int(d.gid), d.how);
    }
    for (const s of plan.symlinks) w.fields('SYMLINK', s.target, s.linkpath);
    w.fields('PIVOT', plan.pivot);
    for (const m of plan.mounts) if (m.readonlyLast) w.fields('MOUNT_READONLY', m.destination, flags(m.flags));
    if (plan.rootReadonly) w.fields('ROOT_READONLY');
  }
  if (plan.hostname !== undefined) w.fields('HOSTNAME', plan.hostname);
  if (plan.domainname !== undefined) w.fields('DOMAINNAME', plan.domainname);
  for (const s of plan.sysctl) w.fields('SYSCTL', s.key, s.value);
  for (const p of plan.maskedPaths) w.fields('MASK', p);
  for (const p of plan.readonlyPaths) w.fields('READONLY', p);
  for (const r of plan.rlimits) w.fields('RLIMIT', int(r.resource), u64(r.soft), u64(r.hard));
  if (plan.oomScoreAdj !== undefined) w.fields('OOM_SCORE_ADJ', int(plan.oomScoreAdj));
  if (plan.noNewPrivileges) w.fields('NO_NEW_PRIVS');
  const c = plan.caps;
  w.fields('CAPS', u64(c.bounding), u64(c.effective), u64(c.permitted), u64(c.inheritable), u64(c.ambient));
  w.fields('USER', int(plan.user.uid), int(plan.user.gid), int(plan.user.umask));
  w.fields('GROUPS', ...plan.additionalGids.map(int));
  w.fields('CWD', plan.cwd);
  w.fields('ENV', ...plan.env);
  w.fields('ARGS', ...plan.args);
  if (plan.seccomp !== undefined) {
    if (plan.seccomp.length === 0 || plan.seccomp.length % 8 !== 0) {
      throw new Error(`plan: seccomp program of ${plan.seccomp.length} bytes is not whole sock_filter entries`);
    }
    w.raw('SECCOMP', plan.seccomp);
    if (plan.seccompFlags) w.fields('SECCOMP_FLAGS', u64(BigInt(plan.seccompFlags)));
  }
  if (plan.execFifo !== undefined) w.fields('EXEC_FIFO', plan.execFifo);
  if (plan.setsid) w.fields('SETSID');
  if (plan.console) w.fields('CONSOLE', plan.console.socket, int(plan.console.rows), int(plan.console.cols));
  if (plan.pidfdSocket) w.fields('PIDFD_SOCKET', plan.pidfdSocket.path, plan.pidfdSocket.kind);
  if (plan.hookHandshake) w.fields('HOOKS');
  for (const h of plan.containerHooks ?? []) {
    w.fields('HOOK', h.kind, h.path, int(h.timeout), int(h.args.length), ...h.args, ...h.env);
  }
  if (plan.personality !== undefined) w.fields('PERSONALITY', flags(plan.personality));
  const sc = plan.scheduler;
  if (sc) {
    w.fields('SCHEDULER', int(sc.policy), flags(sc.flags), int(sc.nice), int(sc.priority), u64(sc.runtime), u64(sc.deadline), u64(sc.period));
  }
  if (plan.ioPriority !== undefined) w.fields('IOPRIO', int(plan.ioPriority));
  if (plan.memoryPolicy) w.fields('MEMPOLICY', flags(plan.memoryPolicy.mode), ...plan.memoryPolicy.nodes.map(int));
  if (plan.apparmorProfile) w.fields('LSM_LABEL', 'apparmor', plan.apparmorProfile);
  if (plan.selinuxLabel) w.fields('LSM_LABEL', 'selinux', plan.selinuxLabel);
  if (plan.seccomp !== undefined && plan.seccompListener) {
    w.fields('SECCOMP_LISTENER', plan.seccompListener.path, ...plan.seccompListener.message);
  }
  return w.finish();
}

/** uid_map/gid_map text: one "containerID hostID size" line per mapping. */
function idMapText(maps: readonly { containerID: number; hostID: number; size: number }[]): string {
  return maps.map((m) => `${int(m.containerID)} ${int(m.hostID)} ${int(m.size)}\n`).join('');
}
