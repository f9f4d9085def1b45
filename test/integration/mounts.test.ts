// Mounts, devices, masked/readonly paths, root and pivot options, seen from inside.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Session, mountsUnder, ROOTFS } from '../lib/harness.js';
import { detectLayout } from '../../src/cgroups/index.js';

const s = new Session();
test.after(() => s.cleanup());

function inside(script: string, mutate: Parameters<Session['runOnce']>[0] = () => {}): string {
  const r = s.runOnce(mutate, ['sh', '-c', script]);
  if (r.code !== 0) throw new Error(`container exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The options column of /proc/self/mounts for a mount point, from a container's output. */
function optionsOf(mounts: string, point: string): string[] {
  const line = mounts.split('\n').find((l) => l.split(' ')[1] === point);
  return line ? line.split(' ')[3].split(',') : [];
}

test('proc, sysfs, devpts, mqueue, shm and /dev tmpfs are mounted', () => {
  const m = inside('cat /proc/self/mounts');
  const types = Object.fromEntries(m.trim().split('\n').map((l) => [l.split(' ')[1], l.split(' ')[2]]));
  assert.is(types['/proc'], 'proc');
  assert.is(types['/dev'], 'tmpfs');
  assert.is(types['/dev/pts'], 'devpts');
  assert.is(types['/dev/shm'], 'tmpfs');
  assert.is(types['/dev/mqueue'], 'mqueue');
  assert.is(types['/sys'], 'sysfs');
  assert.ok(optionsOf(m, '/sys').includes('ro'));
  assert.ok(optionsOf(m, '/dev/pts').includes('noexec'));
});

test('the cgroup mount shows the container\'s own cgroup, read-only', () => {
  const limit = 64 * 1024 * 1024;
  // v1 and hybrid: one directory per controller; v2: one tree with *.max files.
  const v2 = detectLayout() === 'v2';
  const [mem, pids] = v2 ? ['memory.max', 'pids.max'] : ['memory/memory.limit_in_bytes', 'pids/pids.max'];
  const out = inside(`ls /sys/fs/cgroup; cat /sys/fs/cgroup/${mem} /sys/fs/cgroup/${pids}; echo 1 > /sys/fs/cgroup/${pids} 2>/dev/null || echo ro-ok`, (c) => {
    c.linux!.resources = { ...(c.linux!.resources ?? {}), memory: { limit }, pids: { limit: 77 } };
  });
  const lines = out.trim().split('\n');
  const expected = v2 ? ['memory.max', 'pids.max', 'cgroup.procs'] : ['memory', 'pids', 'cpu', 'devices', 'freezer'];
  for (const entry of expected) assert.ok(lines.includes(entry), `${entry} in /sys/fs/cgroup: ${lines}`);
  assert.ok(lines.includes(String(limit)), 'memory limit of the container, not the host');
  assert.ok(lines.includes('77'));
  assert.is(lines[lines.length - 1], 'ro-ok');
});

test('bind mounts with ro, and tmpfs with options and data', () => {
  const src = join(s.tmp, 'bindsrc');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'hello.txt'), 'from host\n');
  const out = inside('cat /data/hello.txt; touch /data/x 2>&1 || echo ro-ok; cat /proc/self/mounts', (c) => {
    c.mounts!.push({ destination: '/data', type: 'bind', source: src, options: ['bind', 'ro', 'nosuid', 'nodev'] });
    c.mounts!.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'size=1m', 'mode=700'] });
  });
  assert.match(out, /^from host\n/);
  assert.match(out, 'ro-ok');
  const data = optionsOf(out, '/data');
  for (const o of ['ro', 'nosuid', 'nodev']) assert.ok(data.includes(o), `/data has ${o}: ${data}`);
  const scratch = optionsOf(out, '/scratch');
  assert.ok(scratch.includes('noexec'));
  assert.ok(scratch.includes('size=1024k'));
  assert.ok(scratch.includes('mode=700'));
  assert.not.ok(existsSync(join(src, 'x')));
});

test('a read-only /dev and a read-only tmpfs: filled in first, read-only in the end (as runc)', () => {
  const out = inside('cat /proc/self/mounts; ls /dev/null /dev/pts/ptmx; touch /dev/x 2>/dev/null || echo dev-ro; touch /ro/x 2>/dev/null || echo tmpfs-ro', (c) => {
    c.mounts = c.mounts!.map((m) => (m.destination === '/dev' ? { ...m, options: [...(m.options ?? []), 'ro'] } : m));
    c.mounts!.push({ destination: '/ro', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'mode=755'] });
  });
  assert.ok(optionsOf(out, '/dev').includes('ro'), out);
  assert.ok(optionsOf(out, '/dev').includes('nosuid'), 'its other flags kept');
  assert.ok(optionsOf(out, '/ro').includes('ro'));
  assert.match(out, '/dev/null\n/dev/pts/ptmx\n');
  assert.match(out, 'dev-ro\ntmpfs-ro\n');
});

test('mounts apply in config order: a later mount covers an earlier one', () => {
  const out = inside('cat /proc/self/mounts | grep " /stack"', (c) => {
    c.mounts!.push({ destination: '/stack', type: 'tmpfs', source: 'first', options: ['size=1m'] });
    c.mounts!.push({ destination: '/stack', type: 'tmpfs', source: 'second', options: ['size=2m'] });
  });
  const lines = out.trim().split('\n');
  assert.is(lines.length, 2);
  assert.match(lines[1], /^second /);
});

test('a bind-mounted file gets a file destination', () => {
  const f = join(s.tmp, 'file.conf');
  writeFileSync(f, 'key=value\n');
  assert.is(inside('cat /etc/app.conf', (c) => c.mounts!.push({ destination: '/etc/app.conf', type: 'bind', source: f, options: ['rbind', 'ro'] })), 'key=value\n');
});

test('default devices and /dev symlinks', () => {
  const out = inside('ls -l /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done; head -c 4 /dev/zero | wc -c');
  for (const d of ['null', 'zero', 'full', 'random', 'urandom', 'tty']) assert.match(out, new RegExp(`^crw-rw-rw-.* /dev/${d}$`, 'm'));
  assert.match(out, '/proc/self/fd\n/proc/self/fd/0\n/proc/self/fd/1\n/proc/self/fd/2\npts/ptmx\n');
  assert.match(out, /4\n$/);
});

test('linux.devices creates extra nodes', () => {
  const out = inside('ls -ln /dev/mynull', (c) => {
    c.linux!.devices = [{ path: '/dev/mynull', type: 'c', major: 1, minor: 3, fileMode: 0o640, uid: 0, gid: 5 }];
    c.linux!.resources = { devices: [{ allow: true, access: 'rwm' }] };
  });
  assert.match(out, /^crw-r-----\s+1 0\s+5\s+1,\s+3 /);
});

test('maskedPaths and readonlyPaths', () => {
  const out = inside('cat /proc/uptime | wc -c; ls /proc/tty 2>&1 | wc -l; echo 1 > /proc/sys/kernel/domainname 2>&1 || echo ro-ok', (c) => {
    c.linux!.maskedPaths = ['/proc/uptime', '/proc/tty', '/proc/no-such-path'];
    c.linux!.readonlyPaths = ['/proc/sys'];
  });
  assert.is(out, '0\n0\nro-ok\n');
});

test('root.readonly makes / read-only; writable otherwise', () => {
  assert.match(inside('touch /newfile 2>&1 || echo ro-ok', (c) => (c.root!.readonly = true)), 'ro-ok');
  const m = inside('cat /proc/self/mounts', (c) => (c.root!.readonly = true));
  assert.ok(optionsOf(m, '/').includes('ro'));
});

test('--no-pivot uses chroot and still runs', () => {
  const bundle = s.bundle((c) => (c.process!.args = ['sh', '-c', 'echo nopivot; ls /']));
  const r = s.tsrunc(['run', '--no-pivot', '--bundle', bundle, `np-${process.pid}`]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^nopivot\nbin\n/);
});

test('rootfsPropagation and mount propagation flags', () => {
  const out = inside('cat /proc/self/mountinfo', (c) => {
    c.linux!.rootfsPropagation = 'private';
    c.mounts!.push({ destination: '/shared', type: 'tmpfs', source: 'tmpfs', options: ['shared'] });
  });
  const line = out.split('\n').find((l) => l.split(' ')[4] === '/shared') ?? '';
  assert.match(line, /shared:\d+/);
});

test('nothing from a container stays mounted on the host', () => {
  assert.equal(mountsUnder(ROOTFS), []);
  assert.equal(mountsUnder(s.tmp), []);
  assert.ok(readFileSync('/proc/self/mountinfo', 'utf8').length > 0);
});

test.run();
