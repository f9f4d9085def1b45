import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expandCgroupMounts, type HostCgroups } from '../../src/plan/cgroup-mounts.js';
import { compilePlan } from '../../src/plan/compile.js';
import type { LinuxNamespace, Spec } from '../../src/spec/config.js';

const MS_RDONLY = 0x1, NOSUID_NODEV_NOEXEC = 0x2 | 0x4 | 0x8, MS_RELATIME = 0x200000, MS_BIND = 0x1000, MS_REC = 0x4000;

function plan(namespaces: LinuxNamespace[]) {
  const spec: Spec = {
    ociVersion: '1.3.0',
    root: { path: 'rootfs' },
    process: { args: ['sh'], cwd: '/', user: { uid: 0, gid: 0 } },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs' },
    ],
    linux: { namespaces },
  };
  return compilePlan(spec, { bundle: '/b', noPivot: false });
}

const V1: HostCgroups = {
  version: 1,
  hierarchies: [
    { mountpoint: '/sys/fs/cgroup/systemd', containerDir: '/sys/fs/cgroup/systemd/c1' },
    { mountpoint: '/sys/fs/cgroup/cpu,cpuacct', containerDir: '/sys/fs/cgroup/cpu,cpuacct/c1' },
    { mountpoint: '/sys/fs/cgroup/memory', containerDir: '/sys/fs/cgroup/memory/c1' },
  ],
};
const RO = NOSUID_NODEV_NOEXEC | MS_RELATIME | MS_RDONLY;

test('v1 without cgroupns: tmpfs, binds of the container cgroups, links for merged controllers', () => {
  const p = expandCgroupMounts(plan([{ type: 'mount' }]), V1, { cgroupns: false, userns: false });
  assert.equal(p.mounts.map((m) => [m.destination, m.fstype, m.source, m.flags, m.data]), [
    ['/proc', 'proc', 'proc', 0, ''],
    ['/sys/fs/cgroup', 'tmpfs', 'tmpfs', NOSUID_NODEV_NOEXEC, 'mode=755'],
    ['/sys/fs/cgroup/systemd', 'bind', '/sys/fs/cgroup/systemd/c1', MS_BIND | MS_REC | RO, ''],
    ['/sys/fs/cgroup/cpu,cpuacct', 'bind', '/sys/fs/cgroup/cpu,cpuacct/c1', MS_BIND | MS_REC | RO, ''],
    ['/sys/fs/cgroup/memory', 'bind', '/sys/fs/cgroup/memory/c1', MS_BIND | MS_REC | RO, ''],
    ['/tmp', 'tmpfs', 'tmpfs', 0, ''],
  ]);
  assert.equal(p.symlinks.slice(0, 2), [
    { target: 'cpu,cpuacct', linkpath: '/sys/fs/cgroup/cpu' },
    { target: 'cpu,cpuacct', linkpath: '/sys/fs/cgroup/cpuacct' },
  ]);
  assert.is(p.symlinks[2].linkpath, '/dev/ptmx');
});

test('v1 with cgroupns: fresh cgroup mounts per hierarchy', () => {
  const p = expandCgroupMounts(plan([{ type: 'mount' }, { type: 'cgroup' }]), V1, { cgroupns: true, userns: false });
  assert.equal(p.mounts.slice(2, 5).map((m) => [m.destination, m.fstype, m.source, m.flags, m.data]), [
    ['/sys/fs/cgroup/systemd', 'cgroup', 'systemd', NOSUID_NODEV_NOEXEC | MS_RDONLY, 'name=systemd'],
    ['/sys/fs/cgroup/cpu,cpuacct', 'cgroup', 'cgroup', NOSUID_NODEV_NOEXEC | MS_RDONLY, 'cpu,cpuacct'],
    ['/sys/fs/cgroup/memory', 'cgroup', 'cgroup', NOSUID_NODEV_NOEXEC | MS_RDONLY, 'memory'],
  ]);
});

test('v2: cgroup2, or a bind of the host tree in a user namespace without cgroupns', () => {
  const host: HostCgroups = { version: 2, mountpoint: '/sys/fs/cgroup', containerDir: '/sys/fs/cgroup/c1' };
  const p = expandCgroupMounts(plan([{ type: 'mount' }, { type: 'cgroup' }]), host, { cgroupns: true, userns: false });
  assert.equal([p.mounts[1].fstype, p.mounts[1].source, p.mounts[1].flags], ['cgroup2', 'cgroup', RO]);
  assert.is(p.mounts.length, 3);
  const q = expandCgroupMounts(plan([{ type: 'mount' }]), host, { cgroupns: false, userns: true });
  assert.equal([q.mounts[1].fstype, q.mounts[1].source, q.mounts[1].flags], ['bind', '/sys/fs/cgroup', MS_BIND | RO]);
});

test("v2 below an rbind of the host's /sys (rootless configs): a bind of the container's cgroup, or of the host tree without cgroupns", () => {
  const host: HostCgroups = { version: 2, mountpoint: '/sys/fs/cgroup', containerDir: '/sys/fs/cgroup/deleg/ctr' };
  const base = plan([{ type: 'mount' }, { type: 'cgroup' }]);
  const sys = { ...base.mounts[0], source: '/sys', destination: '/sys', fstype: 'bind', flags: MS_BIND | MS_REC, data: '' };
  const withSys = { ...base, mounts: [base.mounts[0], sys, ...base.mounts.slice(1)] };
  const p = expandCgroupMounts(withSys, host, { cgroupns: true, userns: true });
  assert.equal([p.mounts[2].fstype, p.mounts[2].source, p.mounts[2].flags], ['bind', '/sys/fs/cgroup/deleg/ctr', MS_BIND | RO]);
  const q = expandCgroupMounts(withSys, host, { cgroupns: false, userns: false });
  assert.equal([q.mounts[2].fstype, q.mounts[2].source], ['bind', '/sys/fs/cgroup']);
  const plainSys = { ...withSys, mounts: withSys.mounts.map((m, i) => (i === 1 ? { ...m, flags: MS_BIND } : m)) };
  assert.is(expandCgroupMounts(plainSys, host, { cgroupns: true, userns: true }).mounts[2].fstype, 'cgroup2', 'a non-recursive bind does not bring the host mount');
});

test.run();
