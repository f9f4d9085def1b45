// Layout detection and /proc/self/cgroup parsing from sample text.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { layoutOf, parseMountinfo, parseProcCgroup } from '../../src/cgroups/mountinfo.js';

const V1 = `25 20 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
26 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct
30 25 0:27 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
31 25 0:28 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,net_cls,net_prio
`;
const HYBRID = V1 + '27 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:11 - cgroup2 cgroup2 rw,nsdelegate\n';
const V2 = '30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n';

test('layoutOf: v1, hybrid and v2 from what is mounted', () => {
  assert.is(layoutOf(parseMountinfo(V1)), 'v1');
  assert.is(layoutOf(parseMountinfo(HYBRID)), 'hybrid');
  assert.is(layoutOf(parseMountinfo(V2)), 'v2');
  assert.throws(() => layoutOf(parseMountinfo('22 1 8:1 / / rw - ext4 /dev/sda1 rw\n')), /no cgroup filesystem/);
});

test('parseMountinfo: co-mounted controllers form one hierarchy; mount options are not controllers', () => {
  const m = parseMountinfo(HYBRID);
  assert.equal(
    m.v1.map((h) => [h.mountpoint, h.controllers]),
    [
      ['/sys/fs/cgroup/systemd', ['name=systemd']],
      ['/sys/fs/cgroup/cpu,cpuacct', ['cpu', 'cpuacct']],
      ['/sys/fs/cgroup/memory', ['memory']],
      ['/sys/fs/cgroup/net_cls,net_prio', ['net_cls', 'net_prio']],
    ],
  );
  assert.equal(m.v2, { mountpoint: '/sys/fs/cgroup/unified', root: '/' });
});

test('parseMountinfo: a hierarchy mounted twice counts once; escapes and roots are decoded', () => {
  const text = `40 25 0:27 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
41 25 0:27 /docker/abc /mnt/my\\040cg rw - cgroup cgroup rw,memory
42 25 0:30 / /mnt/my\\040cg2 rw - cgroup2 none rw
`;
  const m = parseMountinfo(text);
  assert.equal(m.v1, [{ mountpoint: '/sys/fs/cgroup/memory', root: '/docker/abc', controllers: ['memory'] }]);
  assert.equal(m.v2, { mountpoint: '/mnt/my cg2', root: '/' });
});

test('parseMountinfo: optional fields before the separator are skipped', () => {
  const m = parseMountinfo('31 25 0:28 / /sys/fs/cgroup/pids rw,nosuid shared:15 master:3 - cgroup cgroup rw,pids\n');
  assert.equal(m.v1[0].controllers, ['pids']);
});

test('parseProcCgroup: every controller of a line maps to its path; v2 is ""', () => {
  const own = parseProcCgroup('4:memory:/process_api/abc\n1:cpu,cpuacct:/\n9:name=systemd:/init.scope\n0::/\n');
  assert.is(own.get('memory'), '/process_api/abc');
  assert.is(own.get('cpu'), '/');
  assert.is(own.get('cpuacct'), '/');
  assert.is(own.get('name=systemd'), '/init.scope');
  assert.is(own.get(''), '/');
});

test.run();
