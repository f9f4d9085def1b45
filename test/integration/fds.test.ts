// What a container process holds of the host: only fds 0-2 (plus the
// preserved and socket-activation fds it was given), and a cwd inside its
// own root (CVE-2024-21626 class).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session, TSRUNC, uniqueId, type Result } from '../lib/harness.js';

const s = new Session();
test.after(() => s.cleanup());

// The fds a process started by the container's shell inherits. Listing the
// shell's own /proc/$$/fd would race with its pipeline fds, and ls itself
// always holds one more (its directory).
// The fds of a child once it has exec'd `sleep` (before that the shell is still
// redirecting its stdin, and fd 0 may be missing for a moment).
const FD_LIST = 'sleep 5 & until [ "$(head -c5 /proc/$!/cmdline)" = sleep ]; do :; done; ls /proc/$!/fd | tr "\\n" " "';

function inside(script: string, mutate: Parameters<Session['runOnce']>[0] = () => {}): string {
  const r = s.runOnce(mutate, ['sh', '-c', script]);
  if (r.code !== 0) throw new Error(`container exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** `tsrunc run` through sh, which opens extra fds first (`redirects`, e.g. `3<file`). */
function runWithFds(redirects: string, args: string[], script: string, env: Record<string, string> = {}): Result {
  const bundle = s.bundle((c) => (c.process!.args = ['sh', '-c', script]));
  const cmd = [TSRUNC, '--root', s.root, 'run', ...args, '--bundle', bundle, uniqueId('fds')];
  const quoted = cmd.map((a) => `'${a}'`).join(' ');
  const prefix = Object.entries(env).map(([k, v]) => `${k}=${v} `).join('');
  const r = spawnSync('sh', ['-c', `${prefix}exec ${quoted} ${redirects}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const hostFile = (name: string, text: string): string => {
  const p = join(s.tmp, name);
  writeFileSync(p, text);
  return p;
};

test('the container process holds only fds 0, 1 and 2', () => {
  assert.is(inside(FD_LIST), '0 1 2 ');
});

test('the cwd is inside the rootfs: /proc/self/cwd is a container path, .. of / is the container root', () => {
  const out = inside('readlink /proc/self/cwd; cd /; ls .. | tr "\\n" " "; echo; ls / | tr "\\n" " "', (c) => (c.process!.cwd = '/tmp'));
  const [cwd, parent, root] = out.split('\n');
  assert.is(cwd, '/tmp');
  assert.is(parent, root);
  assert.match(parent, 'bin ');
  assert.is.not(parent, readdirSync('/').sort().join(' ') + ' ');
});

test('a cwd through /proc/self/fd/N (a leaked fd) is refused', () => {
  for (const n of [3, 4, 5, 6, 7, 8]) {
    const r = s.runOnce((c) => (c.process!.cwd = `/proc/self/fd/${n}`), ['sh', '-c', 'echo inside; pwd; ls']);
    assert.is(r.code, 1, `cwd /proc/self/fd/${n} ran: ${r.stdout}`);
    assert.is(r.stdout, '');
  }
  assert.equal(s.containers(), []);
});

test('--preserve-fds 1: fd 3 of tsrunc is fd 3 of the container', () => {
  const file = hostFile('preserved.txt', 'from the host\n');
  const r = runWithFds(`3<'${file}'`, ['--preserve-fds', '1'], `cat /proc/self/fd/3; ${FD_LIST}`);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'from the host\n0 1 2 3 ');
});

test('--preserve-fds beyond the fds tsrunc was given is refused (runtime fds stay out)', () => {
  const file = hostFile('one.txt', 'one\n');
  const r = runWithFds(`3<'${file}'`, ['--preserve-fds', '3'], 'ls /proc/$$/fd');
  assert.is(r.code, 1);
  assert.match(r.stderr, /^tsrunc: unable to stat preserved-fd 1 \(of 3\): /);
  assert.is(r.stdout, '');
  assert.equal(s.containers(), []);
});

test('LISTEN_FDS for tsrunc\'s own pid: the fds come first, the container sees LISTEN_FDS=n and LISTEN_PID=1', () => {
  const a = hostFile('listen.txt', 'listen\n');
  const b = hostFile('extra.txt', 'extra\n');
  // $$ in the outer sh is the pid tsrunc gets through exec.
  const bundle = s.bundle((c) => (c.process!.args = ['sh', '-c', `echo "$LISTEN_FDS $LISTEN_PID"; cat /proc/self/fd/3 /proc/self/fd/4; ${FD_LIST}`]));
  const cmd = `LISTEN_FDS=1 LISTEN_PID=$$ exec '${TSRUNC}' --root '${s.root}' run --preserve-fds 1 --bundle '${bundle}' ${uniqueId('listen')} 3<'${a}' 4<'${b}'`;
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, '1 1\nlisten\nextra\n0 1 2 3 4 ');
});

test('LISTEN_FDS meant for another process is ignored', () => {
  const a = hostFile('other.txt', 'other\n');
  const r = runWithFds(`3<'${a}'`, [], `echo "[$LISTEN_FDS]"; ${FD_LIST}`, { LISTEN_FDS: '1', LISTEN_PID: '1' });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '[]\n0 1 2 ');
});

test.run();
