// Scheduler, io priority, personality, CPU lists, LSM labels, net devices,
// id-mapped mounts and the seccomp listener: config → plan → records.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compilePlan, type CompileOptions } from '../../src/plan/compile.js';
import { encodePlan, RecordType } from '../../src/plan/encode.js';
import { compileExecPlan } from '../../src/plan/exec.js';
import { compileIoPriority, compileScheduler, parseCpuList } from '../../src/plan/process-extras.js';
import { defaultConfig } from '../../src/spec/default-config.js';
import type { Spec } from '../../src/spec/config.js';
import { seccompListener } from '../../src/seccomp/listener.js';
import { userErrorMessage } from '../lib/user-error.js';

const NO_LSM = { apparmor: false, selinux: false };
const BOTH_LSM = { apparmor: true, selinux: true };
const OPTS: CompileOptions = { bundle: '/b', stateDir: '/run/tsrunc/c1', noPivot: false, execFifo: 'exec.fifo', lsm: NO_LSM };

function spec(mutate: (s: Spec) => void = () => {}): Spec {
  const s = defaultConfig({ rootless: false }) as Spec;
  mutate(s);
  return s;
}

/** Record name → list of field lists, from the encoded plan. */
function records(buf: Buffer): Map<string, string[][]> {
  const names = Object.fromEntries(Object.entries(RecordType).map(([k, v]) => [v, k]));
  const out = new Map<string, string[][]>();
  for (let off = 8; ; ) {
    const type = buf.readUInt16LE(off);
    const len = buf.readUInt32LE(off + 2);
    const payload = buf.subarray(off + 6, off + 6 + len);
    off += 6 + len;
    if (type === RecordType.END) return out;
    const name = names[type];
    const fields = type === RecordType.SECCOMP || len === 0 ? [] : payload.subarray(0, len - 1).toString('utf8').split('\0');
    out.set(name, [...(out.get(name) ?? []), fields]);
  }
}

test('scheduler: runc constants; nice, priority and deadline fields checked as runc does', () => {
  assert.equal(compileScheduler({ policy: 'SCHED_BATCH', nice: -3, flags: ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_UTIL_CLAMP_MAX'] }), {
    policy: 3, flags: 0x41, nice: -3, priority: 0, runtime: 0n, deadline: 0n, period: 0n,
  });
  assert.equal(compileScheduler({ policy: 'SCHED_DEADLINE', runtime: 10, deadline: 20, period: 30 })?.period, 30n);
  assert.is(userErrorMessage(() => compileScheduler({ policy: 'SCHED_IDLE', priority: 1 })), 'config.json: /process/scheduler/priority: can only be set with SCHED_FIFO or SCHED_RR');
  assert.is(userErrorMessage(() => compileScheduler({ policy: 'SCHED_RR', period: 5 })), 'config.json: /process/scheduler/period: can only be set with SCHED_DEADLINE');
  assert.is(userErrorMessage(() => compileScheduler({ policy: 'SCHED_BATCH', nice: -21 })), 'config.json: /process/scheduler/nice: must be -20 to 19 with SCHED_BATCH, not -21');
});

test('ioPriority: class << 13 | level', () => {
  assert.is(compileIoPriority({ class: 'IOPRIO_CLASS_RT', priority: 2 }), (1 << 13) | 2);
  assert.is(compileIoPriority({ class: 'IOPRIO_CLASS_IDLE', priority: 7 }), (3 << 13) | 7);
  assert.is(userErrorMessage(() => compileIoPriority({ class: 'IOPRIO_CLASS_BE', priority: 8 })), 'config.json: /process/ioPriority/priority: must be 0 to 7, not 8');
});

test('CPU lists', () => {
  assert.equal(parseCpuList('0-3,7, 5', '/x'), [0, 1, 2, 3, 5, 7]);
  assert.is(parseCpuList('  ', '/x'), undefined);
  assert.is(userErrorMessage(() => parseCpuList('3-1', '/x')), 'config.json: /x: bad CPU range "3-1" in "3-1"');
  assert.is(userErrorMessage(() => parseCpuList('a', '/x')), 'config.json: /x: bad CPU list "a"');
});

test('records: PERSONALITY, SCHEDULER, IOPRIO for create and exec', () => {
  const s = spec((c) => {
    c.linux!.personality = { domain: 'LINUX32', flags: ['x'] };
    c.process!.scheduler = { policy: 'SCHED_FIFO', priority: 9 };
    c.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 4 };
  });
  const warnings: string[] = [];
  const r = records(encodePlan(compilePlan(s, { ...OPTS, warn: (m) => warnings.push(m) })));
  assert.equal(r.get('PERSONALITY'), [['8']]);
  assert.equal(r.get('SCHEDULER'), [['1', '0', '0', '9', '0', '0', '0']]);
  assert.equal(r.get('IOPRIO'), [[String((2 << 13) | 4)]]);
  assert.match(warnings.join('\n'), '/linux/personality/flags: ignoring unsupported personality flags: x');
  const e = records(encodePlan(compileExecPlan(s.process!, { container: s, initPid: 42, lsm: NO_LSM })));
  assert.equal(e.get('PERSONALITY'), [['8']]);
  assert.equal(e.get('SCHEDULER'), [['1', '0', '0', '9', '0', '0', '0']]);
});

