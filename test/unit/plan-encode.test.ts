// encodePlan: the bytes follow docs/plan-format.md (header, record order,
// field counts, raw SECCOMP, END), checked by decoding them back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodePlan, RecordType } from '../../src/plan/encode.js';
import type { Plan } from '../../src/plan/types.js';
import { minimalPlan } from '../lib/plans.js';

const NAME = Object.fromEntries(Object.entries(RecordType).map(([k, v]) => [v, k])) as Record<number, string>;

interface Decoded {
  type: string;
  fields?: string[];
  raw?: Buffer;
}

function decode(buf: Buffer): { version: number; records: Decoded[]; trailing: number } {
  assert.is(buf.subarray(0, 4).toString('latin1'), 'TSRP');
  const version = buf.readUInt32LE(4);
  const records: Decoded[] = [];
  let off = 8;
  for (;;) {
    const type = buf.readUInt16LE(off);
    const len = buf.readUInt32LE(off + 2);
    const payload = buf.subarray(off + 6, off + 6 + len);
    off += 6 + len;
    const name = NAME[type];
    assert.ok(name, `unknown record type ${type}`);
    if (type === RecordType.END) {
      assert.is(len, 0);
      records.push({ type: name });
      break;
    }
    if (type === RecordType.SECCOMP) {
      records.push({ type: name, raw: Buffer.from(payload) });
      continue;
    }
    if (len > 0) assert.is(payload[len - 1], 0, `${name} payload not NUL-terminated`);
    const fields = len === 0 ? [] : payload.subarray(0, len - 1).toString('utf8').split('\0');
    records.push({ type: name, fields });
  }
  return { version, records, trailing: buf.length - off };
}

function fullPlan(): Plan {
  return {
    ...minimalPlan(),
    nsJoin: [{ type: 'net', path: '/proc/42/ns/net' }, { type: 'mnt', path: '/proc/42/ns/mnt' }],
    userNsNew: true,
    nsUnshare: 0x20000 | 0x20000000 | 0x40000000 | 0x80000000,
    timeOffsets: [{ clock: 'monotonic', secs: -5n, nsecs: 7 }],
    rootfs: '/b/rootfs',
    stateDir: '/run/tsrunc/c1',
    propagation: 0x80000 | 0x4000,
    mounts: [
      { source: 'proc', destination: '/proc', fstype: 'proc', flags: 14, propagation: 0, data: '', attrSet: 0, attrClr: 0 },
      { source: '/h', destination: '/mnt', fstype: 'bind', flags: 0x1000 | 0x4000 | 1, propagation: 1 << 18, data: '', attrSet: 1, attrClr: 0x70 },
    ],
    devices: [{ path: '/dev/null', type: 'c', major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0, how: 'mknod' }],
    symlinks: [{ target: '/proc/self/fd', linkpath: '/dev/fd' }],
    pivot: 'chroot',
    rootReadonly: true,
    hostname: 'box',
    domainname: 'example',
    sysctl: [{ key: 'net.ipv4.ip_forward', value: '1' }],
    maskedPaths: ['/proc/kcore'],
    readonlyPaths: ['/proc/sys', '/proc/bus'],
    rlimits: [{ resource: 7, soft: 1024n, hard: -1n }],
    oomScoreAdj: -500,
    noNewPrivileges: true,
    caps: { bounding: (1n << 40n) | 1n, effective: 1n, permitted: 1n, inheritable: 0n, ambient: 0n },
    user: { uid: 1000, gid: 100, umask: 0o22 },
    additionalGids: [10, 20],
    cwd: '/work',
    env: ['PATH=/bin', 'A=b=c'],
    args: ['sh', '-c', 'echo hi'],
    seccomp: new Uint8Array(16).fill(3),
    execFifo: 'exec.fifo',
    setsid: true,
  };
}

const FIELD_COUNTS: Record<string, number> = {
  NS_JOIN: 2, USERNS_NEW: 0, NS_UNSHARE: 1, TIMENS_OFFSET: 3, ROOTFS: 1, STATE_DIR: 1, PROPAGATION: 1,
  MOUNT: 8, DEVICE: 8, SYMLINK: 2, PIVOT: 1, ROOT_READONLY: 0, HOSTNAME: 1, DOMAINNAME: 1, SYSCTL: 2,
  MASK: 1, READONLY: 1, RLIMIT: 3, OOM_SCORE_ADJ: 1, NO_NEW_PRIVS: 0, CAPS: 5, USER: 3, CWD: 1,
  EXEC_FIFO: 1, SETSID: 0, END: 0,
};

test('header, version and END', () => {
  const d = decode(encodePlan(minimalPlan()));
  assert.is(d.version, 1);
  assert.is(d.trailing, 0);
  assert.is(d.records[d.records.length - 1].type, 'END');
});

