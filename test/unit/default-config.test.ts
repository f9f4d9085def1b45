import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultConfig } from '../../src/spec/default-config.js';
import { validateConfig } from '../../src/spec/validate-config.generated.js';

const CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

test('top-level shape and process defaults', () => {
  const c = defaultConfig({ rootless: false });
  assert.equal(Object.keys(c), ['ociVersion', 'process', 'root', 'hostname', 'mounts', 'linux']);
  assert.is(c.ociVersion, '1.3.0');
  assert.is(c.hostname, 'tsrunc');
  assert.equal(c.root, { path: 'rootfs', readonly: true });
  assert.is(c.process.terminal, true);
  assert.equal(c.process.user, { uid: 0, gid: 0 });
  assert.equal(c.process.args, ['sh']);
  assert.is(c.process.cwd, '/');
  assert.ok(c.process.env.some((e) => e.startsWith('PATH=/usr/local/sbin:')));
  assert.ok(c.process.env.includes('TERM=xterm'));
  assert.equal(c.process.capabilities, { bounding: CAPS, effective: CAPS, permitted: CAPS });
  assert.equal(c.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }]);
  assert.is(c.process.noNewPrivileges, true);
});

test('mounts match runc defaults', () => {
  const c = defaultConfig({ rootless: false });
  assert.equal(
    c.mounts.map((m) => `${m.destination} ${m.type}`),
    ['/proc proc', '/dev tmpfs', '/dev/pts devpts', '/dev/shm tmpfs', '/dev/mqueue mqueue', '/sys sysfs', '/sys/fs/cgroup cgroup'],
  );
  const devpts = c.mounts.find((m) => m.destination === '/dev/pts');
  assert.ok(devpts?.options?.includes('gid=5'));
  assert.ok(devpts?.options?.includes('newinstance'));
  const sys = c.mounts.find((m) => m.destination === '/sys');
  assert.ok(sys?.options?.includes('ro'));
  assert.is(c.mounts[0].options, undefined);
});

test('linux section: namespaces, device deny-all, masked and readonly paths', () => {
  const c = defaultConfig({ rootless: false });
  assert.equal(c.linux.namespaces.map((n) => n.type), ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup']);
  assert.equal(c.linux.resources, { devices: [{ allow: false, access: 'rwm' }] });
  assert.is(c.linux.uidMappings, undefined);
  assert.ok(c.linux.maskedPaths.includes('/proc/kcore'));
  assert.ok(c.linux.maskedPaths.includes('/sys/firmware'));
  assert.is(c.linux.maskedPaths.length, 10);
  assert.equal(c.linux.readonlyPaths, ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
});

test('cgroup namespace only when asked (runc: on cgroup v2 hosts)', () => {
  assert.equal(defaultConfig({ rootless: false, cgroupNamespace: false }).linux.namespaces.map((n) => n.type), ['pid', 'network', 'ipc', 'uts', 'mount']);
  assert.equal(defaultConfig({ rootless: true, cgroupNamespace: false }).linux.namespaces.map((n) => n.type), ['pid', 'ipc', 'uts', 'mount', 'user']);
  assert.equal(defaultConfig({ rootless: true, cgroupNamespace: true }).linux.namespaces.map((n) => n.type), ['pid', 'ipc', 'uts', 'mount', 'cgroup', 'user']);
});

test('rootless: user namespace with mappings, no network namespace, sysfs rbind', () => {
  const c = defaultConfig({ rootless: true, hostUid: 1000, hostGid: 1001 });
  const types = c.linux.namespaces.map((n) => n.type);
  assert.ok(types.includes('user'));
  assert.not.ok(types.includes('network'));
  assert.equal(c.linux.uidMappings, [{ containerID: 0, hostID: 1000, size: 1 }]);
  assert.equal(c.linux.gidMappings, [{ containerID: 0, hostID: 1001, size: 1 }]);
  assert.is(c.linux.resources, undefined);
  const sys = c.mounts.find((m) => m.destination === '/sys');
  assert.equal(sys, { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] });
  for (const m of c.mounts) assert.not.ok(m.options?.some((o) => o.startsWith('gid=') || o.startsWith('uid=')));
});

test('rootless mappings default to the current euid/egid', () => {
  const c = defaultConfig({ rootless: true });
  assert.is(c.linux.uidMappings?.[0].hostID, process.geteuid?.());
  assert.is(c.linux.gidMappings?.[0].hostID, process.getegid?.());
});

test('both variants pass the config schema', () => {
  for (const rootless of [false, true]) {
    const ok = validateConfig(defaultConfig({ rootless }));
    assert.ok(ok, JSON.stringify((validateConfig as unknown as { errors: unknown }).errors));
  }
});

test('JSON output is stable and calls do not share state', () => {
  const a = defaultConfig({ rootless: false });
  a.process.capabilities.bounding.push('CAP_SYS_ADMIN');
  a.linux.maskedPaths.length = 0;
  const b = JSON.stringify(defaultConfig({ rootless: false }), null, 2);
  const c = JSON.stringify(defaultConfig({ rootless: false }), null, 2);
  assert.is(b, c);
  assert.not.ok(b.includes('CAP_SYS_ADMIN'));
  assert.ok(b.includes('/proc/kcore'));
  assert.equal(JSON.parse(b), defaultConfig({ rootless: false }));
});

test('the busybox demo bundle is the default config with a demo command', () => {
  // dist/test/unit/ → repository root
  const url = new URL('../../../bundles/busybox/config.json', import.meta.url);
  const bundle = JSON.parse(readFileSync(url, 'utf8'));
  assert.ok(validateConfig(bundle));
  const expected = defaultConfig({ rootless: false });
  expected.process.terminal = false;
  expected.process.args = bundle.process.args;
  assert.equal(bundle, expected);
  assert.is(bundle.process.args[0], 'sh');
});

test.run();