test('LSM labels: refused without the module, LSM_LABEL records with it; mountLabel as context=', () => {
  const s = spec((c) => {
    c.process!.apparmorProfile = 'prof';
    c.process!.selinuxLabel = 'u:r:t:s0';
  });
  assert.is(userErrorMessage(() => compilePlan(s, OPTS)), 'config.json: /process/apparmorProfile: apparmor is not enabled on this host');
  assert.is(userErrorMessage(() => compilePlan(s, { ...OPTS, lsm: { apparmor: true, selinux: false } })), 'config.json: /process/selinuxLabel: selinux is not enabled on this host');
  s.linux!.mountLabel = 'u:object_r:f:s0';
  const plan = compilePlan(s, { ...OPTS, lsm: BOTH_LSM });
  assert.equal(records(encodePlan(plan)).get('LSM_LABEL'), [['apparmor', 'prof'], ['selinux', 'u:r:t:s0']]);
  const tmpfs = plan.mounts.find((m) => m.fstype === 'tmpfs');
  assert.match(tmpfs!.data, /,context="u:object_r:f:s0"$/);
  assert.is(plan.mounts.find((m) => m.fstype === 'proc')!.data, '');
  s.process!.apparmorProfile = undefined;
  s.process!.selinuxLabel = undefined;
  assert.is(userErrorMessage(() => compilePlan(s, { ...OPTS, lsm: { apparmor: true, selinux: false } })), 'config.json: /linux/mountLabel: selinux is not enabled on this host');
  // exec --apparmor on such a host
  const c = spec();
  assert.is(userErrorMessage(() => compileExecPlan({ ...c.process!, apparmorProfile: 'p' }, { container: c, initPid: 1, lsm: NO_LSM })), 'process: /apparmorProfile: apparmor is not enabled on this host');
});

test('MOUNT_IDMAP follows its MOUNT; idmap alone takes the new user namespace mappings', () => {
  const map = [{ containerID: 0, hostID: 1000, size: 10 }];
  const s = spec((c) => {
    c.mounts!.push({ destination: '/a', source: '/ha', type: 'bind', options: ['rbind', 'ridmap'], uidMappings: map, gidMappings: [{ containerID: 5, hostID: 6, size: 1 }] });
  });
  const plan = compilePlan(s, OPTS);
  const buf = encodePlan(plan);
  const r = records(buf);
  assert.equal(r.get('MOUNT_IDMAP'), [['1', '0 1000 10\n', '5 6 1\n']]);
  // adjacency: the record right after the /a MOUNT
  const text = buf.toString('latin1');
  assert.ok(text.indexOf('/a\0') < text.indexOf('0 1000 10\n'));
  assert.ok(text.indexOf('0 1000 10\n') < text.indexOf('/dev/null'), 'before the DEVICE records');

  const userns = spec((c) => {
    c.linux!.namespaces!.push({ type: 'user' });
    c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.mounts!.push({ destination: '/a', source: '/ha', type: 'bind', options: ['bind', 'idmap'] });
  });
  assert.equal(compilePlan(userns, OPTS).mounts.at(-1)!.idmap, {
    recursive: false,
    uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
    gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
  });
  const onlyUid = spec((c) => c.mounts!.push({ destination: '/a', source: '/ha', type: 'bind', uidMappings: map }));
  assert.is(userErrorMessage(() => compilePlan(onlyUid, OPTS)), 'config.json: /mounts/7/gidMappings: must be given, and not empty, with uidMappings');
});

test('netDevices: names checked, host name kept by default', () => {
  const s = spec((c) => (c.linux!.netDevices = { eth1: {}, veth9: { name: 'ctr0' } }));
  assert.equal(compilePlan(s, OPTS).netDevices, [{ hostName: 'eth1', name: 'eth1' }, { hostName: 'veth9', name: 'ctr0' }]);
  const long = spec((c) => (c.linux!.netDevices = { eth1: { name: 'a-name-far-too-long' } }));
  assert.is(userErrorMessage(() => compilePlan(long, OPTS)), 'config.json: /linux/netDevices/eth1/name: invalid network device name "a-name-far-too-long"');
});

test('seccomp listener: the state JSON in pieces around the pid', () => {
  const s = spec((c) => {
    c.annotations = { a: 'b' };
    c.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock', listenerMetadata: 'm', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] };
  });
  const l = seccompListener(s, { id: 'c1', bundle: '/b', status: 'creating' })!;
  assert.is(l.path, '/run/agent.sock');
  assert.is(l.message.length, 3);
  assert.equal(JSON.parse(l.message.join('4321')), {
    ociVersion: '1.3.0',
    fds: ['seccompFd'],
    pid: 4321,
    metadata: 'm',
    state: { ociVersion: s.ociVersion, id: 'c1', status: 'creating', pid: 4321, bundle: '/b', annotations: { a: 'b' } },
  });
  // without notify rules the path is ignored (spec)
  s.linux!.seccomp!.syscalls = [];
  assert.is(seccompListener(s, { id: 'c1', bundle: '/b', status: 'creating' }), undefined);
});

test.run();
