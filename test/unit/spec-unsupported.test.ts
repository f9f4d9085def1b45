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

test('implemented features are not in the list', () => {
  const id = [{ containerID: 0, hostID: 1000, size: 1 }];
  const s = base();
  s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock', syscalls: [{ names: ['mknod'], action: 'SCMP_ACT_NOTIFY' }] };
  s.linux!.personality = { domain: 'LINUX32' };
  s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' };
  s.linux!.intelRdt = { closID: 'x', schemata: ['L3:0=f'], enableMonitoring: true };
  s.linux!.netDevices = { eth0: {} };
  s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0';
  s.process!.scheduler = { policy: 'SCHED_OTHER' };
  s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 0 };
  s.process!.execCPUAffinity = { final: '0' };
  s.process!.apparmorProfile = 'docker-default';
  s.process!.selinuxLabel = 'system_u:system_r:container_t:s0';
  s.mounts = [{ destination: '/b', source: '/b', options: ['bind', 'idmap'], uidMappings: id, gidMappings: id }];
  assert.equal(checkSupported(s), []);
});

test('hooks are supported', () => {
  const s = base();
  const h = [{ path: '/bin/true' }];
  s.hooks = { prestart: h, createRuntime: h, createContainer: h, startContainer: h, poststart: h, poststop: h };
  assert.equal(checkSupported(s, 'x.json'), []);
});

test('the list is data: one finder per entry (none left)', () => {
  assert.is(UNSUPPORTED.length, 0);
});

test.run();
