// create → start → state → kill → delete on real containers, as a user drives them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session, uniqueId, cgroupDirsFor } from '../lib/harness.js';
import { sleepMs } from '../../src/linux/proc.js';

const s = new Session();
test.after(() => s.cleanup());

function waitStatus(id: string, want: string, ms = 5000): string {
  const deadline = Date.now() + ms;
  let st = s.state(id).status;
  while (st !== want && Date.now() < deadline) {
    sleepMs(20);
    st = s.state(id).status;
  }
  return st;
}

test('create leaves the init blocked; start runs the user process', () => {
  const marker = join(s.tmp, `started-${Date.now()}`);
  const bundle = s.bundle((c) => {
    c.mounts!.push({ destination: '/out', type: 'bind', source: s.tmp, options: ['rbind', 'rw'] });
    c.process!.args = ['sh', '-c', `echo started > /out/${marker.split('/').pop()}; sleep 30`];
  });
  const id = uniqueId('life');
  const pidFile = join(s.tmp, `${id}.pid`);
  s.ok(['create', '--bundle', bundle, '--pid-file', pidFile, id]);
  const st = s.state(id);
  assert.is(st.status, 'created');
  assert.ok(st.pid > 0);
  assert.is(readFileSync(pidFile, 'utf8').trim(), String(st.pid));
  assert.is(st.bundle, bundle);
  assert.ok(existsSync(join(s.root, id, 'exec.fifo')));
  sleepMs(200);
  assert.not.ok(existsSync(marker), 'user process must not run before start');
  // Before start the init is the C stub, not node and not the user's program.
  assert.not.match(readFileSync(`/proc/${st.pid}/cmdline`, 'utf8'), /node|sleep/);

  s.ok(['start', id]);
  assert.is(s.state(id).status, 'running');
  assert.not.ok(existsSync(join(s.root, id, 'exec.fifo')));
  const deadline = Date.now() + 5000;
  while (!existsSync(marker) && Date.now() < deadline) sleepMs(20);
  assert.is(readFileSync(marker, 'utf8'), 'started\n');

  s.ok(['kill', id, 'KILL']);
  assert.is(waitStatus(id, 'stopped'), 'stopped');
  assert.is(s.state(id).pid, 0);
  s.ok(['delete', id]);
  assert.not.ok(existsSync(join(s.root, id)));
  assert.equal(cgroupDirsFor(id), []);
  const r = s.tsrunc(['state', id]);
  assert.is(r.code, 1);
  assert.match(r.stderr, 'does not exist');
});

