// process.terminal: the pty master handed to a --console-socket (read by a
// small receiver written like runc's recvtty), the foreground `run` proxy
// (driven through script(1) so tsrunc has a terminal), and runc's flag rules.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, TSRUNC, processesMentioning, uniqueId } from '../lib/harness.js';
import { consoleReceiver } from '../lib/console-receiver.js';
import type { Spec } from '../../src/spec/config.js';

const s = new Session();
test.after(() => s.cleanup());

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A receiver on a fresh socket path: what it printed once the pty hung up. */
function receiver(): { socket: string; output: Promise<string> } {
  return consoleReceiver(s.tmp, uniqueId('console'));
}

function withTerminal(script: string, mutate: (c: Spec) => void = () => {}): (c: Spec) => void {
  return (c) => {
    c.process!.terminal = true;
    c.process!.args = ['sh', '-c', script];
    mutate(c);
  };
}

/** tsrunc with a terminal: `script` gives it a pty as stdin/stdout, like an interactive shell. */
function underScript(command: string, input = ''): { code: number; out: string } {
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout };
}

function runCommand(bundle: string, id: string): string {
  return `${TSRUNC} --root ${s.root} run --bundle ${bundle} ${id}`;
}

test('create --console-socket: the master arrives by SCM_RIGHTS; the container has the pty as tty and stdio', async () => {
  const r = receiver();
  const bundle = s.bundle(
    withTerminal('tty; stty size; ls -ln /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2; stat -c "%u %t:%T" $(tty) /dev/console; printf "fds: "; ls /proc/self/fd | tr "\\n" " "; echo', (c) => {
      c.process!.consoleSize = { height: 33, width: 101 };
      c.process!.user = { uid: 1000, gid: 1000 };
    }),
  );
  const id = uniqueId('sock');
  // a failure here must not leave the container for the next tests' "nothing left" checks
  try {
    await consoleSocketCase(r, bundle, id);
  } finally {
    s.tsrunc(['delete', '--force', id]);
  }
});

async function consoleSocketCase(r: ReturnType<typeof receiver>, bundle: string, id: string): Promise<void> {
  s.ok(['create', '--bundle', bundle, '--console-socket', r.socket, id]);
  s.ok(['start', id]);
  const out = (await r.output).replace(/\r\n/g, '\n');
  const lines = out.split('\n');
  assert.is(lines[0], 'name=/dev/pts/ptmx fds=1');
  assert.is(lines[1], '/dev/pts/0');
  assert.is(lines[2], '33 101');
  for (const fd of [0, 1, 2]) assert.match(out, new RegExp(`/proc/self/fd/${fd} -> /dev/pts/0`));
  // owned by the container's user; /dev/console is the same pty (136 = 0x88)
  assert.match(out, /\n1000 88:0\n\d+ 88:0\n/);
  // the socket and the master stayed outside: ls has only the pty and the directory it reads (3)
  assert.match(out, '\nfds: 0 1 2 3 \n');
}

test('a relative --console-socket is taken from the working directory', async () => {
  const r = receiver();
  const bundle = s.bundle(withTerminal('tty'));
  const id = uniqueId('rel');
  const name = r.socket.slice(s.tmp.length + 1);
  s.ok(['create', '--bundle', bundle, '--console-socket', name, id], { cwd: s.tmp });
  s.ok(['start', id]);
  assert.match(await r.output, '/dev/pts/0');
  s.ok(['delete', '--force', id]);
});

test('runc rules: a detached terminal needs a console socket, a console socket needs a detached terminal', () => {
  const tty = s.bundle(withTerminal('true'));
  const plain = s.bundle((c) => (c.process!.args = ['true']));
  const a = s.tsrunc(['create', '--bundle', tty, uniqueId('nosock')]);
  assert.is(a.code, 1);
  assert.is(a.stderr, 'tsrunc: cannot allocate tty if tsrunc will detach without setting console socket\n');
  const b = s.tsrunc(['run', '--detach', '--bundle', tty, uniqueId('nosock')]);
  assert.is(b.stderr, 'tsrunc: cannot allocate tty if tsrunc will detach without setting console socket\n');
  const c = s.tsrunc(['create', '--bundle', plain, '--console-socket', '/tmp/x.sock', uniqueId('notty')]);
  assert.is(c.stderr, 'tsrunc: cannot use console socket if tsrunc will not detach or allocate tty\n');
  const d = s.tsrunc(['run', '--bundle', tty, '--console-socket', '/tmp/x.sock', uniqueId('fg')]);
  assert.is(d.stderr, 'tsrunc: cannot use console socket if tsrunc will not detach or allocate tty\n');
  assert.equal(s.containers(), []);
});

