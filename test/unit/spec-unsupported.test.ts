// The "valid per spec, not implemented by tsrunc yet" list.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Spec } from '../../src/spec/config.js';
import { UNSUPPORTED, checkSupported } from '../../src/spec/unsupported.js';

const base = (): Spec => ({
  ociVersion: '1.3.0',
  root: { path: 'rootfs' },
  process: { cwd: '/', args: ['sh'], terminal: false },
  linux: { namespaces: [{ type: 'mount' }] },
});

test('a plain config uses nothing unsupported', () => {
  assert.equal(checkSupported(base()), []);
});

test('empty or unset values do not count as used', () => {
  const s = base();
  s.hooks = { prestart: [], poststop: [] };
  s.process!.apparmorProfile = '';
  s.process!.selinuxLabel = '';
  s.linux!.mountLabel = '';
  s.linux!.netDevices = {};
  s.mounts = [{ destination: '/tmp', type: 'tmpfs' }];
  assert.equal(checkSupported(s), []);
});

test('each unsupported field is named by its pointer', () => {
  const id = [{ containerID: 0, hostID: 1000, size: 1 }];
  const cases: [string, (s: Spec) => void][] = [
    ['/linux/intelRdt', (s) => (s.linux!.intelRdt = { closID: 'x' })],
    ['/linux/seccomp/syscalls/0/action: SCMP_ACT_NOTIFY', (s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mknod'], action: 'SCMP_ACT_NOTIFY' }] })],
    ['/linux/personality', (s) => (s.linux!.personality = { domain: 'LINUX' })],
    ['/process/scheduler', (s) => (s.process!.scheduler = { policy: 'SCHED_OTHER' })],
    ['/process/ioPriority', (s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 0 })],
    ['/process/execCPUAffinity', (s) => (s.process!.execCPUAffinity = { final: '0' })],
    ['/linux/netDevices', (s) => (s.linux!.netDevices = { eth0: {} })],
    ['/linux/memoryPolicy', (s) => (s.linux!.memoryPolicy = { mode: 'MPOL_DEFAULT' })],
    ['/process/apparmorProfile', (s) => (s.process!.apparmorProfile = 'docker-default')],
    ['/process/selinuxLabel', (s) => (s.process!.selinuxLabel = 'system_u:system_r:container_t:s0')],
    ['/linux/mountLabel', (s) => (s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0')],
  ];
  for (const [pointer, use] of cases) {
    const s = base();
    use(s);
    assert.equal(checkSupported(s), [`config.json: ${pointer}: not supported by tsrunc`], pointer);
  }
  const s = base();
  s.mounts = [{ destination: '/a' }, { destination: '/b', uidMappings: id, gidMappings: id }];
  assert.equal(checkSupported(s), [
    'config.json: /mounts/1/uidMappings: not supported by tsrunc',
    'config.json: /mounts/1/gidMappings: not supported by tsrunc',
  ]);
});

test('hooks are supported', () => {
  const s = base();
  const h = [{ path: '/bin/true' }];
  s.hooks = { prestart: h, createRuntime: h, createContainer: h, startContainer: h, poststart: h, poststop: h };
  assert.equal(checkSupported(s, 'x.json'), []);
});

test('the list is data: one finder per entry', () => {
  assert.is(UNSUPPORTED.length, 12);
});

test.run();
