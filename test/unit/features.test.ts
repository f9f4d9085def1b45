// `tsrunc features`: the runtime-spec v1.3.0 Features structure, true to this build.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { features } from '../../src/runtime/features.js';
import { CAPABILITY_NAMES } from '../../src/plan/capabilities.js';
import { parseMountOptions } from '../../src/plan/mount-options.js';
import { compileNamespaces } from '../../src/plan/namespaces.js';
import { checkSupported } from '../../src/spec/unsupported.js';

const f = features();

/** Field names features.md and features-linux.md define, per object. */
const TOP = ['ociVersionMin', 'ociVersionMax', 'hooks', 'mountOptions', 'linux', 'annotations', 'potentiallyUnsafeConfigAnnotations'];
const LINUX = ['namespaces', 'capabilities', 'cgroup', 'seccomp', 'apparmor', 'selinux', 'intelRdt', 'memoryPolicy', 'mountExtensions', 'netDevices'];
const CGROUP = ['v1', 'v2', 'systemd', 'systemdUser', 'rdma'];
const SECCOMP = ['enabled', 'actions', 'operators', 'archs', 'knownFlags', 'supportedFlags'];

function onlyKeys(obj: object | undefined, allowed: string[], where: string): void {
  assert.ok(obj, `${where} present`);
  for (const k of Object.keys(obj!)) assert.ok(allowed.includes(k), `${where}: unknown field ${k}`);
}

function stringList(v: unknown, where: string): string[] {
  assert.ok(Array.isArray(v), `${where} is an array`);
  const list = v as unknown[];
  assert.ok(list.length > 0, `${where} is not empty`);
  for (const s of list) assert.type(s, 'string', where);
  assert.is(new Set(list).size, list.length, `${where} has no duplicates`);
  return list as string[];
}

test('field names are the spec ones, versions as tsrunc accepts them', () => {
  onlyKeys(f, TOP, 'features');
  onlyKeys(f.linux, LINUX, 'linux');
  onlyKeys(f.linux!.cgroup, CGROUP, 'linux.cgroup');
  onlyKeys(f.linux!.seccomp, SECCOMP, 'linux.seccomp');
  onlyKeys(f.linux!.apparmor, ['enabled'], 'linux.apparmor');
  onlyKeys(f.linux!.selinux, ['enabled'], 'linux.selinux');
  onlyKeys(f.linux!.intelRdt, ['enabled', 'schemata', 'monitoring'], 'linux.intelRdt');
  onlyKeys(f.linux!.mountExtensions, ['idmap'], 'linux.mountExtensions');
  onlyKeys(f.linux!.mountExtensions!.idmap, ['enabled'], 'linux.mountExtensions.idmap');
  assert.is(f.ociVersionMin, '1.0.0');
  assert.is(f.ociVersionMax, '1.3.0');
  // the whole thing is plain JSON
  assert.equal(JSON.parse(JSON.stringify(f)), f);
});

test('lists are non-empty and recognized by the code that uses them', () => {
  for (const o of stringList(f.mountOptions, 'mountOptions')) {
    const parsed = parseMountOptions([o], (_i, msg) => {
      throw new Error(`${o} refused: ${msg}`);
    });
    assert.is(parsed.data, '', `${o} is a mount option, not filesystem data`);
  }
  for (const n of stringList(f.linux!.namespaces, 'namespaces')) {
    assert.ok(compileNamespaces([{ type: n as 'pid' }]).has.size === 1, n);
  }
  assert.equal(stringList(f.linux!.capabilities, 'capabilities'), [...CAPABILITY_NAMES]);
  const hooks = f.hooks ?? [];
  for (const h of hooks) {
    const problems = checkSupported({ ociVersion: '1.3.0', root: { path: 'r' }, hooks: { [h]: [{ path: '/bin/true' }] } });
    assert.equal(problems, [], h);
  }
  const sc = f.linux!.seccomp!;
  assert.is(sc.enabled, true);
  for (const k of ['actions', 'operators', 'archs', 'knownFlags', 'supportedFlags'] as const) stringList(sc[k], `seccomp.${k}`);
  assert.ok(sc.archs!.includes('SCMP_ARCH_X86_64'));
  assert.ok(sc.actions!.includes('SCMP_ACT_ERRNO'));
  for (const flag of sc.supportedFlags!) assert.ok(sc.knownFlags!.includes(flag), flag);
});

test('claims the code paths it has, whether or not this host can use them', () => {
  // features-linux.md: apparmor/selinux "enabled" is support in the runtime, not on the host
  assert.is(f.linux!.apparmor!.enabled, true);
  assert.is(f.linux!.selinux!.enabled, true);
  assert.is(f.linux!.mountExtensions!.idmap!.enabled, true);
  assert.is(f.linux!.netDevices!.enabled, true);
  // intelRdt as runc 1.3 reports it; create refuses it on a host without resctrl (this one)
  assert.equal(f.linux!.intelRdt, { enabled: true, schemata: true, monitoring: true });
  assert.ok(f.linux!.seccomp!.actions!.includes('SCMP_ACT_NOTIFY'));
  assert.ok(f.mountOptions!.includes('idmap'));
  assert.ok(f.mountOptions!.includes('ridmap'));
});

test('says no to what tsrunc does not do', () => {
  assert.equal(f.linux!.cgroup, { v1: true, v2: true, systemd: true, systemdUser: false, rdma: true });
  assert.not.ok(f.mountOptions!.includes('tmpcopyup'));
  assert.is(f.annotations!['tsrunc.version'], '0.1.0');
  assert.ok(f.annotations!['tsrunc.commit'], 'the build\'s commit');
  if (f.linux!.seccomp!.enabled) assert.match(f.annotations!['io.github.seccomp.libseccomp.version'], /^\d+\.\d+\.\d+$/);
  for (const k of Object.keys(f.annotations!)) assert.not.ok(k.startsWith('org.opencontainers.'), k);
});

test.run();
