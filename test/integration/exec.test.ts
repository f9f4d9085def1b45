// tsrunc exec: a new process in a running container, checked from the host
// and from inside (namespaces, cgroup, rootfs, credentials, fds, exit codes).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOTFS, Session, TSRUNC, uniqueId, withPipes } from '../lib/harness.js';
import { consoleReceiver } from '../lib/console-receiver.js';
import type { Spec } from '../../src/spec/config.js';

const s = new Session();
test.after(() => s.cleanup());

/** A detached container running `sleep`; returns its id and init pid. */
function running(mutate: (spec: Spec) => void = () => {}): { id: string; pid: number } {
  const id = uniqueId('exec');
  const bundle = s.bundle((c) => {
    c.process!.args = ['sleep', '1000'];
    mutate(c);
  });
  s.ok(['run', '-d', '--bundle', bundle, id]);
  return { id, pid: s.state(id).pid };
}

const main = running((c) => {
  c.process!.capabilities = {
    bounding: ['CAP_KILL', 'CAP_CHOWN', 'CAP_NET_RAW'],
    effective: ['CAP_KILL', 'CAP_CHOWN'],
    permitted: ['CAP_KILL', 'CAP_CHOWN'],
  };
  c.process!.env = ['PATH=/bin:/usr/bin', 'TERM=xterm', 'FROM_CONFIG=yes'];
});

function statusField(text: string, key: string): string {
  const m = text.match(new RegExp(`^${key}:\\s*(.*)$`, 'm'));
  return m ? m[1].trim() : '';
}