test('a console socket nobody listens on fails create and leaves nothing', () => {
  const bundle = s.bundle(withTerminal('true'));
  const r = s.tsrunc(['create', '--bundle', bundle, '--console-socket', join(s.tmp, 'nobody.sock'), uniqueId('nolisten')]);
  assert.is(r.code, 1);
  assert.match(r.stderr, `connect to console socket ${join(s.tmp, 'nobody.sock')}: no such file or directory`);
  assert.equal(s.containers(), []);
});

test('foreground run proxies the pty: tty, consoleSize, input and exit status', () => {
  const bundle = s.bundle(withTerminal('tty; stty size; read line; echo "got $line"; exit 3', (c) => {
    c.process!.consoleSize = { height: 24, width: 80 };
  }));
  const r = underScript(runCommand(bundle, uniqueId('fg')), 'hello\n');
  const out = r.out.replace(/\r\n/g, '\n');
  assert.match(out, '/dev/pts/0\n24 80\n');
  assert.match(out, 'got hello\n');
  assert.is(r.code, 3);
  assert.equal(s.containers(), []);
});

test('a resize of the host terminal reaches the container (SIGWINCH)', async () => {
  const bundle = s.bundle(withTerminal('stty size; sleep 2; stty size', (c) => {
    c.process!.consoleSize = { height: 24, width: 80 };
  }));
  const ttyFile = join(s.tmp, `${uniqueId('tty')}.name`);
  const child = spawn('script', ['-qec', `tty > ${ttyFile}; ${runCommand(bundle, uniqueId('winch'))}`, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  for (let i = 0; i < 1000 && !out.includes('24 80'); i++) await new Promise((r) => setTimeout(r, 10));
  assert.match(out, '24 80');
  // script's pty is tsrunc's terminal: resizing it signals tsrunc's process group
  const pty = readFileSync(ttyFile, 'utf8').trim();
  assert.is(spawnSync('stty', ['-F', pty, 'rows', '50', 'cols', '132']).status, 0);
  assert.is(await done, 0);
  assert.match(out.replace(/\r\n/g, '\n'), '24 80\n50 132\n');
});

test('the host terminal is raw while the container runs and restored after', () => {
  const bundle = s.bundle(withTerminal('true'));
  const probe = (when: string) => `printf '${when}: '; stty -a | grep -o -- '-\\?icanon' `;
  const r = underScript(`${probe('before')}; ${runCommand(bundle, uniqueId('raw'))}; ${probe('after')}`);
  const out = r.out.replace(/\r\n/g, '\n');
  assert.match(out, 'before: icanon\n');
  assert.match(out, 'after: icanon\n');
});

test('output written just before exit is not lost', () => {
  const bundle = s.bundle(withTerminal('i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done'));
  const r = underScript(runCommand(bundle, uniqueId('drain')));
  assert.is(r.code, 0);
  assert.match(r.out, 'line 1999\r\n');
});

test('a failing foreground run with a terminal leaves no proxy and no socket behind', () => {
  const before = readdirSync(tmpdir()).filter((n) => n.startsWith('tsrunc-console-'));
  const bundle = s.bundle(withTerminal('true', (c) => (c.process!.args = ['/no/such/program'])));
  const r = underScript(runCommand(bundle, uniqueId('fail')));
  assert.is(r.code, 1);
  assert.match(r.out, 'no such file or directory');
  const after = readdirSync(tmpdir()).filter((n) => n.startsWith('tsrunc-console-'));
  assert.equal(after.filter((n) => !before.includes(n)), []);
  assert.equal(processesMentioning('console-proxy'), []);
  assert.equal(s.containers(), []);
});

test('the terminal config is not refused any more', () => {
  const r = s.runOnce(withTerminal('true'), undefined);
  // no terminal on our side and no --console-socket: a foreground run still works (output to our stdout)
  assert.is(r.code, 0, r.stderr);
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes('tsrunc-console-'));
});

test.run();
