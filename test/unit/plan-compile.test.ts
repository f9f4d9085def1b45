import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compilePlan, type CompileOptions } from '../../src/plan/compile.js';
import { compileCaps, hostLastCap } from '../../src/plan/capabilities.js';
import { UserError } from '../../src/errors.js';
import type { Spec } from '../../src/spec/config.js';

const MS_RDONLY = 0x1, MS_NOSUID = 0x2, MS_NODEV = 0x4, MS_NOEXEC = 0x8;
const MS_BIND = 0x1000, MS_REC = 0x4000, MS_PRIVATE = 0x40000, MS_SLAVE = 0x80000, MS_SHARED = 0x100000;
const MS_RELATIME = 0x200000, MS_STRICTATIME = 0x1000000;
const CLONE_NEWNS = 0x20000, CLONE_NEWCGROUP = 0x2000000, CLONE_NEWUTS = 0x4000000, CLONE_NEWIPC = 0x8000000;
const CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000, CLONE_NEWTIME = 0x80;

const OPTS: CompileOptions = { bundle: '/bundles/b1', stateDir: '/run/tsrunc/c1', noPivot: false, execFifo: 'exec.fifo' };

/** What `runc spec` writes (with hostname). */
function runcDefault(): Spec {
  const caps = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  return {
    ociVersion: '1.2.0',
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'runc',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }],
      maskedPaths: ['/proc/acpi', '/proc/kcore', '/sys/firmware'],
      readonlyPaths: ['/proc/bus', '/proc/sys'],
    },
  };
}

function throwsConfig(fn: () => unknown, message: string): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, UserError);
    assert.is((e as Error).message, message);
    return;
  }
  assert.unreachable(`expected UserError: ${message}`);
}

function withLinux(extra: Partial<NonNullable<Spec['linux']>>, base = runcDefault()): Spec {
  return { ...base, linux: { ...base.linux, ...extra } };
}

test('runc default config: namespaces, root, process', () => {
  const p = compilePlan(runcDefault(), OPTS);
  assert.equal(p.nsJoin, []);
  assert.is(p.userNsNew, false);
  assert.is(p.nsUnshare, CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWCGROUP);
  assert.equal(p.timeOffsets, []);
  assert.is(p.rootfs, '/bundles/b1/rootfs');
  assert.is(p.stateDir, '/run/tsrunc/c1');
  assert.is(p.execFifo, 'exec.fifo');
  assert.is(p.propagation, MS_SLAVE | MS_REC);
  assert.is(p.pivot, 'pivot_root');
  assert.is(p.rootReadonly, true);
  assert.is(p.hostname, 'runc');
  assert.is(p.domainname, undefined);
  assert.equal(p.sysctl, []);
  assert.equal(p.maskedPaths, ['/proc/acpi', '/proc/kcore', '/sys/firmware']);
  assert.equal(p.readonlyPaths, ['/proc/bus', '/proc/sys']);
  assert.equal(p.rlimits, [{ resource: 7, soft: 1024n, hard: 1024n }]);
  assert.is(p.oomScoreAdj, undefined);
  assert.is(p.noNewPrivileges, true);
  assert.equal(p.user, { uid: 0, gid: 0, umask: 0o022 });
  assert.equal(p.additionalGids, []);
  assert.is(p.cwd, '/');
  assert.equal(p.args, ['sh']);
  assert.is(p.env.length, 2);
  assert.is(p.seccomp, undefined);
  assert.is(p.setsid, true);
  assert.equal(p.uidMappings, []);
  assert.equal(p.gidMappings, []);
});