test('state prints runc-compatible JSON with annotations', () => {
  const id = uniqueId('st');
  const bundle = s.bundle((c) => {
    c.annotations = { 'org.example.key': 'value' };
    c.process!.args = ['sleep', '30'];
  });
  s.ok(['create', '--bundle', bundle, id]);
  const raw = s.ok(['state', id]);
  const st = JSON.parse(raw);
  assert.equal(Object.keys(st), ['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'owner', 'annotations']);
  assert.is(st.id, id);
  assert.is(st.annotations['org.example.key'], 'value');
  assert.match(st.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  assert.is(st.rootfs.endsWith('bundles/busybox/rootfs'), true);
  s.ok(['delete', id]); // a created container can be deleted without --force
  assert.not.ok(existsSync(join(s.root, id)));
});

test('kill accepts names and numbers; unknown signal is an error', () => {
  // pid 1 of a pid namespace only dies of signals it handles (or KILL): trap TERM.
  const trapping = ['sh', '-c', 'trap "exit 143" TERM; while true; do sleep 0.1; done'];
  for (const sig of ['KILL', 'SIGTERM', '9', 'sigterm', '15']) {
    const id = uniqueId('kill');
    const bundle = s.bundle((c) => (c.process!.args = trapping));
    s.ok(['run', '--detach', '--bundle', bundle, id]);
    assert.is(s.state(id).status, 'running');
    s.ok(['kill', id, sig]);
    assert.is(waitStatus(id, 'stopped'), 'stopped', `signal ${sig}`);
    s.ok(['delete', id]);
  }
  const id = uniqueId('kill');
  s.ok(['run', '--detach', '--bundle', s.bundle((c) => (c.process!.args = ['sleep', '30'])), id]);
  const r = s.tsrunc(['kill', id, 'FOO']);
  assert.is(r.code, 1);
  assert.match(r.stderr, 'unknown signal "FOO"');
  assert.is(s.state(id).status, 'running');
  s.ok(['delete', '--force', id]);
});

test('delete refuses a running container without --force; --force kills it', () => {
  const id = uniqueId('del');
  s.ok(['run', '-d', '--bundle', s.bundle((c) => (c.process!.args = ['sleep', '30'])), id]);
  const pid = s.state(id).pid;
  const r = s.tsrunc(['delete', id]);
  assert.is(r.code, 1);
  assert.match(r.stderr, `cannot delete container ${id} that is not stopped: running`);
  assert.is(s.state(id).status, 'running');
  s.ok(['delete', '--force', id]);
  assert.not.ok(existsSync(join(s.root, id)));
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  assert.ok(stat === '' || / Z /.test(stat), 'init is gone or a zombie');
  assert.equal(cgroupDirsFor(id), []);
});

test('start on a container that is not created fails', () => {
  const id = uniqueId('start');
  s.ok(['run', '-d', '--bundle', s.bundle((c) => (c.process!.args = ['sleep', '30'])), id]);
  let r = s.tsrunc(['start', id]);
  assert.is(r.code, 1);
  assert.match(r.stderr, 'cannot start an already running container');
  s.ok(['kill', id, 'KILL']);
  waitStatus(id, 'stopped');
  r = s.tsrunc(['start', id]);
  assert.is(r.code, 1);
  assert.match(r.stderr, 'cannot start a container that has stopped');
  r = s.tsrunc(['kill', id]);
  assert.is(r.code, 1);
  assert.match(r.stderr, 'container not running');
  s.ok(['delete', id]);
});

test('run returns the exit code and prints the output', () => {
  const r = s.runOnce(() => {}, ['sh', '-c', 'echo out; echo err >&2; exit 7']);
  assert.is(r.code, 7, r.stderr);
  assert.is(r.stdout, 'out\n');
  assert.match(r.stderr, 'err');
  assert.equal(s.containers(), []);
  // Outside a pid namespace the shell is not an init, so it can die of its own SIGKILL.
  const killed = s.runOnce((c) => (c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== 'pid')), ['sh', '-c', 'kill -9 $$']);
  assert.is(killed.code, 137);
});

test('list shows containers as a table and as JSON', () => {
  const a = uniqueId('lst');
  const b = uniqueId('lst');
  s.ok(['create', '--bundle', s.bundle((c) => (c.process!.args = ['sleep', '30'])), a]);
  s.ok(['run', '-d', '--bundle', s.bundle((c) => (c.process!.args = ['sleep', '30'])), b]);
  const table = s.ok(['list']).split('\n');
  assert.match(table[0], /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$/);
  assert.ok(table.some((l) => l.startsWith(a) && / created /.test(l)));
  assert.ok(table.some((l) => l.startsWith(b) && / running /.test(l)));
  const json = JSON.parse(s.ok(['list', '--format', 'json'])) as { id: string; status: string }[];
  assert.equal(json.map((c) => [c.id, c.status]).sort(), [[a, 'created'], [b, 'running']].sort());
  assert.equal(s.ok(['list', '-q']).trim().split('\n').sort(), [a, b].sort());
  s.ok(['delete', '--force', a]);
  s.ok(['delete', '--force', b]);
  assert.is(s.ok(['list', '--format', 'json']).trim(), 'null');
});

test('a zombie init is reported as stopped', () => {
  // Under the test runner's subreaper the init is reaped; the status must be stopped either way.
  const id = uniqueId('zomb');
  s.ok(['run', '-d', '--bundle', s.bundle((c) => (c.process!.args = ['true'])), id]);
  assert.is(waitStatus(id, 'stopped'), 'stopped');
  s.ok(['delete', id]);
});

test.run();
