// Bad input: one clear message, exit 1, and nothing left behind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Session, uniqueId, cgroupDirsFor, mountsUnder, processesMentioning, ROOTFS } from '../lib/harness.js';

const s = new Session();
test.after(() => s.cleanup());

/** create must fail with one message and leave no state dir, cgroup, mount or process. */
function createFails(bundle: string, expected: string | RegExp, id = uniqueId('bad')): string {
  const r = s.tsrunc(['create', '--bundle', bundle, id]);
  assert.is(r.code, 1, `exit code, stderr: ${r.stderr}`);
  assert.match(r.stderr, expected);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  assert.not.ok(existsSync(join(s.root, id)), 'no state dir');
  assert.equal(cgroupDirsFor(id), [], 'no cgroup');
  assert.equal(mountsUnder(ROOTFS), [], 'no mounts');
  assert.equal(processesMentioning(id), [], 'no stray process');
  return r.stderr;
}

test('missing bundle directory', () => {
  createFails(join(s.tmp, 'nope'), /bundle.*nope/);
});

test('missing config.json', () => {
  const dir = join(s.tmp, 'empty-bundle');
  mkdirSync(dir, { recursive: true });
  createFails(dir, /config\.json/);
});

test('invalid JSON reports line and column', () => {
  const dir = join(s.tmp, 'badjson');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), '{\n  "ociVersion": "1.3.0",\n  "process": {,\n}');
  createFails(dir, /line 3.*column \d+/);
});

test('schema violation names the JSON pointer', () => {
  createFails(s.bundle((c) => ((c.linux!.namespaces![0] as { type: string }).type = 'bogus')), '/linux/namespaces/0/type');
  createFails(s.bundle((c) => (c.process!.rlimits = [{ type: 'RLIMIT_FOO' as 'RLIMIT_CORE', soft: 1, hard: 1 }])), /\/process\/rlimits\/0\/type.*RLIMIT_FOO/);
});

test('missing rootfs', () => {
  createFails(s.bundle((c) => (c.root = { path: join(s.tmp, 'no-rootfs') })), /rootfs/);
});

test('empty process.args', () => {
  createFails(s.bundle((c) => (c.process!.args = [])), '/process/args');
});

test('executable not found in the container', () => {
  createFails(s.bundle((c) => (c.process!.args = ['/no/such/binary'])), /no\/such\/binary/);
  createFails(s.bundle((c) => (c.process!.args = ['nosuchcmd'])), /nosuchcmd.*not found/);
});

test('an id that is taken, or contains / or ..', () => {
  const id = uniqueId('dup');
  const bundle = s.bundle((c) => (c.process!.args = ['sleep', '30']));
  s.ok(['create', '--bundle', bundle, id]);
  const r = s.tsrunc(['create', '--bundle', bundle, id]);
  assert.is(r.code, 1);
  assert.is(r.stderr, `tsrunc: container with id exists: ${id}\n`, 'only that line (no cgroup warning for the first one\'s cgroup)');
  assert.is(s.state(id).status, 'created', 'the first container is untouched');
  s.ok(['delete', '--force', id]);
  for (const bad of ['a/b', '..', '../x']) {
    const r2 = s.tsrunc(['create', '--bundle', bundle, bad]);
    assert.is(r2.code, 1);
    assert.match(r2.stderr, 'invalid container id format');
  }
});

test('linux.intelRdt without resctrl is refused, not ignored (more in intel-rdt.test.ts)', () => {
  createFails(s.bundle((c) => (c.linux!.intelRdt = { closID: 'x' })), /^tsrunc: config\.json: \/linux\/intelRdt: is set, but Intel RDT is not enabled/);
});

test('unknown commands and flags', () => {
  let r = s.tsrunc(['frobnicate']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /unknown/i);
  r = s.tsrunc(['state', '--bogus', 'x']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /bogus/);
  r = s.tsrunc(['state']);
  assert.is(r.code, 1);
});

test('commands on a container that does not exist', () => {
  for (const cmd of [['state', 'ghost'], ['start', 'ghost'], ['kill', 'ghost'], ['delete', 'ghost']]) {
    const r = s.tsrunc(cmd);
    assert.is(r.code, 1, cmd.join(' '));
    assert.match(r.stderr, 'container does not exist');
  }
  assert.is(s.tsrunc(['delete', '--force', 'ghost']).code, 0);
});

test('an env entry without =, a rootfs that is a file', () => {
  createFails(s.bundle((c) => (c.process!.env = ['PATH'])), /\/process\/env\/0.*PATH.*KEY=value/);
  createFails(s.bundle((c) => (c.root = { path: join(s.bundle((x) => x), 'config.json') })), /rootfs.*not a directory/);
});

test('a --pid-file in a missing directory leaves nothing behind', () => {
  const id = uniqueId('pidfile');
  const r = s.tsrunc(['create', '--bundle', s.bundle((c) => (c.process!.args = ['sleep', '30'])), '--pid-file', join(s.tmp, 'nodir', 'pid'), id]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /pid file .*nodir\/pid: no such file or directory/);
  assert.not.ok(existsSync(join(s.root, id)), 'no state dir');
  assert.equal(cgroupDirsFor(id), [], 'no cgroup');
  assert.equal(processesMentioning(id), [], 'no stray process');
});

test('global flags: a bad --log-format is named, a repeated --root takes the last', () => {
  let r = s.tsrunc(['--log-format', 'xml', 'state', 'ghost']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /log-format.*xml/);
  r = s.tsrunc(['--root', join(s.tmp, 'other'), 'state', 'ghost']);
  assert.is(r.code, 1);
  assert.match(r.stderr, 'container does not exist');
});