test('runc default config: mounts', () => {
  const m = compilePlan(runcDefault(), OPTS).mounts;
  const none = { propagation: 0, attrSet: 0, attrClr: 0 };
  assert.equal(m, [
    { source: 'proc', destination: '/proc', fstype: 'proc', flags: 0, data: '', ...none },
    { source: 'tmpfs', destination: '/dev', fstype: 'tmpfs', flags: MS_NOSUID | MS_STRICTATIME, data: 'mode=755,size=65536k', ...none },
    { source: 'devpts', destination: '/dev/pts', fstype: 'devpts', flags: MS_NOSUID | MS_NOEXEC, data: 'newinstance,ptmxmode=0666,mode=0620,gid=5', ...none },
    { source: 'shm', destination: '/dev/shm', fstype: 'tmpfs', flags: MS_NOSUID | MS_NOEXEC | MS_NODEV, data: 'mode=1777,size=65536k', ...none },
    { source: 'mqueue', destination: '/dev/mqueue', fstype: 'mqueue', flags: MS_NOSUID | MS_NOEXEC | MS_NODEV, data: '', ...none },
    { source: 'sysfs', destination: '/sys', fstype: 'sysfs', flags: MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, data: '', ...none },
    { source: 'cgroup', destination: '/sys/fs/cgroup', fstype: 'cgroup', flags: MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY, data: '', ...none },
  ]);
});

test('runc default config: caps', () => {
  const mask = (1n << 29n) | (1n << 5n) | (1n << 10n); // AUDIT_WRITE, KILL, NET_BIND_SERVICE
  assert.equal(compilePlan(runcDefault(), OPTS).caps, { bounding: mask, effective: mask, permitted: mask, inheritable: 0n, ambient: 0n });
});

test('runc default config: devices and /dev symlinks', () => {
  const p = compilePlan(runcDefault(), OPTS);
  const dev = (path: string, major: number, minor: number) => ({ path, type: 'c', major, minor, mode: 0o666, uid: 0, gid: 0, how: 'mknod' });
  assert.equal(p.devices, [
    dev('/dev/null', 1, 3), dev('/dev/random', 1, 8), dev('/dev/full', 1, 7),
    dev('/dev/tty', 5, 0), dev('/dev/zero', 1, 5), dev('/dev/urandom', 1, 9),
  ]);
  assert.equal(p.symlinks, [
    { target: 'pts/ptmx', linkpath: '/dev/ptmx' },
    { target: '/proc/self/fd', linkpath: '/dev/fd' },
    { target: '/proc/self/fd/0', linkpath: '/dev/stdin' },
    { target: '/proc/self/fd/1', linkpath: '/dev/stdout' },
    { target: '/proc/self/fd/2', linkpath: '/dev/stderr' },
    { target: '/proc/kcore', linkpath: '/dev/core' },
  ]);
  assert.is(compilePlan(runcDefault(), { ...OPTS, procKcore: false }).symlinks.length, 5);
});

test('config devices override defaults; ptmx is a symlink, never a node', () => {
  const p = compilePlan(withLinux({
    devices: [
      { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o20600, uid: 5, gid: 6 },
      { path: '/dev/fuse', type: 'c', major: 10, minor: 229 },
      { path: '/dev/ptmx', type: 'c', major: 5, minor: 2 },
      { path: '/dev/fifo', type: 'p' },
      { path: '/dev/ttyU', type: 'u', major: 4, minor: 1 },
    ],
  }), OPTS);
  assert.equal(p.devices.map((d) => d.path), [
    '/dev/random', '/dev/full', '/dev/tty', '/dev/zero', '/dev/urandom', '/dev/null', '/dev/fuse', '/dev/fifo', '/dev/ttyU',
  ]);
  assert.equal(p.devices[5], { path: '/dev/null', type: 'c', major: 1, minor: 3, mode: 0o600, uid: 5, gid: 6, how: 'mknod' });
  assert.equal(p.devices[6], { path: '/dev/fuse', type: 'c', major: 10, minor: 229, mode: 0o666, uid: 0, gid: 0, how: 'mknod' });
  assert.equal(p.devices[7], { path: '/dev/fifo', type: 'p', major: 0, minor: 0, mode: 0o666, uid: 0, gid: 0, how: 'mknod' });
  assert.is(p.devices[8].type, 'c');
});

test('host /dev bound onto /dev: no devices, no symlinks', () => {
  const s = runcDefault();
  s.mounts = [...s.mounts!, { destination: '/dev/', source: '/dev', options: ['rbind'] }];
  const p = compilePlan(s, OPTS);
  assert.equal(p.devices, []);
  assert.equal(p.symlinks, []);
});

