// Real cgroups (root): limits on disk, process tracking, freezer, stats, kill, removal,
// on the host's own layout and on a v2 tree (the hybrid host's unified mount, forced 'v2').
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupManager, detectLayout, type CgroupManager } from '../../src/cgroups/index.js';
import { assertUserError } from '../lib/user-error.js';

const UNIFIED = '/sys/fs/cgroup/unified';
const layout = detectLayout();
const unique = (what: string): string => `/tsrunc-test-${what}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const read = (dir: string, file: string): string => readFileSync(join(dir, file), 'utf8').trim();
const procsOf = (dir: string): number[] => read(dir, 'cgroup.procs').split('\n').filter(Boolean).map(Number);
const warnings: string[] = [];
const warn = (msg: string): void => {
  warnings.push(msg);
};

function sleeper(): ChildProcess {
  return spawn('sleep', ['100'], { stdio: 'ignore' });
}

function exited(child: ChildProcess, ms = 5000): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Cleanup that must not mask the assertion that failed. */
function cleanup(m: CgroupManager | undefined, children: ChildProcess[]): void {
  for (const c of children) c.kill('SIGKILL');
  try {
    m?.destroy();
  } catch (err) {
    console.error('cleanup:', err);
  }
}

test('host layout: limits on disk, tracking, freeze, stats, kill --all, destroy', async () => {
  const m = cgroupManager({ cgroupsPath: unique('main'), id: 'main', systemd: false, warn });
  const children: ChildProcess[] = [];
  try {
    m.create();
    const dirs = Object.values(m.dirs);
    assert.ok(dirs.length > 1);
    for (const d of dirs) assert.ok(existsSync(d), `${d} was not created`);

    m.apply({
      memory: { limit: 64 << 20, swap: 128 << 20, kernel: 1 << 20 },
      pids: { limit: 32 },
      cpu: { shares: 256, quota: 20000, period: 100000, cpus: '0' },
      devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'r' }],
    });
    assert.ok(warnings.some((w) => /kernel memory/.test(w)), 'kernel memory should be warned about');
    if (layout !== 'v2') {
      assert.is(read(m.dirs.memory, 'memory.limit_in_bytes'), String(64 << 20));
      assert.is(read(m.dirs.memory, 'memory.memsw.limit_in_bytes'), String(128 << 20));
      assert.is(read(m.dirs.pids, 'pids.max'), '32');
      assert.is(read(m.dirs.cpu, 'cpu.cfs_quota_us'), '20000');
      assert.is(read(m.dirs.cpu, 'cpu.cfs_period_us'), '100000');
      assert.is(read(m.dirs.cpu, 'cpu.shares'), '256');
      assert.is(read(m.dirs.cpuset, 'cpuset.cpus'), '0');
      const devices = read(m.dirs.devices, 'devices.list').split('\n');
      assert.not.ok(devices.includes('a *:* rwm'), 'devices must not stay allow-all');
      assert.ok(devices.includes('c 1:3 rwm'), 'default /dev/null rule comes last and wins');
      assert.ok(devices.includes('c 136:* rwm'));
    }

    const child = sleeper();
    children.push(child);
    assert.ok(child.pid);
    const pid = child.pid as number;
    m.addProcess(pid);
    for (const d of dirs) assert.ok(procsOf(d).includes(pid), `pid not in ${d}`);
    assert.equal(m.pids(), [pid]);

    m.freeze();
    assert.is(m.state(), 'frozen');
    if (m.dirs.freezer) assert.is(read(m.dirs.freezer, 'freezer.state'), 'FROZEN');
    m.thaw();
    assert.is(m.state(), 'thawed');
    if (m.dirs.freezer) assert.is(read(m.dirs.freezer, 'freezer.state'), 'THAWED');

    const s = m.stats();
    assert.is(s.pids.current, 1);
    assert.is(s.pids.limit, 32);
    assert.is(s.memory.usage.limit, 64 << 20);
    assert.type(s.cpu.usage.kernel, 'number');
    assert.type(s.cpu.usage.user, 'number');
    assert.ok(s.memory.raw && typeof s.memory.raw.total_rss === 'number', 'memory.stat in raw');
    assert.equal(s.cpuset.cpus, [0]);

    m.update({ pids: { limit: 64 } });
    if (m.dirs.pids) assert.is(read(m.dirs.pids, 'pids.max'), '64');
    if (layout !== 'v2') {
      // memory and memsw must move in the order the kernel accepts, up and down
      m.update({ memory: { limit: 256 << 20, swap: 512 << 20 } });
      assert.is(read(m.dirs.memory, 'memory.limit_in_bytes'), String(256 << 20));
      assert.is(read(m.dirs.memory, 'memory.memsw.limit_in_bytes'), String(512 << 20));
      m.update({ memory: { limit: 32 << 20, swap: 48 << 20 } });
      assert.is(read(m.dirs.memory, 'memory.limit_in_bytes'), String(32 << 20));
      assert.is(read(m.dirs.memory, 'memory.memsw.limit_in_bytes'), String(48 << 20));
      m.update({ memory: { limit: -1 } });
      assert.is(read(m.dirs.memory, 'memory.memsw.limit_in_bytes'), '9223372036854771712');
      assertUserError(() => m.update({ memory: { limit: 64 << 20, swap: 32 << 20 } }), /^resources\/memory\/swap: memory\+swap limit 33554432 is below the memory limit 67108864$/);
    }
    assertUserError(() => m.update({ cpu: { cpus: '9999' } }), /^resources\/cpu\/cpus: cpuset\.cpus rejected "9999": /);
    assertUserError(() => m.update({ cpu: { shares: 1 } }), /^resources\/cpu\/shares: 1 is out of range: the minimum is 2$/);
    assertUserError(() => m.update({ network: { classID: 1 } }), /^resources\/network\/classID: the net_cls cgroup controller is not mounted$/);

    m.killAll(9);
    assert.ok(await exited(child), 'sleep survived killAll(9)');
    assert.equal(m.pids(), []);

    m.destroy();
    for (const d of dirs) assert.not.ok(existsSync(d), `${d} is left behind`);
    assert.not.ok(m.exists());
    m.destroy(); // already gone: no error
  } finally {
    cleanup(m, children);
  }
});

test('default path is <id> below our own cgroup; a sub-cgroup is removed with it', () => {
  const id = unique('rel').slice(1);
  const m = cgroupManager({ id, systemd: false, warn });
  try {
    assert.is(m.path, id);
    m.create();
    const own = readFileSync('/proc/self/cgroup', 'utf8');
    const mem = /^\d+:memory:(.*)$/m.exec(own)?.[1];
    if (mem !== undefined && m.dirs.memory) assert.is(m.dirs.memory, join('/sys/fs/cgroup/memory', mem, id));
    const anyDir = Object.values(m.dirs)[0];
    mkdirSync(join(anyDir, 'sub'));
    m.destroy();
    for (const d of Object.values(m.dirs)) assert.not.ok(existsSync(d), `${d} is left behind`);
  } finally {
    cleanup(m, []);
  }
});

test('hybrid: hugetlb limits go to the v2 directory; unified files are written there', () => {
  if (layout !== 'hybrid' || !read(UNIFIED, 'cgroup.controllers').split(' ').includes('hugetlb')) return;
  const m = cgroupManager({ cgroupsPath: unique('huge'), id: 'huge', systemd: false, warn });
  try {
    m.create();
    m.apply({ hugepageLimits: [{ pageSize: '2MB', limit: 4 << 20 }], unified: { 'hugetlb.1GB.max': String(1 << 30) } });
    assert.is(read(m.dirs[''], 'hugetlb.2MB.max'), String(4 << 20));
    assert.is(read(m.dirs[''], 'hugetlb.1GB.max'), String(1 << 30));
    const s = m.stats();
    assert.ok(s.hugetlb['2MB'], 'hugetlb stats from the v2 directory');
    assertUserError(() => m.update({ unified: { 'memory.max': '1' } }), /^resources\/unified\/memory\.max: invalid configuration: the memory controller is not available in /);
    m.destroy();
    assert.not.ok(existsSync(m.dirs['']));
  } finally {
    cleanup(m, []);
  }
});

test('pure v1 (forced): unified is refused', () => {
  if (layout === 'v2') return;
  const m = cgroupManager({ cgroupsPath: unique('v1'), id: 'v1', systemd: false, layout: 'v1', warn });
  try {
    m.create();
    assert.is(m.dirs[''], undefined);
    assertUserError(() => m.apply({ unified: { 'pids.max': '5' } }), /^config\.json: \/linux\/resources\/unified: cgroup v2 files cannot be set on a cgroup v1 host$/);
  } finally {
    cleanup(m, []);
  }
});

test('v2 logic on a real v2 tree: create, addProcess, freeze, pids, stats, kill, destroy', async () => {
  if (!existsSync(join(UNIFIED, 'cgroup.controllers'))) return;
  const m = cgroupManager({ cgroupsPath: unique('v2'), id: 'v2', systemd: false, layout: 'v2', v2Root: UNIFIED, warn });
  const children: ChildProcess[] = [];
  try {
    const dir = m.dirs[''];
    assert.is(dir.startsWith(UNIFIED + '/'), true);
    m.create();
    assert.ok(m.exists());
    const child = sleeper();
    children.push(child);
    const pid = child.pid as number;
    m.addProcess(pid);
    assert.equal(m.pids(), [pid]);

    m.freeze();
    assert.is(m.state(), 'frozen');
    assert.match(read(dir, 'cgroup.events'), /^frozen 1$/m);
    m.thaw();
    assert.is(m.state(), 'thawed');
    assert.match(read(dir, 'cgroup.events'), /^frozen 0$/m);

    if (read(dir, 'cgroup.controllers').split(' ').includes('hugetlb')) {
      m.apply({ hugepageLimits: [{ pageSize: '2MB', limit: 2 << 20 }] });
      assert.is(read(dir, 'hugetlb.2MB.max'), String(2 << 20));
    }
    assertUserError(() => m.apply({ pids: { limit: 5 } }), /^config\.json: \/linux\/resources\/pids\/limit: the pids controller is not available in /);
    m.apply({ devices: [{ allow: false, access: 'rwm' }] }); // eBPF filter: test/integration/cgroups-v2-devices.test.ts
    assertUserError(() => m.update({ cpu: { realtimeRuntime: 1000 } }), /^resources\/cpu\/realtimeRuntime: realtime scheduling budgets are not supported on cgroup v2$/);

    const s = m.stats();
    assert.is(s.pids.current, 1, 'counted from cgroup.procs without the pids controller');

    m.killAll(9);
    assert.ok(await exited(child), 'sleep survived killAll(9)');
    m.destroy();
    assert.not.ok(existsSync(dir));
  } finally {
    cleanup(m, children);
  }
});

test('killAll with a non-fatal signal keeps a paused cgroup paused', async () => {
  const m = cgroupManager({ cgroupsPath: unique('sig'), id: 'sig', systemd: false, warn });
  const children: ChildProcess[] = [];
  try {
    m.create();
    const child = sleeper();
    children.push(child);
    m.addProcess(child.pid as number);
    m.freeze();
    m.killAll(15);
    assert.is(m.state(), 'frozen');
    m.thaw();
    assert.ok(await exited(child), 'SIGTERM delivered once thawed');
  } finally {
    cleanup(m, children);
  }
});

test.run();
