// Pure cgroup v2, as a user sees it: limits the kernel enforces (OOM kill and its event,
// a fork bomb stopped, cpu throttling), pause/resume through cgroup.freeze, kill --all
// through cgroup.kill, update, events --stats, ps, and delete removing the cgroup.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session, TSRUNC } from '../lib/harness.js';
import { dirOf, fileIn, pidsOf, read, sleepMs, start, stats, waitFor } from './lib.js';

const s = new Session();
test.after(() => s.cleanup());

test('OOM: a memory hog is killed, memory.events counts it, events prints an oom event', async () => {
  const { id, out } = start(s, 'while [ ! -e /out/go ]; do sleep 0.1; done; tail /dev/zero; echo $? > /out/rc; sleep 600', (c) => {
    c.linux!.resources = { ...c.linux!.resources, memory: { limit: 32 << 20, swap: 32 << 20 } };
  });
  const d = dirOf(s, id);
  assert.is(read(d, 'memory.max'), String(32 << 20));
  assert.is(read(d, 'memory.swap.max'), '0');
  const events = spawn(TSRUNC, ['--root', s.root, 'events', '--interval', '1s', id], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  events.stdout.on('data', (b: Buffer) => (text += b.toString()));
  try {
    await new Promise((r) => setTimeout(r, 3000)); // events is watching before the hog starts
    writeFileSync(join(out, 'go'), '');
    const deadline = Date.now() + 60_000;
    while (!text.includes('"type":"oom"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  } finally {
    events.kill();
  }
  assert.ok(text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).some((e) => e.type === 'oom' && e.id === id), `no oom event in:\n${text.slice(0, 500)}`);
  waitFor('the hog to be killed', () => fileIn(out, 'rc') !== undefined);
  assert.is(fileIn(out, 'rc'), '137');
  const ev = Object.fromEntries(read(d, 'memory.events').split('\n').map((l) => l.split(' ')));
  assert.ok(Number(ev.oom_kill) >= 1, JSON.stringify(ev));
  s.ok(['delete', '--force', id]);
});

test('pids limit stops a fork bomb; the container lives on', () => {
  const { id, out } = start(s, "(for i in $(seq 1 40); do sleep 600 & echo $i > /out/started; done) 2>/out/err; touch /out/done; exec sleep 600", (c) => {
    c.linux!.resources = { ...c.linux!.resources, pids: { limit: 12 } };
  });
  waitFor('the fork loop', () => existsSync(join(out, 'done')));
  const started = Number(fileIn(out, 'started'));
  assert.ok(started >= 5 && started < 12, `${started} sleeps started`);
  assert.match(fileIn(out, 'err') ?? '', /Resource temporarily unavailable|can't fork/);
  const pids = pidsOf(s, id);
  assert.ok(pids.length <= 12, `${pids.length} processes`);
  assert.is(s.state(id).status, 'running');
  const d = dirOf(s, id);
  assert.ok(Number(read(d, 'pids.events').split(' ')[1]) > 0, read(d, 'pids.events'));
  const st = stats(s, id);
  assert.equal(st.pids, { current: pids.length, limit: 12 });
  s.ok(['delete', '--force', id]);
});

test('cpu quota throttles a busy loop (events --stats shows it)', () => {
  const { id } = start(s, 'while :; do :; done', (c) => {
    c.linux!.resources = { ...c.linux!.resources, cpu: { quota: 10_000, period: 100_000 } };
  });
  waitFor('throttling', () => (stats(s, id).cpu.throttling.throttledPeriods ?? 0) > 0);
  const st = stats(s, id);
  assert.ok(st.cpu.throttling.throttledTime > 0, JSON.stringify(st.cpu.throttling));
  assert.ok(st.cpu.usage.total > 0);
  s.ok(['delete', '--force', id]);
});

test('pause freezes through cgroup.freeze; resume thaws', () => {
  const { id, out } = start(s, 'i=0; while true; do i=$((i+1)); echo $i > /out/n; sleep 0.1; done');
  const count = () => Number(fileIn(out, 'n') || 0);
  waitFor('the loop', () => count() > 2);
  const d = dirOf(s, id);
  s.ok(['pause', id]);
  assert.is(s.state(id).status, 'paused');
  assert.is(read(d, 'cgroup.freeze'), '1');
  assert.match(read(d, 'cgroup.events'), /^frozen 1$/m);
  const frozenAt = count();
  sleepMs(1000);
  assert.is(count(), frozenAt, 'the loop ran while paused');
  s.ok(['resume', id]);
  assert.is(s.state(id).status, 'running');
  assert.is(read(d, 'cgroup.freeze'), '0');
  waitFor('the loop to go on', () => count() > frozenAt + 2);
  s.ok(['delete', '--force', id]);
});

test('kill --all KILL empties the cgroup (cgroup.kill)', () => {
  const { id } = start(s, 'sleep 600 & sleep 601 & wait', (c) => {
    // sharing the host's pid namespace: killing the init alone would leave the sleeps
    c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== 'pid');
  });
  waitFor('three processes', () => pidsOf(s, id).length === 3);
  const d = dirOf(s, id);
  s.ok(['kill', '--all', id, 'KILL']);
  waitFor('an empty cgroup', () => read(d, 'cgroup.procs') === '');
  assert.match(read(d, 'cgroup.events'), /^populated 0$/m);
  s.ok(['delete', id]);
  assert.not.ok(existsSync(d));
});

test('update: memory, swap, pids, cpu and unified, read back from the files', () => {
  const { id } = start(s, 'sleep 600', (c) => {
    c.linux!.resources = { ...c.linux!.resources, pids: { limit: 50 }, memory: { limit: 256 << 20 } };
  });
  const d = dirOf(s, id);
  s.ok(['update', '--pids-limit', '20', '--memory', '100m', '--memory-swap', '150m', '--cpu-share', '512', '--cpu-quota', '30000', '--cpu-period', '60000', id]);
  assert.is(read(d, 'pids.max'), '20');
  assert.is(read(d, 'memory.max'), String(100 << 20));
  assert.is(read(d, 'memory.swap.max'), String(50 << 20));
  assert.is(read(d, 'cpu.weight'), '59');
  assert.is(read(d, 'cpu.max'), '30000 60000');
  s.ok(['update', '--resources', '-', id], { input: JSON.stringify({ unified: { 'memory.high': String(80 << 20) }, cpu: { cpus: '0' } }) });
  assert.is(read(d, 'memory.high'), String(80 << 20));
  assert.is(read(d, 'cpuset.cpus'), '0');
  // a value the kernel refuses: nothing of the update stays
  const bad = s.tsrunc(['update', '--pids-limit', '7', '--memory', '90m', '--cpuset-cpus', '9999', id]);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /resources\/cpu\/cpus: cpuset.cpus rejected "9999"/);
  assert.is(read(d, 'memory.max'), String(100 << 20));
  assert.is(read(d, 'pids.max'), '20');
  s.ok(['delete', '--force', id]);
});

test('events --stats and ps: memory, pids and cpu of the container', () => {
  const { id } = start(s, 'sleep 600 & sleep 601 & wait', (c) => {
    c.linux!.resources = { ...c.linux!.resources, memory: { limit: 128 << 20 }, pids: { limit: 30 } };
  });
  waitFor('both sleeps', () => pidsOf(s, id).length === 3);
  const st = stats(s, id);
  assert.is(st.pids.current, 3);
  assert.is(st.pids.limit, 30);
  assert.is(st.memory.usage.limit, 128 << 20);
  assert.ok(st.memory.usage.usage > 0);
  assert.ok(st.memory.raw.anon !== undefined, Object.keys(st.memory.raw).join(' '));
  const table = s.ok(['ps', id]).trim().split('\n');
  assert.match(table[0], /^UID\s+PID\s+PPID/);
  assert.is(table.length, 4);
  assert.match(table.join('\n'), /sleep 601/);
  s.ok(['delete', '--force', id]);
});

test('delete removes the cgroup directory', () => {
  const { id } = start(s, 'sleep 600');
  const d = dirOf(s, id);
  assert.ok(existsSync(d));
  s.ok(['delete', '--force', id]);
  assert.not.ok(existsSync(d));
});

test.run();