/** A promise that fails the test instead of hanging it. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

function waitFor(cond: () => boolean, ms = 5000): boolean {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    spawnSync('sleep', ['0.05']);
  }
  return cond();
}

test('prints output and returns the exit code; flags after the id belong to the command', () => {
  const r = s.tsrunc(['exec', main.id, 'sh', '-c', 'echo hello; echo oops >&2; exit 3']);
  assert.is(r.stdout, 'hello\n');
  assert.match(r.stderr, 'oops');
  assert.is(r.code, 3);
  assert.is(s.tsrunc(['exec', main.id, 'true']).code, 0);
});

test('runs in every namespace of the container', () => {
  const kinds = ['pid', 'mnt', 'net', 'uts', 'ipc', 'cgroup'];
  const out = s.ok(['exec', main.id, 'sh', '-c', kinds.map((k) => `readlink /proc/self/ns/${k}`).join('; ')]);
  const expected = kinds.map((k) => readlinkSync(`/proc/${main.pid}/ns/${k}`)).join('\n') + '\n';
  assert.is(out, expected);
  // and not in the host's
  assert.is.not(readlinkSync(`/proc/${main.pid}/ns/pid`), readlinkSync('/proc/self/ns/pid'));
});

test('sees the container rootfs', () => {
  const inside = s.ok(['exec', main.id, 'stat', '-c', '%d:%i', '/bin/busybox']).trim();
  const st = statSync(join(ROOTFS, 'bin/busybox'));
  assert.is(inside.split(':')[1], String(st.ino));
});

test('--detach with --pid-file: a live process in the container pid namespace and cgroup', () => {
  const pidFile = join(s.tmp, 'exec.pid');
  const r = s.tsrunc(['exec', '--detach', '--pid-file', pidFile, main.id, 'sleep', '300']);
  assert.is(r.code, 0, r.stderr);
  const text = readFileSync(pidFile, 'utf8');
  assert.match(text, /^\d+$/); // containerd's shim parses it with Atoi: no newline
  const pid = Number(text);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const nspid = statusField(status, 'NSpid').split(/\s+/);
  assert.is(nspid.length, 2);
  assert.is(nspid[0], String(pid));
  assert.ok(Number(nspid[1]) > 1);
  assert.is(readlinkSync(`/proc/${pid}/ns/pid`), readlinkSync(`/proc/${main.pid}/ns/pid`));
  assert.is(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), readFileSync(`/proc/${main.pid}/cgroup`, 'utf8'));
  // the container sees it under its own number
  assert.match(s.ok(['exec', main.id, 'ps']), new RegExp(`^\\s*${nspid[1]}\\s+\\S+\\s+sleep 300$`, 'm'));
  process.kill(pid, 'SIGKILL');
});

test('gets the container process settings: caps, env, user, cwd', () => {
  const status = s.ok(['exec', main.id, 'cat', '/proc/self/status']);
  const initStatus = readFileSync(`/proc/${main.pid}/status`, 'utf8');
  for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) {
    assert.is(statusField(status, set), statusField(initStatus, set), set);
  }
  assert.is(statusField(status, 'NoNewPrivs'), statusField(initStatus, 'NoNewPrivs'));
  assert.is(s.ok(['exec', main.id, 'sh', '-c', 'echo $FROM_CONFIG; pwd; id -u']), 'yes\n/\n0\n');
});

test('--env, --cwd, --user, --additional-gids, --cap', () => {
  const out = s.ok([
    'exec', '-e', 'FOO=bar', '--env', 'TERM=dumb', '--cwd', '/tmp', '-u', '1000:1000', '-g', '5', '--additional-gids', '100',
    main.id, 'sh', '-c', 'echo "$FOO $TERM $FROM_CONFIG"; pwd; id -u; id -g; id -G',
  ]);
  assert.is(out, 'bar dumb yes\n/tmp\n1000\n1000\n1000 5 100\n');
  const caps = s.ok(['exec', '--cap', 'CAP_NET_RAW', main.id, 'cat', '/proc/self/status']);
  assert.is(BigInt('0x' + statusField(caps, 'CapEff')) & (1n << 13n), 1n << 13n);
});

test('--process: the process comes from the file, positional command ignored', () => {
  const file = join(s.tmp, 'process.json');
  writeFileSync(file, JSON.stringify({
    args: ['sh', '-c', 'echo "$A"; pwd; id -u; id -g'],
    cwd: '/etc',
    env: ['PATH=/bin', 'A=from-json'],
    user: { uid: 2, gid: 3 },
  }));
  assert.is(s.ok(['exec', '--process', file, main.id]), 'from-json\n/etc\n2\n3\n');
  // without capabilities of its own, the process gets the container's
  const status = s.ok(['exec', '-p', writeProcess({ args: ['cat', '/proc/self/status'], cwd: '/', env: ['PATH=/bin'] }), main.id]);
  assert.is(statusField(status, 'CapBnd'), statusField(readFileSync(`/proc/${main.pid}/status`, 'utf8'), 'CapBnd'));
  const bad = s.tsrunc(['exec', '-p', writeProcess({ args: [] }), main.id]);
  assert.is(bad.code, 255);
  assert.match(bad.stderr, '/cwd: is required');
});

function writeProcess(p: object): string {
  const file = join(s.tmp, `process-${uniqueId()}.json`);
  writeFileSync(file, JSON.stringify(p));
  return file;
}

test('exec --user 1000 can reopen its stdio pipes (as runc\'s fixStdioPermissions)', () => {
  const script = 'cat /dev/stdin; echo to-stdout > /dev/stdout; echo to-stderr > /dev/stderr';
  const r = withPipes(['--root', s.root, 'exec', '--user', '1000:1000', main.id, 'sh', '-c', script], 'from-stdin\n');
  assert.equal(r.lines, ['E:to-stderr', 'from-stdin', 'to-stdout']);
});

test('only fds 0-2 reach the process', () => {
  const out = join(s.tmp, 'fds.out');
  const fo = openSync(out, 'w');
  const extra = openSync('/etc/hostname', 'r');
  const r = spawnSync(TSRUNC, ['--root', s.root, 'exec', main.id, 'sh', '-c', 'ls /proc/$$/fd; true'], {
    stdio: ['ignore', fo, 'inherit', extra, extra],
  });
  closeSync(fo);
  closeSync(extra);
  assert.is(r.status, 0);
  assert.is(readFileSync(out, 'utf8'), '0\n1\n2\n');
});

test('signals reach the foreground process', async () => {
  const child = spawn(TSRUNC, ['--root', s.root, 'exec', main.id, 'sh', '-c', 'trap "exit 7" TERM; echo ready; while :; do sleep 0.1; done'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  try {
    await within(new Promise<void>((resolve) => child.stdout!.once('data', () => resolve())), 20_000, 'the process to start');
    child.kill('SIGTERM');
    assert.is(await within(exited, 20_000, 'tsrunc to exit'), 7);
  } finally {
    child.kill('SIGKILL');
  }
});

test('the container seccomp filter applies to exec too', () => {
  const c = running((spec) => {
    spec.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdirat', 'mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
    };
  });
  const r = s.tsrunc(['exec', c.id, 'sh', '-c', 'grep Seccomp: /proc/self/status; mkdir /tmp/x']);
  assert.match(r.stdout, /Seccomp:\s+2/);
  assert.match(r.stderr, /Operation not permitted/i);
  assert.is.not(r.code, 0);
});

test('--tty --detach --console-socket (containerd exec -t): the pty master goes to the socket', async () => {
  const rx = consoleReceiver(s.tmp, uniqueId('console'), { until: 'END' });
  let out = '';
  try {
    const pidFile = join(s.tmp, 'tty-exec.pid');
    const r = s.tsrunc(['exec', '--tty', '--detach', '--console-socket', rx.socket, '--pid-file', pidFile, main.id, 'sh', '-c', 'tty; echo END']);
    assert.is(r.code, 0, r.stderr);
    assert.match(readFileSync(pidFile, 'utf8'), /^\d+$/);
    out = await within(rx.output, 20_000, 'the receiver to read the pty');
  } finally {
    rx.kill();
  }
  assert.match(out.replace(/\r/g, ''), /^name=\/dev\/pts\/ptmx fds=1\n\/dev\/pts\/\d+\nEND/);
});

test('--tty in the foreground: the process gets a terminal, tsrunc its exit status', () => {
  const command = `${TSRUNC} --root ${s.root} exec -t ${main.id} sh -c 'test -t 0 && tty; exit 4'`;
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
  assert.match(r.stdout, /\/dev\/pts\/\d+/);
  assert.is(r.status, 4);
});

test('--preserve-fds: fd 3 reaches the process', () => {
  const out = join(s.tmp, 'preserve.out');
  const fo = openSync(out, 'w');
  const extra = openSync('/etc/hostname', 'r');
  const r = spawnSync(TSRUNC, ['--root', s.root, 'exec', '--preserve-fds', '1', main.id, 'sh', '-c', 'ls /proc/$$/fd; true'], {
    stdio: ['ignore', fo, 'inherit', extra],
  });
  closeSync(fo);
  closeSync(extra);
  assert.is(r.status, 0);
  assert.is(readFileSync(out, 'utf8'), '0\n1\n2\n3\n');
});

test('errors: missing executable, stopped, paused, unknown container, bad flags', () => {
  const missing = s.tsrunc(['exec', main.id, '/nonexistent']);
  assert.is(missing.code, 255);
  assert.match(missing.stderr, 'exec failed: ');
  assert.match(missing.stderr, '/nonexistent');

  const gone = s.tsrunc(['exec', 'no-such-container', 'true']);
  assert.is(gone.code, 255);
  assert.match(gone.stderr, 'exec failed: container does not exist');

  const empty = s.tsrunc(['exec', main.id]);
  assert.is(empty.code, 255);
  assert.match(empty.stderr, 'exec args cannot be empty');

  assert.match(s.tsrunc(['exec', '--cwd', 'rel', main.id, 'true']).stderr, '--cwd must be an absolute path: rel');
  assert.match(s.tsrunc(['exec', '-u', 'abc', main.id, 'true']).stderr, 'bad uid');
  assert.match(s.tsrunc(['exec', '-e', 'NOEQUALS', main.id, 'true']).stderr, 'invalid environment variable: "NOEQUALS"');
  assert.match(s.tsrunc(['exec', '-t', '-d', main.id, 'true']).stderr, 'cannot allocate tty if tsrunc will detach without setting console socket');
  assert.match(s.tsrunc(['exec', '--console-socket', '/tmp/x.sock', main.id, 'true']).stderr, 'cannot use console socket');
  assert.match(s.tsrunc(['exec', '--cgroup', '../../escape', main.id, 'true']).stderr, '../../escape is not a sub cgroup path');

  const stopped = running();
  process.kill(stopped.pid, 'SIGKILL');
  assert.ok(waitFor(() => s.state(stopped.id).status === 'stopped'));
  const r = s.tsrunc(['exec', stopped.id, 'true']);
  assert.is(r.code, 255);
  assert.match(r.stderr, 'cannot exec in a stopped container');
});

test('exec into a paused container is refused', () => {
  const c = running();
  const pause = s.tsrunc(['pause', c.id]);
  if (pause.code !== 0) return; // pause not available in this build
  const r = s.tsrunc(['exec', c.id, 'true']);
  s.ok(['resume', c.id]);
  assert.is(r.code, 255);
  assert.match(r.stderr, 'cannot exec in a paused container');
});

test.run();
