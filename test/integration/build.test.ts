// What a user of either build sees: the self-contained binary works when it is
// the only file copied to a machine's PATH, --version says which build it is,
// and --debug traces where the time of a container start goes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SELF_CONTAINED, Session, TSRUNC, uniqueId } from '../lib/harness.js';

const s = new Session();
const lonely = mkdtempSync('/tmp/tsrunc-alone-');
test.after(() => {
  s.cleanup();
  rmSync(lonely, { recursive: true, force: true });
});

test('--version names the version, the commit, the spec and the runtime build', () => {
  const out = s.ok(['--version']);
  const lines = out.trim().split('\n');
  assert.match(lines[0], /^tsrunc version \d+\.\d+\.\d+/);
  assert.ok(lines.some((l) => /^commit: \S+/.test(l)), out);
  assert.ok(lines.includes('spec: 1.3.0'), out);
  const runtime = lines.find((l) => l.startsWith('runtime: '));
  assert.ok(runtime, out);
  assert.match(runtime!, SELF_CONTAINED ? /^runtime: bun \S+ \(self-contained\)$/ : /^runtime: node v\d+/);
});

test('the self-contained binary runs a container when it is the only file in its directory', () => {
  if (!SELF_CONTAINED) {
    console.log('    (Node build: needs its checkout; nothing to check)');
    return;
  }
  const copy = join(lonely, 'tsrunc');
  copyFileSync(TSRUNC, copy);
  const bundle = s.bundle((c) => (c.process!.args = ['sh', '-c', 'echo alone $$']));
  const r = spawnSync(copy, ['--root', join(lonely, 'root'), 'run', '--bundle', bundle, uniqueId('alone')], {
    cwd: '/',
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin' },
    timeout: 60_000,
  });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'alone 1\n');
});

test('files in the working directory (bunfig.toml preload, .env) are not loaded by the runtime', () => {
  // containerd runs the runtime as root in the bundle directory: a bunfig.toml there must not run code
  const cwd = mkdtempSync(join(s.tmp, 'cwd-'));
  const marker = join(cwd, 'pwned');
  writeFileSync(join(cwd, 'evil.js'), `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x'); console.log('PWNED');`);
  writeFileSync(join(cwd, 'bunfig.toml'), `preload = [${JSON.stringify(join(cwd, 'evil.js'))}]\n`);
  writeFileSync(join(cwd, '.env'), 'TSRUNC_FROM_DOTENV=1\n');
  writeFileSync(join(cwd, 'package.json'), '{"type": "commonjs"}');
  const r = s.tsrunc(['list'], { cwd });
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stdout, 'PWNED');
  assert.not.ok(existsSync(marker), 'the preload script ran');
  const bundle = s.bundle((c) => (c.process!.args = ['sh', '-c', 'echo "[$TSRUNC_FROM_DOTENV]"']));
  const run = s.tsrunc(['run', '--bundle', bundle, uniqueId('cwd')], { cwd });
  assert.is(run.stdout, '[]\n', run.stderr);
});

/** The timing lines of a --debug log, as [step, ms]. */
function timings(log: string, command: string): [string, number][] {
  const re = new RegExp(`timing: ${command}: (.+?) (\\d+\\.\\d+) ms \\(at (\\d+\\.\\d+) ms\\)`, 'g');
  return [...log.matchAll(re)].map((m) => [m[1], Number(m[2])]);
}

test('--debug traces each step of run with its duration', () => {
  const bundle = s.bundle((c) => (c.process!.args = ['true']));
  const r = s.tsrunc(['run', '--bundle', bundle, uniqueId('timed')], { globals: ['--debug'] });
  assert.is(r.code, 0, r.stderr);
  const steps = timings(r.stderr, 'run').map(([name]) => name);
  for (const want of ['start-up', 'load and validate config', 'compile plan', 'cgroup create and apply', 'stub: init cloned (namespaces)', 'stub: init ready (mounts, pivot_root, process set-up)', 'exec.fifo released', 'wait (container ran and exited)', 'delete']) {
    assert.ok(steps.includes(want), `missing step "${want}" in:\n${r.stderr}`);
  }
  // without --debug: nothing
  const quiet = s.tsrunc(['run', '--bundle', bundle, uniqueId('quiet')]);
  assert.is(quiet.stderr, '');
});

test('--debug traces exec, and JSON logs carry the same lines', () => {
  const bundle = s.bundle((c) => (c.process!.args = ['sleep', '60']));
  const id = uniqueId('timed-exec');
  s.ok(['run', '--detach', '--bundle', bundle, id]);
  const log = join(s.tmp, `${id}.log`);
  const r = s.tsrunc(['exec', id, 'true'], { globals: ['--debug', '--log', log, '--log-format', 'json'] });
  assert.is(r.code, 0, r.stderr);
  const lines = spawnSync('cat', [log], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string });
  const steps = lines.filter((l) => l.level === 'debug').map((l) => l.msg);
  assert.ok(steps.some((m) => m.startsWith('timing: exec: stub: process ready')), steps.join('\n'));
  assert.ok(steps.some((m) => m.startsWith('timing: exec: wait (process ran and exited)')), steps.join('\n'));
  s.ok(['delete', '--force', id]);
});

test.run();
