// cgroupsPath rules and the per-hierarchy directories they lead to (no cgroup touched).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { cleanCgroupsPath, hybridV2Dir, v1Dir, v2Dir } from '../../src/cgroups/paths.js';
import { cgroupManager } from '../../src/cgroups/index.js';
import { UserError } from '../../src/errors.js';
import { assertUserError } from '../lib/user-error.js';

// This project's hosts: v1 controllers, cgroup2 with only hugetlb at /sys/fs/cgroup/unified.
const HYBRID_MOUNTINFO = `22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const HYBRID_SELF = `9:name=systemd:/
8:pids:/
7:blkio:/
6:freezer:/
5:devices:/
4:memory:/process_api/abc
3:cpuset:/
2:cpuacct:/
1:cpu:/
0::/
`;
const V2_MOUNTINFO = `30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n`;
const V2_SELF = '0::/user.slice/user-1000.slice/session-2.scope\n';

test('cleanCgroupsPath: empty means relative <id>', () => {
  assert.is(cleanCgroupsPath(undefined, 'c1'), 'c1');
  assert.is(cleanCgroupsPath('', 'c1'), 'c1');
});

test('cleanCgroupsPath: resolves . and .. inside the path, keeps absolute vs relative', () => {
  assert.is(cleanCgroupsPath('/a/./b/../c//', 'x'), '/a/c');
  assert.is(cleanCgroupsPath('a/b/../c', 'x'), 'a/c');
  assert.is(cleanCgroupsPath('/machine.slice/ctr-1', 'x'), '/machine.slice/ctr-1');
});

test('cleanCgroupsPath: a path climbing out of its root is refused', () => {
  assertUserError(() => cleanCgroupsPath('/../etc', 'x'), /^config\.json: \/linux\/cgroupsPath: "\/\.\.\/etc" escapes the cgroup root$/);
  assertUserError(() => cleanCgroupsPath('a/../../b', 'x'), /escapes the cgroup root/);
  assertUserError(() => cleanCgroupsPath('/', 'x'), /names the cgroup root itself/);
  assertUserError(() => cleanCgroupsPath('a/..', 'x'), /names the cgroup root itself/);
});

test('v1Dir: absolute paths ignore our own cgroup, relative ones nest below it', () => {
  const memory = { mountpoint: '/sys/fs/cgroup/memory', root: '/', controllers: ['memory'] };
  const own = new Map([['memory', '/process_api/abc']]);
  assert.is(v1Dir(memory, '/ctr', own), '/sys/fs/cgroup/memory/ctr');
  assert.is(v1Dir(memory, 'ctr', own), '/sys/fs/cgroup/memory/process_api/abc/ctr');
  // co-mounted hierarchy found through any of its controllers
  const cpu = { mountpoint: '/sys/fs/cgroup/cpu,cpuacct', root: '/', controllers: ['cpu', 'cpuacct'] };
  assert.is(v1Dir(cpu, 'ctr', new Map([['cpuacct', '/a']])), '/sys/fs/cgroup/cpu,cpuacct/a/ctr');
  // in a cgroup namespace the mount shows /docker/x as its root
  const nested = { mountpoint: '/sys/fs/cgroup/pids', root: '/docker/x', controllers: ['pids'] };
  assert.is(v1Dir(nested, 'ctr', new Map([['pids', '/docker/x/sub']])), '/sys/fs/cgroup/pids/sub/ctr');
});

test('v2Dir: relative paths go below the parent of our own cgroup (runc)', () => {
  const v2 = { mountpoint: '/sys/fs/cgroup', root: '/' };
  const own = new Map([['', '/user.slice/session-2.scope']]);
  assert.is(v2Dir(v2, '/ctr', own), '/sys/fs/cgroup/ctr');
  assert.is(v2Dir(v2, 'ctr', own), '/sys/fs/cgroup/user.slice/ctr');
  assert.is(v2Dir(v2, 'ctr', new Map([['', '/']])), '/sys/fs/cgroup/ctr');
  assert.is(hybridV2Dir({ mountpoint: '/sys/fs/cgroup/unified', root: '/' }, 'ctr'), '/sys/fs/cgroup/unified/ctr');
});

test('cgroupManager on a hybrid host: every v1 hierarchy plus the v2 directory', () => {
  const m = cgroupManager({ id: 'c1', systemd: false, mountinfo: HYBRID_MOUNTINFO, procCgroup: HYBRID_SELF, warn: () => {} });
  assert.is(m.path, 'c1');
  assert.equal(m.dirs, {
    cpu: '/sys/fs/cgroup/cpu/c1',
    cpuacct: '/sys/fs/cgroup/cpuacct/c1',
    cpuset: '/sys/fs/cgroup/cpuset/c1',
    memory: '/sys/fs/cgroup/memory/process_api/abc/c1',
    devices: '/sys/fs/cgroup/devices/c1',
    freezer: '/sys/fs/cgroup/freezer/c1',
    blkio: '/sys/fs/cgroup/blkio/c1',
    pids: '/sys/fs/cgroup/pids/c1',
    'name=systemd': '/sys/fs/cgroup/systemd/c1',
    '': '/sys/fs/cgroup/unified/c1',
  });
  const abs = cgroupManager({ cgroupsPath: '/tsrunc/c1', id: 'c1', systemd: false, mountinfo: HYBRID_MOUNTINFO, procCgroup: HYBRID_SELF });
  assert.is(abs.dirs.memory, '/sys/fs/cgroup/memory/tsrunc/c1');
  assert.is(abs.dirs[''], '/sys/fs/cgroup/unified/tsrunc/c1');
});

test('cgroupManager: forced layouts', () => {
  const v1 = cgroupManager({ cgroupsPath: '/x', id: 'x', systemd: false, layout: 'v1', mountinfo: HYBRID_MOUNTINFO, procCgroup: HYBRID_SELF });
  assert.is(v1.dirs[''], undefined);
  const v2 = cgroupManager({ cgroupsPath: '/x', id: 'x', systemd: false, layout: 'v2', mountinfo: HYBRID_MOUNTINFO, procCgroup: HYBRID_SELF });
  assert.equal(v2.dirs, { '': '/sys/fs/cgroup/unified/x' });
  const rooted = cgroupManager({ cgroupsPath: '/x', id: 'x', systemd: false, layout: 'v2', v2Root: '/tmp/cg2', mountinfo: '', procCgroup: '' });
  assert.equal(rooted.dirs, { '': '/tmp/cg2/x' });
});

test('cgroupManager on a pure v2 host', () => {
  const m = cgroupManager({ id: 'c1', systemd: false, mountinfo: V2_MOUNTINFO, procCgroup: V2_SELF });
  assert.equal(m.dirs, { '': '/sys/fs/cgroup/user.slice/user-1000.slice/c1' });
});

test('cgroupManager: bad cgroupsPath is a UserError before anything is touched', () => {
  assertUserError(
    () => cgroupManager({ cgroupsPath: '../../etc', id: 'x', systemd: false, mountinfo: HYBRID_MOUNTINFO, procCgroup: HYBRID_SELF }),
    /^config\.json: \/linux\/cgroupsPath: "\.\.\/\.\.\/etc" escapes the cgroup root$/,
  );
});

test('cgroupManager: the systemd driver needs systemd', () => {
  if (existsSync('/run/systemd/system')) return; // a host with systemd gets "not implemented yet"
  assertUserError(
    () => cgroupManager({ cgroupsPath: 'system.slice:tsrunc:x', id: 'x', systemd: true, mountinfo: HYBRID_MOUNTINFO, procCgroup: HYBRID_SELF }),
    /^systemd cgroup driver: systemd is not running$/,
  );
});

test('cgroupManager with stored dirs: the directories create used, whatever our own cgroup is now', () => {
  const made = cgroupManager({ cgroupsPath: 'rel/c1', id: 'c1', systemd: false, mountinfo: HYBRID_MOUNTINFO, procCgroup: HYBRID_SELF });
  assert.is(made.dirs.memory, '/sys/fs/cgroup/memory/process_api/abc/rel/c1');
  // a later command running in another memory cgroup
  const elsewhere = HYBRID_SELF.replace('4:memory:/process_api/abc', '4:memory:/other');
  const fresh = cgroupManager({ cgroupsPath: 'rel/c1', id: 'c1', systemd: false, mountinfo: HYBRID_MOUNTINFO, procCgroup: elsewhere });
  assert.is(fresh.dirs.memory, '/sys/fs/cgroup/memory/other/rel/c1');
  const stored = cgroupManager({ cgroupsPath: 'rel/c1', id: 'c1', systemd: false, mountinfo: HYBRID_MOUNTINFO, procCgroup: elsewhere, dirs: made.dirs });
  assert.equal(stored.dirs, made.dirs);
  // a hierarchy create did not join (mounted later) stays out; no "" means no v2 companion
  const partial = { memory: made.dirs.memory, pids: made.dirs.pids };
  assert.equal(cgroupManager({ id: 'c1', systemd: false, mountinfo: HYBRID_MOUNTINFO, procCgroup: elsewhere, dirs: partial }).dirs, partial);
  const v2 = cgroupManager({ id: 'c1', systemd: false, mountinfo: V2_MOUNTINFO, procCgroup: V2_SELF, dirs: { '': '/sys/fs/cgroup/x/c1' } });
  assert.equal(v2.dirs, { '': '/sys/fs/cgroup/x/c1' });
});

test.run();