test('user namespace: devices are bind-mounted, mappings kept for the parent', () => {
  const maps = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const base = runcDefault();
  const p = compilePlan(withLinux({
    namespaces: [...base.linux!.namespaces!, { type: 'user' }],
    uidMappings: maps,
    gidMappings: [{ containerID: 0, hostID: 200000, size: 1000 }],
  }, base), OPTS);
  assert.is(p.userNsNew, true);
  assert.is(p.nsUnshare & 0x10000000, 0); // never CLONE_NEWUSER
  assert.ok(p.devices.length > 0);
  assert.ok(p.devices.every((d) => d.how === 'bind'));
  assert.equal(p.uidMappings, maps);
  assert.equal(p.gidMappings, [{ containerID: 0, hostID: 200000, size: 1000 }]);
});

test('joined user namespace with its mappings: accepted with a warning', () => {
  const warnings: string[] = [];
  const maps = [{ containerID: 0, hostID: 1000, size: 1 }];
  const p = compilePlan(withLinux({
    namespaces: [{ type: 'mount' }, { type: 'uts' }, { type: 'user', path: '/proc/42/ns/user' }],
    uidMappings: maps,
    gidMappings: maps,
  }), { ...OPTS, warn: (m) => warnings.push(m) });
  assert.is(p.userNsNew, false);
  assert.equal(p.nsJoin, [{ type: 'user', path: '/proc/42/ns/user' }]);
  assert.ok(p.devices.every((d) => d.how === 'bind'));
  assert.is(warnings.length, 1);
});

test('namespace paths are joined user first, mnt last; new ones are unshared', () => {
  const p = compilePlan(withLinux({
    namespaces: [
      { type: 'mount', path: '/proc/1/ns/mnt' },
      { type: 'network', path: '/var/run/netns/x' },
      { type: 'time', path: '/proc/1/ns/time' },
      { type: 'pid' },
      { type: 'cgroup', path: '/proc/1/ns/cgroup' },
      { type: 'ipc', path: '/proc/1/ns/ipc' },
      { type: 'uts' },
      { type: 'user', path: '/proc/1/ns/user' },
    ],
  }), OPTS);
  assert.equal(p.nsJoin.map((j) => j.type), ['user', 'ipc', 'net', 'cgroup', 'time', 'mnt']);
  assert.equal(p.nsJoin[2], { type: 'net', path: '/var/run/netns/x' });
  assert.is(p.nsUnshare, CLONE_NEWPID | CLONE_NEWUTS);
  assert.is(p.userNsNew, false);
});

test('time namespace offsets', () => {
  const base = runcDefault();
  const p = compilePlan(withLinux({
    namespaces: [...base.linux!.namespaces!, { type: 'time' }],
    timeOffsets: { monotonic: { secs: 3600, nanosecs: 5 }, boottime: { secs: -7 } },
  }, base), OPTS);
  assert.ok(p.nsUnshare & CLONE_NEWTIME);
  assert.equal(p.timeOffsets, [
    { clock: 'monotonic', secs: 3600n, nsecs: 5 },
    { clock: 'boottime', secs: -7n, nsecs: 0 },
  ]);
});

test('bind mounts: flags, recursion, bundle-relative sources, propagation', () => {
  const s = runcDefault();
  s.mounts = [
    { destination: '/data', type: 'none', source: 'data', options: ['bind', 'ro'] },
    { destination: '/host', type: 'bind', source: '/srv/host', options: ['rbind', 'rprivate', 'nosuid'] },
    { destination: '/plain', type: 'bind', source: '/srv/plain' },
    { destination: '/shared', source: '/srv/s', options: ['rbind', 'rshared'] },
    { destination: '/slave', source: '/srv/s', options: ['bind', 'slave', 'rw'] },
  ];
  const m = compilePlan(s, OPTS).mounts;
  assert.equal(m[0], {
    source: '/bundles/b1/data', destination: '/data', fstype: 'bind', flags: MS_BIND | MS_RDONLY,
    propagation: 0, data: '', attrSet: 0, attrClr: 0,
  });
  assert.is(m[1].flags, MS_BIND | MS_REC | MS_NOSUID);
  assert.is(m[1].propagation, MS_PRIVATE | MS_REC);
  assert.is(m[1].source, '/srv/host');
  assert.is(m[2].flags, MS_BIND);
  assert.is(m[2].fstype, 'bind');
  assert.is(m[3].propagation, MS_SHARED | MS_REC);
  assert.is(m[4].propagation, MS_SLAVE);
  assert.is(m[4].flags, MS_BIND);
});

