// containerd with SystemdCgroup = true (what `ctr run --runc-systemd-cgroup` sets for the
// runc shim): the shim drives tsrunc with --systemd-cgroup and a slice:prefix:name
// cgroupsPath; the container is a scope systemd shows, with the limit ctr asked for, and
// nothing of it is left after the task is deleted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Containerd, RUNTIME, buildBusyboxOciArchive, cleanupOnExit, uniqueName } from '../containerd/lib.js';
import { CGROUP_ROOT, cgroupOf, read, waitFor } from './lib.js';

let d: Containerd | undefined;
let imageDir: string | undefined;
let setupError: Error | undefined;

function teardown(): void {
  try {
    d?.stop();
  } finally {
    if (imageDir) rmSync(imageDir, { recursive: true, force: true });
  }
}
cleanupOnExit(teardown);

test.before(() => {
  try {
    imageDir = mkdtempSync('/tmp/tsrunc-guest-image-');
    const archive = buildBusyboxOciArchive(imageDir);
    d = new Containerd();
    d.start();
    d.importImage(archive);
  } catch (e) {
    setupError = e as Error;
  }
});
test.after(teardown);

function systemctl(...args: string[]): { code: number; out: string } {
  const r = spawnSync('systemctl', ['--no-pager', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

test('ctr run --runc-systemd-cgroup: the task runs in a systemd scope with its limit; gone after delete', () => {
  if (setupError) throw setupError;
  const c = d!;
  const id = uniqueName('sd');
  const unit = `tsrunc-ctr-${id}.scope`;
  c.ok([
    'run', '-d', ...c.runtimeFlags(RUNTIME), '--runc-systemd-cgroup', '--cgroup', `system.slice:tsrunc-ctr:${id}`,
    '--memory-limit', String(64 << 20), c.image, id, 'sleep', '600',
  ]);
  try {
    assert.is(c.waitTaskStatus(id, 'RUNNING'), 'RUNNING');
    const status = systemctl('status', unit);
    assert.is(status.code, 0, status.out);
    assert.match(status.out, /Active: active \(running\)/);
    assert.match(status.out, /sleep 600/);
    assert.is(systemctl('show', '-p', 'MemoryMax', '--value', unit).out.trim(), String(64 << 20));
    const dir = `${CGROUP_ROOT}/system.slice/${unit}`;
    assert.is(read(dir, 'memory.max'), String(64 << 20));
    const pid = Number(c.ok(['task', 'ls']).split('\n').find((l) => l.startsWith(id))!.trim().split(/\s+/)[1]);
    assert.is(cgroupOf(pid), `/system.slice/${unit}`);
    // pause and resume go through tsrunc's freezer on the scope
    c.ok(['task', 'pause', id]);
    assert.is(c.waitTaskStatus(id, 'PAUSED'), 'PAUSED');
    assert.is(read(dir, 'cgroup.freeze'), '1');
    c.ok(['task', 'resume', id]);
    assert.is(c.waitTaskStatus(id, 'RUNNING'), 'RUNNING');
  } finally {
    c.ctr(['task', 'kill', '--signal', 'SIGKILL', id]);
    c.waitTaskStatus(id, 'STOPPED');
    c.ctr(['task', 'delete', id]);
    c.ctr(['containers', 'delete', id]);
  }
  waitFor('the unit to go', () => systemctl('status', unit).code === 4);
});

test.run();