test('a minimal exec-like plan has only the process records', () => {
  const d = decode(encodePlan(minimalPlan()));
  assert.equal(d.records.map((r) => r.type), ['CAPS', 'USER', 'GROUPS', 'CWD', 'ENV', 'ARGS', 'END']);
  assert.equal(d.records[1].fields, ['0', '0', '-1']);
  assert.equal(d.records[2].fields, []);
  assert.equal(d.records[4].fields, []);
});

test('full plan: record order and field counts', () => {
  const d = decode(encodePlan(fullPlan()));
  assert.equal(d.records.map((r) => r.type), [
    'NS_JOIN', 'NS_JOIN', 'USERNS_NEW', 'NS_UNSHARE', 'TIMENS_OFFSET', 'ROOTFS', 'STATE_DIR', 'PROPAGATION',
    'MOUNT', 'MOUNT', 'DEVICE', 'SYMLINK', 'PIVOT', 'ROOT_READONLY', 'HOSTNAME', 'DOMAINNAME', 'SYSCTL',
    'MASK', 'READONLY', 'READONLY', 'RLIMIT', 'OOM_SCORE_ADJ', 'NO_NEW_PRIVS', 'CAPS', 'USER', 'GROUPS',
    'CWD', 'ENV', 'ARGS', 'SECCOMP', 'EXEC_FIFO', 'SETSID', 'END',
  ]);
  for (const r of d.records) {
    if (r.type in FIELD_COUNTS) assert.is(r.fields?.length ?? 0, FIELD_COUNTS[r.type], r.type);
  }
});

test('full plan: field values', () => {
  const d = decode(encodePlan(fullPlan()));
  const get = (t: string) => d.records.filter((r) => r.type === t).map((r) => r.fields);
  assert.equal(get('NS_JOIN'), [['net', '/proc/42/ns/net'], ['mnt', '/proc/42/ns/mnt']]);
  // bit 31 (CLONE_NEWTIME is 0x80, but a signed `|` result must still come out unsigned)
  assert.equal(get('NS_UNSHARE'), [[String((0x20000 | 0x20000000 | 0x40000000 | 0x80000000) >>> 0)]]);
  assert.equal(get('TIMENS_OFFSET'), [['monotonic', '-5', '7']]);
  assert.equal(get('MOUNT')[1], ['/h', '/mnt', 'bind', String(0x1000 | 0x4000 | 1), String(1 << 18), '', '1', '112']);
  assert.equal(get('DEVICE'), [['/dev/null', 'c', '1', '3', '438', '0', '0', 'mknod']]);
  assert.equal(get('PIVOT'), [['chroot']]);
  assert.equal(get('RLIMIT'), [['7', '1024', '18446744073709551615']]);
  assert.equal(get('OOM_SCORE_ADJ'), [['-500']]);
  assert.equal(get('CAPS'), [[String((1n << 40n) | 1n), '1', '1', '0', '0']]);
  assert.equal(get('USER'), [['1000', '100', '18']]);
  assert.equal(get('GROUPS'), [['10', '20']]);
  assert.equal(get('ENV'), [['PATH=/bin', 'A=b=c']]);
  assert.equal(get('ARGS'), [['sh', '-c', 'echo hi']]);
  const sec = d.records.find((r) => r.type === 'SECCOMP');
  assert.equal(sec?.raw, Buffer.alloc(16, 3));
});

test('empty strings survive as empty fields', () => {
  const p = { ...minimalPlan(), args: ['sh', '', 'x'], env: [''] };
  const d = decode(encodePlan(p));
  assert.equal(d.records.find((r) => r.type === 'ARGS')?.fields, ['sh', '', 'x']);
  assert.equal(d.records.find((r) => r.type === 'ENV')?.fields, ['']);
});

test('no rootfs: no mount records even if listed', () => {
  const p = { ...fullPlan(), rootfs: undefined };
  const types = decode(encodePlan(p)).records.map((r) => r.type);
  for (const t of ['ROOTFS', 'PROPAGATION', 'MOUNT', 'DEVICE', 'SYMLINK', 'PIVOT', 'ROOT_READONLY']) {
    assert.not.ok(types.includes(t), t);
  }
  assert.ok(types.includes('STATE_DIR'));
});

test('NUL bytes in strings are refused', () => {
  assert.throws(() => encodePlan({ ...minimalPlan(), args: ['a\0b'] }), /args value contains a NUL byte/);
});

test('seccomp must be whole sock_filter entries', () => {
  assert.throws(() => encodePlan({ ...minimalPlan(), seccomp: new Uint8Array(12) }), /sock_filter/);
});

test.run();