test('a read-only tmpfs or /dev is mounted writable and made read-only last (as runc)', () => {
  const s = runcDefault();
  s.mounts = [
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'ro'] },
    { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['ro'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['ro'] },
  ];
  const m = compilePlan(s, OPTS).mounts;
  assert.equal(m.map((x) => [x.flags, x.readonlyLast]), [[MS_NOSUID, true], [0, true], [MS_RDONLY, undefined]]);
});

test('recursive mount attributes', () => {
  const s = runcDefault();
  s.mounts = [
    { destination: '/a', source: '/srv/a', options: ['rbind', 'rro', 'rnosuid', 'rnoatime'] },
    { destination: '/b', source: '/srv/b', options: ['rbind', 'rrw', 'rexec'] },
  ];
  const m = compilePlan(s, OPTS).mounts;
  assert.is(m[0].attrSet, 0x1 | 0x2 | 0x10);
  assert.is(m[0].attrClr, 0x70);
  assert.is(m[1].attrSet, 0);
  assert.is(m[1].attrClr, 0x1 | 0x8);
});

test('mount destinations are cleaned; relative ones are relative to / with a warning', () => {
  const warnings: string[] = [];
  const s = runcDefault();
  s.mounts = [
    { destination: 'tmp', type: 'tmpfs', source: 'tmpfs' },
    { destination: '/run//x/../y/', type: 'tmpfs', source: 'tmpfs', options: ['defaults'] },
  ];
  const m = compilePlan(s, { ...OPTS, warn: (w) => warnings.push(w) }).mounts;
  assert.is(m[0].destination, '/tmp');
  assert.is(m[1].destination, '/run/y');
  assert.is(m[1].data, '');
  assert.is(warnings.length, 1);
});

test('rootfsPropagation and noPivot', () => {
  assert.is(compilePlan(withLinux({ rootfsPropagation: 'shared' }), OPTS).propagation, MS_SHARED);
  assert.is(compilePlan(withLinux({ rootfsPropagation: 'rprivate' }), OPTS).propagation, MS_PRIVATE | MS_REC);
  const p = compilePlan(withLinux({ rootfsPropagation: 'rslave' }), { ...OPTS, noPivot: true });
  assert.is(p.pivot, 'chroot');
  throwsConfig(() => compilePlan(withLinux({ rootfsPropagation: 'private' }), { ...OPTS, noPivot: true }),
    'config.json: /linux/rootfsPropagation: "private" is not safe without pivot_root');
});

test('process details: user, umask, groups, oom, absolute rootfs, sysctl', () => {
  const s = runcDefault();
  s.root = { path: '/abs/rootfs' };
  s.process = { ...s.process!, user: { uid: 1000, gid: 1001, umask: 0o077, additionalGids: [5, 6] }, oomScoreAdj: -500 };
  s.domainname = 'example.org';
  s.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '100', 'fs.mqueue.msg_max': '20' };
  const p = compilePlan(s, OPTS);
  assert.is(p.rootfs, '/abs/rootfs');
  assert.is(p.rootReadonly, false);
  assert.equal(p.user, { uid: 1000, gid: 1001, umask: 0o077 });
  assert.equal(p.additionalGids, [5, 6]);
  assert.is(p.oomScoreAdj, -500);
  assert.is(p.domainname, 'example.org');
  assert.equal(p.sysctl, [
    { key: 'net.ipv4.ip_forward', value: '1' },
    { key: 'kernel.shmmax', value: '100' },
    { key: 'fs.mqueue.msg_max', value: '20' },
  ]);
});

