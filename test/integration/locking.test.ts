// The container lock covers short state changes only: while a foreground run
// or a paused exec waits, other commands on the container go through, and a
// cgroup frozen beforehand is refused at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session, TSRUNC, uniqueId, cgroupDirsFor } from '../lib/harness.js';
import { sleepMs } from '../../src/linux/proc.js';
import { readMounts } from '../../src/cgroups/mountinfo.js';

const s = new Session();
test.after(() => s.cleanup());

/** Each command that would wait for the lock gets this long before it counts as hung. */
const HUNG_MS = 20_000;

function background(args: string[]): { child: ChildProcess; exit: Promise<number>; output: () => string } {
  let out = '';
  const child = spawn(TSRUNC, ['--root', s.root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  // 'close', not 'exit': the output is complete only once both pipes have ended
  const exit = new Promise<number>((resolve) => child.on('close', (code, sig) => resolve(code ?? 128 + (sig ? 9 : 0))));
  return { child, exit, output: () => out };
}

function waitFor(cond: () => boolean, ms = 10_000): boolean {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    sleepMs(20);
  }
  return true;
}

function statusOf(id: string): string {
  const r = s.tsrunc(['state', id], { timeoutMs: HUNG_MS });
  return r.code === 0 ? (JSON.parse(r.stdout) as { status: string }).status : 'gone';
}

test('a foreground run does not hold the lock: exec, pause, resume, update, kill go through', async () => {
  const id = uniqueId('fg');
  const bundle = s.bundle((c) => (c.process!.args = ['sleep', '300']));
  const run = background(['run', '--bundle', bundle, id]);
  try {
    assert.ok(waitFor(() => statusOf(id) === 'running'), `running, output: ${run.output()}`);
    const exec = s.tsrunc(['exec', id, 'echo', 'from-exec'], { timeoutMs: HUNG_MS });
    assert.is(exec.code, 0, exec.stderr);
    assert.is(exec.stdout, 'from-exec\n');
    assert.is(s.tsrunc(['pause', id], { timeoutMs: HUNG_MS }).code, 0);
    assert.is(statusOf(id), 'paused');
    assert.is(s.tsrunc(['resume', id], { timeoutMs: HUNG_MS }).code, 0);
    assert.is(s.tsrunc(['update', '--pids-limit', '50', id], { timeoutMs: HUNG_MS }).code, 0);
    assert.is(s.tsrunc(['kill', id, '0'], { timeoutMs: HUNG_MS }).code, 0, 'signal 0 on a running container');
    assert.is(s.tsrunc(['kill', id, 'KILL'], { timeoutMs: HUNG_MS }).code, 0);
    assert.is(await run.exit, 137);
    assert.not.ok(existsSync(join(s.root, id)), 'run deleted the container');
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('delete --force from another shell ends a foreground run', async () => {
  const id = uniqueId('fgdel');
  const bundle = s.bundle((c) => (c.process!.args = ['sleep', '300']));
  const run = background(['run', '--bundle', bundle, id]);
  try {
    assert.ok(waitFor(() => statusOf(id) === 'running'), `running, output: ${run.output()}`);
    const del = s.tsrunc(['delete', '--force', id], { timeoutMs: HUNG_MS });
    assert.is(del.code, 0, del.stderr);
    assert.is(await run.exit, 137);
    assert.not.ok(existsSync(join(s.root, id)));
    assert.equal(cgroupDirsFor(id), []);
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('exec --ignore-paused into a paused container completes once resume comes', async () => {
  const id = uniqueId('pexec');
  s.ok(['run', '-d', '--bundle', s.bundle((c) => (c.process!.args = ['sleep', '300'])), id]);
  s.ok(['pause', id]);
  const exec = background(['exec', '--ignore-paused', id, 'echo', 'ok']);
  try {
    // the exec's process waits in the frozen cgroup; resume must not wait for the exec
    sleepMs(300);
    const resume = s.tsrunc(['resume', id], { timeoutMs: HUNG_MS });
    assert.is(resume.code, 0, resume.stderr);
    assert.is(await exec.exit, 0, exec.output());
    assert.is(exec.output(), 'ok\n');
  } finally {
    exec.child.kill('SIGKILL');
    s.tsrunc(['delete', '--force', id]);
  }
});

/** The freezer of a cgroup path, v1 or v2, as this host has it. */
function freezerOf(cgroupsPath: string): { dir: string; file: string; frozen: string } {
  const mounts = readMounts();
  const v1 = mounts.v1.find((h) => h.controllers.includes('freezer'));
  if (v1) return { dir: join(v1.mountpoint, cgroupsPath), file: 'freezer.state', frozen: 'FROZEN' };
  return { dir: join(mounts.v2!.mountpoint, cgroupsPath), file: 'cgroup.freeze', frozen: '1' };
}

test('run -d and create refuse a cgroup frozen beforehand, at once, as runc', () => {
  const cgroupsPath = `/${uniqueId('frozen')}`;
  const f = freezerOf(cgroupsPath);
  mkdirSync(f.dir);
  try {
    writeFileSync(join(f.dir, f.file), f.frozen);
    const bundle = s.bundle((c) => (c.linux!.cgroupsPath = cgroupsPath));
    for (const cmd of [['run', '-d'], ['create']]) {
      const id = uniqueId('fz');
      const r = s.tsrunc([...cmd, '--bundle', bundle, id], { timeoutMs: HUNG_MS });
      assert.is(r.code, 1, r.stderr);
      assert.match(r.stderr, "container's cgroup unexpectedly frozen");
      assert.not.ok(existsSync(join(s.root, id)), 'no state dir');
    }
    assert.ok(existsSync(f.dir), 'the pre-existing cgroup is left as it was');
    assert.is(readFileSync(join(f.dir, f.file), 'utf8').trim(), f.frozen);
  } finally {
    writeFileSync(join(f.dir, f.file), f.file === 'cgroup.freeze' ? '0' : 'THAWED');
    rmdirSync(f.dir);
  }
});

test('a second container in a cgroup that has processes gets runc\'s warning', () => {
  const cgroupsPath = `/${uniqueId('shared')}`;
  const bundle = s.bundle((c) => {
    c.linux!.cgroupsPath = cgroupsPath;
    c.process!.args = ['sleep', '300'];
  });
  const first = uniqueId('sh1');
  const second = uniqueId('sh2');
  s.ok(['run', '-d', '--bundle', bundle, first]);
  try {
    const r = s.tsrunc(['create', '--bundle', bundle, second]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, "container's cgroup is not empty: 1 process(es) found");
  } finally {
    s.tsrunc(['delete', '--force', second]);
    s.tsrunc(['delete', '--force', first]);
  }
});

test.run();