test('spec into a missing directory', () => {
  const r = s.tsrunc(['spec', '--bundle', join(s.tmp, 'nodir', 'x')]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /config\.json: no such file or directory$/m);
  assert.not.match(r.stderr, /ENOENT/);
});

test('start fails at once when exec.fifo was replaced by a regular file', () => {
  const id = uniqueId('fifo');
  s.ok(['create', '--bundle', s.bundle((c) => (c.process!.args = ['sleep', '30'])), id]);
  const fifo = join(s.root, id, 'exec.fifo');
  rmSync(fifo);
  writeFileSync(fifo, '');
  const r = s.tsrunc(['start', id], { timeoutMs: 20_000 });
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /exec\.fifo is not a fifo/);
  assert.is(s.tsrunc(['delete', '--force', id]).code, 0);
  assert.not.ok(existsSync(join(s.root, id)));
});

test('a corrupted state.json: one line naming the file; delete --force still cleans up', () => {
  const id = uniqueId('corrupt');
  s.ok(['run', '-d', '--bundle', s.bundle((c) => (c.process!.args = ['sleep', '300'])), id]);
  const pid = s.state(id).pid;
  const file = join(s.root, id, 'state.json');
  writeFileSync(file, '{"id": "x", garbage');
  for (const cmd of [['state', id], ['kill', id, 'KILL'], ['delete', id]]) {
    const r = s.tsrunc(cmd);
    assert.is(r.code, 1, cmd.join(' '));
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, file);
    assert.not.match(r.stderr, /Unexpected token|JSON at position|is not valid JSON/);
  }
  const r = s.tsrunc(['delete', '--force', id]);
  assert.is(r.code, 0, r.stderr);
  assert.not.ok(existsSync(join(s.root, id)), 'no state dir');
  assert.equal(cgroupDirsFor(id), [], 'no cgroup');
  assert.not.ok(existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sleep'), 'the container process is gone');
});

test('a program that cannot be executed: run and start print the init\'s error and exit 1', () => {
  const dir = join(s.tmp, 'garbage-dir');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'garbage'), 'not a program\n');
  chmodSync(join(dir, 'garbage'), 0o755);
  const bundle = s.bundle((c) => {
    c.mounts!.push({ destination: '/tmp', type: 'bind', source: dir, options: ['rbind', 'ro'] });
    c.process!.args = ['/tmp/garbage'];
  });
  const r = s.tsrunc(['run', '--bundle', bundle, uniqueId('enoexec')]);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, 'exec /tmp/garbage: exec format error');
  const id = uniqueId('enoexec');
  s.ok(['create', '--bundle', bundle, id]);
  const st = s.tsrunc(['start', id]);
  assert.is(st.code, 1);
  assert.match(st.stderr, 'exec /tmp/garbage: exec format error');
  assert.is(s.state(id).status, 'stopped');
  s.ok(['delete', id]);
  // exec into a running container: the same error, exit 255 as runc's exec failures, foreground or detached
  const running = uniqueId('enoexec');
  s.ok(['run', '-d', '--bundle', s.bundle((c) => {
    c.mounts!.push({ destination: '/tmp', type: 'bind', source: dir, options: ['rbind', 'ro'] });
    c.process!.args = ['sleep', '300'];
  }), running]);
  for (const detach of [[], ['-d']]) {
    const ex = s.tsrunc(['exec', ...detach, running, '/tmp/garbage']);
    assert.is(ex.code, 255, ex.stderr);
    assert.match(ex.stderr, 'exec failed: exec /tmp/garbage: exec format error');
  }
  assert.is(s.tsrunc(['exec', running, 'true']).code, 0);
  s.ok(['delete', '--force', running]);
  // one argument longer than the kernel's MAX_ARG_STRLEN (128 KiB)
  const big = s.tsrunc(['run', '--bundle', s.bundle((c) => (c.process!.args = ['echo', 'x'.repeat(200_000)])), uniqueId('e2big')]);
  assert.is(big.code, 1);
  assert.match(big.stderr, /exec \/bin\/echo: argument list too long/);
});

test('a 100,000-deep config gets a clear error, not a stack overflow', () => {
  const dir = join(s.tmp, 'deep');
  mkdirSync(dir, { recursive: true });
  const depth = 100_000;
  // unfinished, so the parser fails and the error scanner walks all of it
  writeFileSync(join(dir, 'config.json'), `{"ociVersion":"1.3.0","x":${'['.repeat(depth)}`);
  const err = createFails(dir, /config\.json: nested too deeply \(more than 1000 levels of arrays and objects\) at line 1, column 1026/);
  assert.not.match(err, /Maximum call stack/);
});

test('kill: real-time signal names out of range are refused', () => {
  const id = uniqueId('rt');
  s.ok(['run', '-d', '--bundle', s.bundle((c) => (c.process!.args = ['sleep', '300'])), id]);
  for (const sig of ['SIGRTMAX-40', 'RTMIN+31', '65']) {
    const r = s.tsrunc(['kill', id, sig]);
    assert.is(r.code, 1, sig);
    assert.match(r.stderr, sig.startsWith('6') ? 'invalid signal number' : `unknown signal "${sig}"`);
  }
  assert.is(s.state(id).status, 'running');
  s.ok(['delete', '--force', id]);
});

test.run();
