// Global flags, logging and `spec`, as a user (or containerd's shim) uses them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync, existsSync, statfsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Session, uniqueId, ROOTFS } from '../lib/harness.js';

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

test('--debug is accepted and --version prints versions', () => {
  const v = s.ok(['--version']);
  assert.match(v, /tsrunc version \d+\.\d+\.\d+/);
  assert.match(v, /spec: 1\.3\.0/);
  assert.is(s.tsrunc(['--debug', 'list']).code, 0);
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

test('checkpoint and restore accept runc\'s flags and say they are not supported', () => {
  for (const args of [['checkpoint', '--image-path', s.tmp, '--leave-running', 'c1'], ['restore', '-d', '--bundle', s.tmp, 'c1']]) {
    const r = s.tsrunc(args);
    assert.is(r.code, 1);
    assert.match(r.stderr, `${args[0]} is not supported by tsrunc`);
  }
});

test.run();
