// The systemd cgroup driver (--systemd-cgroup) against the guest's real systemd: the
// container is a transient scope that systemctl shows, in slices made as needed, with
// runc's properties; the limits hold; update goes through the unit; delete leaves nothing;
// an unreachable systemd is a clear error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Session, TSRUNC, uniqueId } from '../lib/harness.js';
import { CGROUP_ROOT, cgroupOf, dirOf, fileIn, pidsOf, read, start, stats, waitFor } from './lib.js';

const s = new Session();
const SD = ['--systemd-cgroup'];
test.after(() => {
  for (const id of s.containers()) s.tsrunc(['delete', '--force', id], { globals: SD });
  s.cleanup();
});

function systemctl(...args: string[]): { code: number; out: string } {
  const r = spawnSync('systemctl', ['--no-pager', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

function show(unit: string, prop: string): string {
  return systemctl('show', '-p', prop, '--value', unit).out.trim();
}

test('a container is a transient scope in slices made as needed; systemctl status shows it', () => {
  const name = uniqueId('sd');
  const { id } = start(
    s,
    'sleep 600',
    (c) => {
      c.linux!.cgroupsPath = `tsrunctest-nested.slice:tsrunc:${name}`;
      c.linux!.resources = { ...c.linux!.resources, memory: { limit: 64 << 20 }, pids: { limit: 20 }, cpu: { shares: 2048, quota: 50_000, period: 100_000, cpus: '0' } };
    },
    SD,
  );
  const unit = `tsrunc-${name}.scope`;
  const dir = join(CGROUP_ROOT, 'tsrunctest.slice/tsrunctest-nested.slice', unit);
  assert.is(dirOf(s, id), dir);
  assert.is(cgroupOf(s.state(id).pid), dir.slice(CGROUP_ROOT.length));
  const status = systemctl('status', unit);
  assert.is(status.code, 0, status.out);
  assert.match(status.out, /Active: active \(running\)/);
  assert.match(status.out, /sleep 600/);
  assert.match(status.out, new RegExp(`tsrunc container ${id}`));
  assert.is(show(unit, 'Delegate'), 'yes');
  assert.is(show(unit, 'Slice'), 'tsrunctest-nested.slice');
  assert.is(show(unit, 'MemoryMax'), String(64 << 20));
  assert.is(show(unit, 'TasksMax'), '20');
  assert.is(show(unit, 'CPUWeight'), '174');
  assert.is(show(unit, 'CPUQuotaPerSecUSec'), '500ms');
  assert.is(show(unit, 'AllowedCPUs'), '0');
  assert.is(show(unit, 'DevicePolicy'), 'strict');
  assert.is(systemctl('is-active', 'tsrunctest-nested.slice').out.trim(), 'active');
  // the files hold the same limits, plus what systemd has no property for
  assert.is(read(dir, 'memory.max'), String(64 << 20));
  assert.is(read(dir, 'pids.max'), '20');
  assert.is(read(dir, 'cpu.max'), '50000 100000');
  assert.is(read(dir, 'cpuset.cpus'), '0');
  s.ok(['delete', '--force', id], { globals: SD });
  assert.not.ok(existsSync(dir), `${dir} left behind`);
  const gone = systemctl('status', unit);
  assert.is(gone.code, 4, gone.out); // "could not be found"
  assert.not.match(systemctl('list-units', '--all', '--plain', '--no-legend').out, name);
});

test('no cgroupsPath: tsrunc-<id>.scope in system.slice', () => {
  const { id } = start(s, 'sleep 600', () => {}, SD);
  const unit = `tsrunc-${id}.scope`;
  assert.is(dirOf(s, id), join(CGROUP_ROOT, 'system.slice', unit));
  assert.is(systemctl('is-active', unit).out.trim(), 'active');
  s.ok(['delete', '--force', id], { globals: SD });
  assert.is(systemctl('status', unit).code, 4);
});

test('limits hold in the scope: a fork bomb stops at TasksMax, a memory hog is OOM-killed', () => {
  const bomb = start(s, '(for i in $(seq 1 40); do sleep 600 & echo $i > /out/started; done) 2>/dev/null; touch /out/done; exec sleep 600', (c) => {
    c.linux!.resources = { ...c.linux!.resources, pids: { limit: 10 } };
  }, SD);
  waitFor('the fork loop', () => existsSync(join(bomb.out, 'done')));
  assert.ok(Number(fileIn(bomb.out, 'started')) < 10, fileIn(bomb.out, 'started'));
  assert.ok(pidsOf(s, bomb.id, SD).length <= 10);
  s.ok(['delete', '--force', bomb.id], { globals: SD });

  const hog = start(s, 'tail /dev/zero; echo $? > /out/rc; sleep 600', (c) => {
    c.linux!.resources = { ...c.linux!.resources, memory: { limit: 32 << 20, swap: 32 << 20 } };
  }, SD);
  waitFor('the hog to be killed', () => fileIn(hog.out, 'rc') !== undefined, 60_000);
  assert.is(fileIn(hog.out, 'rc'), '137');
  assert.ok(Number(read(dirOf(s, hog.id), 'memory.events').match(/oom_kill (\d+)/)![1]) >= 1);
  s.ok(['delete', '--force', hog.id], { globals: SD });
});

test('update goes through the unit properties and the files', () => {
  const { id } = start(s, 'sleep 600', (c) => {
    c.linux!.resources = { ...c.linux!.resources, memory: { limit: 128 << 20 }, pids: { limit: 50 } };
  }, SD);
  const unit = `tsrunc-${id}.scope`;
  s.ok(['update', '--memory', '100m', '--pids-limit', '30', '--cpu-quota', '20000', id], { globals: SD });
  assert.is(show(unit, 'MemoryMax'), String(100 << 20));
  assert.is(show(unit, 'TasksMax'), '30');
  assert.is(show(unit, 'CPUQuotaPerSecUSec'), '200ms');
  const d = dirOf(s, id);
  assert.is(read(d, 'memory.max'), String(100 << 20));
  assert.is(read(d, 'pids.max'), '30');
  assert.is(read(d, 'cpu.max'), '20000 100000');
  s.ok(['delete', '--force', id], { globals: SD });
});

test('pause/resume, ps, exec and events --stats work on a systemd container', () => {
  const { id, out } = start(s, 'i=0; while true; do i=$((i+1)); echo $i > /out/n; sleep 0.1; done', () => {}, SD);
  waitFor('the loop', () => Number(fileIn(out, 'n') || 0) > 2);
  s.ok(['pause', id], { globals: SD });
  assert.is(s.state(id).status, 'paused');
  assert.is(read(dirOf(s, id), 'cgroup.freeze'), '1');
  s.ok(['resume', id], { globals: SD });
  assert.is(s.state(id).status, 'running');
  const e = s.ok(['exec', id, 'sh', '-c', 'cat /proc/self/cgroup'], { globals: SD });
  assert.is(e.trim(), '0::/');
  assert.ok(pidsOf(s, id, SD).length >= 1);
  assert.ok(stats(s, id, SD).memory.usage.usage > 0);
  s.ok(['delete', '--force', id], { globals: SD });
});

test('a container whose processes all exited: systemd drops the scope, delete still cleans up', () => {
  const { id } = start(s, 'sleep 1', () => {}, SD);
  const unit = `tsrunc-${id}.scope`;
  waitFor('the container to stop', () => s.state(id).status === 'stopped');
  waitFor('the scope to go', () => systemctl('is-active', unit).out.trim() !== 'active');
  s.ok(['delete', id], { globals: SD });
  assert.is(systemctl('status', unit).code, 4);
  assert.not.ok(existsSync(join(s.root, id)));
});

test('systemd not reachable over D-Bus: a clear error, nothing left behind', () => {
  const bundle = s.bundle((c) => (c.process!.args = ['true']));
  const id = uniqueId('nobus');
  const r = spawnSync(TSRUNC, ['--root', s.root, '--systemd-cgroup', 'run', '--bundle', bundle, id], {
    encoding: 'utf8',
    env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/run/no-such-bus' },
  });
  assert.is(r.status, 1);
  assert.match(r.stderr, /systemd cgroup driver: cannot reach systemd over D-Bus: connect \/run\/no-such-bus: no such file or directory/);
  assert.not.ok(existsSync(join(s.root, id)));
  assert.is(systemctl('status', `tsrunc-${id}.scope`).code, 4);
});

test('a cgroupsPath that is not slice:prefix:name is refused, naming the field', () => {
  const bundle = s.bundle((c) => {
    c.linux!.cgroupsPath = '/not/systemd';
    c.process!.args = ['true'];
  });
  const id = uniqueId('bad');
  const r = s.tsrunc(['run', '--bundle', bundle, id], { globals: SD });
  assert.is(r.code, 1);
  assert.match(r.stderr, /config.json: \/linux\/cgroupsPath: "\/not\/systemd" must be slice:prefix:name for the systemd cgroup driver/);
  assert.not.ok(existsSync(join(s.root, id)));
});

test.run();