test('rlimits: names to numbers, u64 values', () => {
  const s = runcDefault();
  s.process!.rlimits = [
    { type: 'RLIMIT_CORE', soft: 0, hard: 18446744073709551615 },
    { type: 'RLIMIT_NPROC', soft: 100, hard: 200 },
  ];
  assert.equal(compilePlan(s, OPTS).rlimits, [
    { resource: 4, soft: 0n, hard: 18446744073709551615n },
    { resource: 6, soft: 100n, hard: 200n },
  ]);
});

test('capabilities: unknown names are ignored with a warning, absent means all five sets empty (as runc)', () => {
  const warnings: string[] = [];
  const s = runcDefault();
  s.process!.capabilities = {
    bounding: ['CAP_FOO', 'CAP_CHOWN'],
    permitted: ['CAP_CHECKPOINT_RESTORE'],
    inheritable: ['CAP_CHECKPOINT_RESTORE'],
    ambient: ['CAP_CHECKPOINT_RESTORE', 'CAP_KILL'],
  };
  const c = compilePlan(s, { ...OPTS, warn: (w) => warnings.push(w) }).caps;
  assert.is(c.bounding, 1n);
  assert.is(c.ambient, 1n << 40n);
  assert.is(c.effective, 0n);
  assert.equal(warnings, [
    'ignoring unknown or unavailable capabilities: CAP_FOO',
    'ignoring ambient capabilities that are not both permitted and inheritable',
  ]);
  delete s.process!.capabilities;
  assert.equal(compilePlan(s, OPTS).caps, { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n });
});

