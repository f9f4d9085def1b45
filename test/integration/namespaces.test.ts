// Namespaces as seen from inside the container.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOTFS, Session, mountsUnder, uniqueId } from '../lib/harness.js';
import type { Spec } from '../../src/spec/config.js';

const s = new Session();
const netns: string[] = [];
test.after(() => {
  s.cleanup();
  for (const n of netns) execFileSync('ip', ['netns', 'delete', n], { stdio: 'ignore' });
});

function inside(script: string, mutate: Parameters<Session['runOnce']>[0] = () => {}): string {
  const r = s.runOnce(mutate, ['sh', '-c', script]);
  if (r.code !== 0) throw new Error(`container exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

test('the process is pid 1 in a new pid namespace', () => {
  // Only the shell (1) and ls (2, unless the shell execs it as its last command) are
  // visible. (A pipeline here raced: ls may read /proc before grep is forked.)
  const [self, ...entries] = inside('echo $$; ls /proc').trim().split(/\s+/);
  assert.is(self, '1');
  const pids = entries.filter((e) => /^\d+$/.test(e)).map(Number);
  assert.ok(pids.includes(1) && pids.every((p) => p <= 2), `pids seen: ${pids.join(' ')}`);
});

test('a new network namespace holds only lo', () => {
  assert.is(inside('ls /sys/class/net'), 'lo\n');
});

test('in a network namespace the runtime creates, lo is up with 127.0.0.1/8 (as runc), also under a user namespace', () => {
  const withUserns = (c: Spec) => {
    c.linux!.namespaces!.push({ type: 'user' });
    c.linux!.uidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
    c.linux!.gidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
  };
  for (const mutate of [() => {}, withUserns]) {
    const out = inside('cat /sys/class/net/lo/operstate /sys/class/net/lo/flags; ip -4 addr show dev lo', mutate);
    const [, flags] = out.split('\n');
    assert.ok((Number(flags) & 1) === 1, `IFF_UP in ${flags}`);
    assert.match(out, 'inet 127.0.0.1/8');
  }
});

test('new mount, uts, ipc namespaces differ from the host', () => {
  const out = inside('for n in mnt uts ipc net pid; do readlink /proc/self/ns/$n; done');
  const host = ['mnt', 'uts', 'ipc', 'net', 'pid'].map((n) => readlinkSync(`/proc/self/ns/${n}`));
  const inner = out.trim().split('\n');
  assert.is(inner.length, 5);
  for (let i = 0; i < 5; i++) assert.is.not(inner[i], host[i]);
});

test('without a pid namespace entry the host pid namespace is shared', () => {
  const out = inside('readlink /proc/self/ns/pid', (c) => {
    c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== 'pid');
  });
  assert.is(out.trim(), readlinkSync('/proc/self/ns/pid'));
});

test('a user namespace maps container root to the configured host range', () => {
  const out = inside('cat /proc/self/uid_map /proc/self/gid_map; id -u', (c) => {
    c.linux!.namespaces!.push({ type: 'user' });
    c.linux!.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    c.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    // sysfs cannot be mounted in a user namespace that does not own the network namespace's... keep it simple:
    c.mounts = c.mounts!.filter((m) => m.destination !== '/sys' && m.destination !== '/sys/fs/cgroup');
  });
  const lines = out.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
  assert.equal(lines, ['0 200000 65536', '0 200000 65536', '0']);
});

test('with a user namespace, bind sources only the host\'s root can reach are mounted (opened before entering it, as runc)', () => {
  const outer = join(s.tmp, 'inaccessible');
  for (const n of ['1', '2']) {
    mkdirSync(join(outer, n, 'dir'), { recursive: true });
    writeFileSync(join(outer, n, 'dir', 'foo.txt'), `file ${n}\n`);
    writeFileSync(join(outer, n, 'file.txt'), `single ${n}\n`);
    chmodSync(join(outer, n), 0o700);
  }
  const out = inside('cat /tmp/mount-1/foo.txt /tmp/mount-2/foo.txt /tmp/single; touch /tmp/mount-2/x 2>/dev/null || echo ro-ok', (c) => {
    c.linux!.namespaces!.push({ type: 'user' });
    c.linux!.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    c.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    c.mounts = c.mounts!.filter((m) => m.destination !== '/sys' && m.destination !== '/sys/fs/cgroup');
    c.mounts!.push(
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs' },
      { destination: '/tmp/mount-1', type: 'bind', source: join(outer, '1', 'dir'), options: ['bind'] },
      { destination: '/tmp/mount-2', type: 'bind', source: join(outer, '2', 'dir'), options: ['rbind', 'ro'] },
      { destination: '/tmp/single', type: 'bind', source: join(outer, '1', 'file.txt'), options: ['bind'] },
    );
  });
  assert.is(out, 'file 1\nfile 2\nsingle 1\nro-ok\n');
});

test('a time namespace applies boottime and monotonic offsets', () => {
  const out = inside('cut -d" " -f1 /proc/uptime', (c) => {
    c.linux!.namespaces!.push({ type: 'time' });
    c.linux!.timeOffsets = { boottime: { secs: 1000000, nanosecs: 0 }, monotonic: { secs: 500000, nanosecs: 0 } };
  });
  const hostUptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const inner = Number(out.trim());
  assert.ok(inner - hostUptime > 999000 && inner - hostUptime < 1001000, `uptime inside ${inner}, host ${hostUptime}`);
});

test('a cgroup namespace makes the container cgroup the root', () => {
  const out = inside('cat /proc/self/cgroup', (c) => {
    if (!c.linux!.namespaces!.some((n) => n.type === 'cgroup')) c.linux!.namespaces!.push({ type: 'cgroup' });
  });
  const lines = out.trim().split('\n');
  assert.ok(lines.length > 0);
  for (const l of lines) assert.ok(l.endsWith(':/'), `cgroup line ${l}`);
});

test('joining a network namespace by path', () => {
  const name = uniqueId('ns');
  execFileSync('ip', ['netns', 'add', name]);
  netns.push(name);
  execFileSync('ip', ['-n', name, 'link', 'add', 'dummy7', 'type', 'veth', 'peer', 'name', 'dummy8']);
  const out = inside('ls /sys/class/net | sort', (c) => {
    c.linux!.namespaces = c.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: `/run/netns/${name}` } : n));
  });
  assert.is(out, 'dummy7\ndummy8\nlo\n');
});

test('joining network namespaces by path while creating a user namespace (paths opened before unshare)', () => {
  const name = uniqueId('ns');
  execFileSync('ip', ['netns', 'add', name]);
  netns.push(name);
  // The host's own (this test's) and a named one: both are owned by the host's
  // user namespace, so they can only be opened and joined before the new one exists.
  for (const path of [`/proc/${process.pid}/ns/net`, `/run/netns/${name}`]) {
    const out = inside('readlink /proc/self/ns/net; cat /proc/self/uid_map', (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path } : n));
      c.linux!.namespaces!.push({ type: 'user' });
      c.linux!.uidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
      c.linux!.gidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
      c.mounts = c.mounts!.filter((m) => m.destination !== '/sys' && m.destination !== '/sys/fs/cgroup');
    });
    const [ns, map] = out.trim().split('\n');
    assert.is(ns, `net:[${statSync(path).ino}]`, path);
    assert.is(map.trim().split(/\s+/).join(' '), '0 0 65536');
  }
});

test('without a mount namespace: host mount table, chroot into the rootfs, mounts gone after delete', () => {
  // a private rootfs: these mounts are made in the host's table, where other tests' containers would see them
  const rootfs = join(s.tmp, 'rootfs-hostns');
  cpSync(ROOTFS, rootfs, { recursive: true, verbatimSymlinks: true });
  const bundle = s.bundle((c) => {
    c.root = { path: rootfs };
    c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== 'mount');
    c.linux!.maskedPaths = [];
    c.linux!.readonlyPaths = [];
    c.process!.args = ['sleep', '60'];
  });
  const id = uniqueId('hostmnt');
  s.ok(['create', '--bundle', bundle, id]);
  const pid = s.state(id).pid;
  assert.is(readlinkSync(`/proc/${pid}/ns/mnt`), readlinkSync('/proc/self/ns/mnt'));
  assert.is(readlinkSync(`/proc/${pid}/root`), rootfs);
  assert.ok(mountsUnder(`${rootfs}/proc`).length > 0, 'proc is mounted under the rootfs on the host');
  s.ok(['delete', '--force', id]);
  assert.equal(mountsUnder(`${rootfs}/`), []);
});

test.run();
