// Global flags, logging and `spec`, as a user (or containerd's shim) uses them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync, existsSync, statfsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Session, uniqueId, ROOTFS, cgroupDirsFor } from '../lib/harness.js';

const CGROUP2_SUPER_MAGIC = 0x63677270;
const s = new Session();
test.after(() => s.cleanup());

test('--log with --log-format json writes runc-style error lines', () => {
  const logFile = join(s.tmp, 'log.json');
  const r = s.tsrunc(['state', 'ghost'], { globals: ['--log', logFile, '--log-format', 'json'] });
  assert.is(r.code, 1);
  assert.match(r.stderr, 'container does not exist');
  const lines = readFileSync(logFile, 'utf8').trim().split('\n');
  const last = JSON.parse(lines[lines.length - 1]);
  assert.is(last.level, 'error');
  assert.is(last.msg, 'container does not exist');
  assert.match(last.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('--log with text format', () => {
  const logFile = join(s.tmp, 'log.txt');
  s.tsrunc(['kill', 'ghost'], { globals: ['--log', logFile, '--log-format', 'text'] });
  assert.match(readFileSync(logFile, 'utf8'), /^time="[^"]+" level=error msg="container does not exist"$/m);
});

test('--version: runc\'s lines in runc\'s order, with the build and libseccomp', () => {
  const lines = s.ok(['--version']).trim().split('\n');
  assert.is(lines.length, 5, lines.join('\n'));
  assert.match(lines[0], /^tsrunc version \d+\.\d+\.\d+/);
  assert.match(lines[1], /^commit: \S+$/);
  assert.is(lines[2], 'spec: 1.3.0');
  assert.match(lines[3], /^runtime: (node v\d+|bun \S+ \(self-contained\))/);
  assert.match(lines[4], /^libseccomp: \d+\.\d+\.\d+$/);
  assert.equal(s.ok(['-v']).trim().split('\n'), lines);
});

/** The stage lines the stub sends with --debug (what runc's debug.bats looks for too). */
const INIT_STAGES = ['nsexec container setup', 'child process in init()', 'init: closing the pipe to signal completion'];

test('--debug traces each stage of the init: on stderr, or in --log as text or JSON', () => {
  const bundle = s.bundle((c) => (c.process!.args = ['echo', 'hello']));
  const r = s.tsrunc(['--debug', 'run', '--bundle', bundle, uniqueId('dbg')]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'hello\n');
  for (const stage of INIT_STAGES) assert.match(r.stderr, new RegExp(`level=debug msg="${stage.replace(/[()]/g, '\\$&')}`));
  for (const format of ['text', 'json']) {
    const logFile = join(s.tmp, `debug.${format}`);
    const l = s.tsrunc(['--log', logFile, '--log-format', format, '--debug', 'run', '--bundle', bundle, uniqueId('dbg')]);
    assert.is(l.code, 0, l.stderr);
    assert.not.match(l.stderr, 'level=debug');
    const text = readFileSync(logFile, 'utf8');
    if (format === 'json') {
      const entries = text.trim().split('\n').map((line) => JSON.parse(line) as { level: string; msg: string });
      for (const stage of INIT_STAGES) assert.ok(entries.some((e) => e.level === 'debug' && e.msg.startsWith(stage)), stage);
    } else for (const stage of INIT_STAGES) assert.ok(text.includes(`level=debug msg="${stage}`), stage);
  }
  // without --debug: no trace
  assert.not.match(s.tsrunc(['run', '--bundle', bundle, uniqueId('dbg')]).stderr, 'level=debug');
});

test('--debug exec traces the setns of each namespace; --log is created even when nothing is logged', () => {
  const id = uniqueId('dbgx');
  s.ok(['run', '-d', '--bundle', s.bundle((c) => (c.process!.args = ['sleep', '300'])), id]);
  const logFile = join(s.tmp, 'exec-debug.log');
  assert.is(s.tsrunc(['--debug', '--log', logFile, 'exec', id, 'true']).code, 0);
  const text = readFileSync(logFile, 'utf8');
  assert.match(text, /level=debug msg="nsexec: setns into mnt namespace \/proc\/\d+\/ns\/mnt"/);
  assert.match(text, 'setns_init: about to exec /bin/true');
  const quiet = join(s.tmp, 'quiet.log');
  assert.is(s.tsrunc(['--log', quiet, 'list']).code, 0);
  assert.ok(existsSync(quiet), '--log file created at start');
  s.ok(['delete', '--force', id]);
});

test('help in runc\'s layout; help for an unknown command fails', () => {
  for (const args of [['-h'], ['--help'], ['help'], []]) {
    const lines = s.ok(args).split('\n');
    assert.is(lines[0], 'NAME:', args.join(' '));
    assert.match(lines[1], /^ {3}tsrunc - Open Container Initiative runtime/);
    assert.ok(lines.includes('COMMANDS:') && lines.includes('GLOBAL OPTIONS:'));
  }
  for (const args of [['checkpoint', '-h'], ['help', 'delete'], ['list', '--help'], ['exec', '-h']]) {
    const lines = s.ok(args).split('\n');
    assert.is(lines[0], 'NAME:');
    assert.match(lines[1], new RegExp(`^ {3}tsrunc ${args[0] === 'help' ? args[1] : args[0]} - `));
    assert.ok(lines.includes('USAGE:'));
  }
  for (const args of [['foo', '-h'], ['help', 'foo']]) {
    const r = s.tsrunc(args);
    assert.is.not(r.code, 0);
    assert.match(r.stderr, "No help topic for 'foo'");
  }
});

test('run --keep leaves the stopped container and its cgroup until delete', () => {
  const id = uniqueId('keep');
  const cgroupsPath = `/${id}`;
  const r = s.tsrunc(['run', '--keep', '--bundle', s.bundle((c) => {
    c.process!.args = ['true'];
    c.linux!.cgroupsPath = cgroupsPath;
  }), id]);
  assert.is(r.code, 0, r.stderr);
  assert.is(s.state(id).status, 'stopped');
  assert.ok(cgroupDirsFor(id).length > 0, 'cgroup kept');
  assert.is(s.tsrunc(['kill', id, '0']).code, 1, 'signal 0: not running');
  s.ok(['delete', id]);
  assert.equal(cgroupDirsFor(id), []);
});

test('device access strings as leniently as runc ("rwa", repeats, any order)', () => {
  const r = s.runOnce((c) => {
    c.linux!.resources = { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwa' }, { allow: true, type: 'c', major: 1, minor: 5, access: 'wwrr' }] };
  }, ['sh', '-c', 'echo x > /dev/null && head -c 1 /dev/zero | wc -c']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim(), '1');
});

test('spec writes a default config.json and refuses to overwrite it', () => {
  const dir = join(s.tmp, 'specbundle');
  mkdirSync(dir, { recursive: true });
  s.ok(['spec', '--bundle', dir]);
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  assert.is(spec.ociVersion, '1.3.0');
  assert.is(spec.process.noNewPrivileges, true);
  assert.ok(spec.linux.maskedPaths.includes('/proc/kcore'));
  assert.ok(spec.linux.namespaces.some((n: { type: string }) => n.type === 'pid'));
  // runc's template: a cgroup namespace only on a pure cgroup v2 host (this one is hybrid)
  const v2 = statfsSync('/sys/fs/cgroup').type === CGROUP2_SUPER_MAGIC;
  assert.is(spec.linux.namespaces.some((n: { type: string }) => n.type === 'cgroup'), v2);
  const again = s.tsrunc(['spec', '--bundle', dir]);
  assert.is(again.code, 1);
  assert.match(again.stderr, 'exists');
});

test('the spec default config runs after setting only args and terminal', () => {
  const dir = join(s.tmp, 'demo');
  mkdirSync(dir, { recursive: true });
  s.ok(['spec'], { cwd: dir });
  symlinkSync(ROOTFS, join(dir, 'rootfs'));
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['sh', '-c', 'echo it works; hostname'];
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
  const r = s.tsrunc(['run', uniqueId('spec')], { cwd: dir });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'it works\ntsrunc\n');
});

test('create --bundle is relative to the working directory; --pid-file too', () => {
  const bundle = s.bundle((c) => (c.process!.args = ['sleep', '20']));
  const id = uniqueId('rel');
  s.ok(['create', '--bundle', '.', '--pid-file', 'init.pid', id], { cwd: bundle });
  assert.ok(existsSync(join(bundle, 'init.pid')));
  assert.is(s.state(id).bundle, bundle);
  s.ok(['delete', '--force', id]);
});

test.run();