test('capabilities the running kernel lacks (above cap_last_cap) are skipped with the same warning (as runc)', () => {
  const warnings: string[] = [];
  // an older kernel whose last capability is CAP_PERFMON (38)
  const c = compileCaps({ bounding: ['CAP_KILL', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE'], effective: ['CAP_KILL'] }, (w) => warnings.push(w), 38);
  assert.is(c.bounding, 1n << 5n);
  assert.equal(warnings, ['ignoring unknown or unavailable capabilities: CAP_BPF, CAP_CHECKPOINT_RESTORE']);
  assert.ok(hostLastCap() >= 36, 'read from /proc/sys/kernel/cap_last_cap');
});

test('errors: namespaces and user/time mappings', () => {
  const base = runcDefault();
  const ns = base.linux!.namespaces!;
  throwsConfig(() => compilePlan(withLinux({ namespaces: [...ns, { type: 'pid' }] }), OPTS),
    'config.json: /linux/namespaces: duplicate namespace "pid"');
  throwsConfig(() => compilePlan(withLinux({ namespaces: [...ns, { type: 'user' }] }), OPTS),
    'config.json: /linux/uidMappings: required with a new user namespace');
  throwsConfig(() => compilePlan(withLinux({ uidMappings: [{ containerID: 0, hostID: 1, size: 1 }] }), OPTS),
    'config.json: /linux/uidMappings: user namespace mappings given, but no user namespace');
  throwsConfig(() => compilePlan(withLinux({ timeOffsets: { monotonic: { secs: 1 } } }), OPTS),
    'config.json: /linux/timeOffsets: time offsets given, but no time namespace');
  throwsConfig(() => compilePlan(withLinux({ namespaces: [...ns, { type: 'time', path: '/proc/1/ns/time' }], timeOffsets: {} }), OPTS),
    'config.json: /linux/timeOffsets: time offsets cannot be applied to a time namespace that is joined by path');
  throwsConfig(() => compilePlan(withLinux({ namespaces: [...ns, { type: 'time' }], timeOffsets: { realtime: { secs: 1 } } }), OPTS),
    'config.json: /linux/timeOffsets/realtime: unknown clock "realtime"');
  throwsConfig(() => compilePlan(withLinux({ namespaces: [{ type: 'pid' }] }), OPTS),
    'config.json: /root/readonly: needs a mount namespace');
  throwsConfig(() => compilePlan(withLinux({ namespaces: [{ type: 'mount' }] }), OPTS),
    'config.json: /hostname: cannot set a hostname without a uts namespace');
});

test('no mount namespace: the host\'s mount table, chroot alone, nothing that changes host mounts', () => {
  const hostNs = (extra: Partial<NonNullable<Spec['linux']>> = {}): Spec => {
    const s = withLinux({ namespaces: [{ type: 'pid' }, { type: 'uts' }], maskedPaths: [], readonlyPaths: [], ...extra });
    s.root = { path: 'rootfs' };
    return s;
  };
  const p = compilePlan(hostNs(), { ...OPTS, noPivot: true });
  assert.is(p.pivot, 'chroot_only');
  assert.is(p.propagation, 0);
  assert.is(p.nsUnshare, CLONE_NEWPID | CLONE_NEWUTS);
  assert.is(p.mounts.length, 7);
  throwsConfig(() => compilePlan(hostNs({ rootfsPropagation: 'shared' }), OPTS),
    'config.json: /linux/rootfsPropagation: needs a mount namespace');
  throwsConfig(() => compilePlan(hostNs({ maskedPaths: ['/proc/kcore'] }), OPTS),
    'config.json: /linux/maskedPaths: needs a mount namespace');
  throwsConfig(() => compilePlan(hostNs({ readonlyPaths: ['/proc/sys'] }), OPTS),
    'config.json: /linux/readonlyPaths: needs a mount namespace');
  throwsConfig(() => compilePlan({ ...hostNs(), root: { path: 'rootfs', readonly: true } }, OPTS),
    'config.json: /root/readonly: needs a mount namespace');
});

test('errors: mounts', () => {
  const withMount = (m: NonNullable<Spec['mounts']>[number]) => ({ ...runcDefault(), mounts: [m] });
  throwsConfig(() => compilePlan(withMount({ destination: '/x', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'tmpcopyup'] }), OPTS),
    'config.json: /mounts/0/options/1: tmpcopyup is not supported: "tmpcopyup"');
  throwsConfig(() => compilePlan(withMount({ destination: '/x', source: '/y', options: ['rbind', 'ridmap'] }), OPTS),
    'config.json: /mounts/0/options: "ridmap" needs uidMappings and gidMappings, or a new user namespace with mappings');
  throwsConfig(() => compilePlan(withMount({ destination: '/x', source: 'y' }), OPTS),
    'config.json: /mounts/0/type: required for a mount that is not a bind mount');
  throwsConfig(() => compilePlan(withMount({ destination: '/', type: 'tmpfs', source: 'tmpfs' }), OPTS),
    'config.json: /mounts/0/destination: cannot mount over the container\'s root');
  throwsConfig(() => compilePlan(withMount({ destination: '/x', source: '/y', options: ['bind'], uidMappings: [] }), OPTS),
    'config.json: /mounts/0/uidMappings: must be given, and not empty, with gidMappings');
});

test('errors: rlimits, sysctl, process', () => {
  const s = runcDefault();
  s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }, { type: 'RLIMIT_NOFILE', soft: 2, hard: 2 }];
  throwsConfig(() => compilePlan(s, OPTS), 'config.json: /process/rlimits/1: duplicate rlimit RLIMIT_NOFILE');
  s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 2, hard: 1 }];
  throwsConfig(() => compilePlan(s, OPTS), 'config.json: /process/rlimits/0: soft limit 2 of RLIMIT_NOFILE is above hard limit 1');

  throwsConfig(() => compilePlan(withLinux({ sysctl: { 'vm.swappiness': '1' } }), OPTS),
    'config.json: /linux/sysctl/vm.swappiness: sysctl "vm.swappiness" is not in a separate kernel namespace');
  throwsConfig(() => compilePlan(withLinux({ namespaces: [{ type: 'mount' }, { type: 'uts' }], sysctl: { 'net/ipv4/ip_forward': '1' } }), OPTS),
    'config.json: /linux/sysctl/net~1ipv4~1ip_forward: sysctl "net.ipv4.ip_forward" is not allowed in the host\'s network namespace');

  const t = runcDefault();
  t.process = { ...t.process!, cwd: 'relative' };
  throwsConfig(() => compilePlan(t, OPTS), 'config.json: /process/cwd: must be an absolute path: "relative"');
  delete t.process;
  throwsConfig(() => compilePlan(t, OPTS), 'config.json: /process: required to create a container');
});

test.run();
