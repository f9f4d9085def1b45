// --pidfd-socket (runc >= 1.2): create/run and exec send a pidfd of the
// container's process over a unix socket (SCM_RIGHTS), which an engine can
// then signal or poll without a pid-reuse race.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session, uniqueId } from '../lib/harness.js';

const s = new Session();
test.after(() => s.cleanup());

/** Accepts one connection, takes the fd, prints "<payload> <pid the pidfd refers to>"; with "kill", kills through it when told. */
const RECEIVER = `
import array, os, signal, socket, sys
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1])
srv.listen(1)
print("listening", flush=True)
conn, _ = srv.accept()
fds = array.array("i")
msg, anc, _, _ = conn.recvmsg(64, socket.CMSG_SPACE(fds.itemsize))
for level, kind, data in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
fd = fds[0]
pid = [l.split()[1] for l in open("/proc/self/fdinfo/%d" % fd) if l.startswith("Pid:")][0]
print(msg.decode(), pid, flush=True)
if len(sys.argv) > 2:
    sys.stdin.readline()  # once the runtime's command has returned
    signal.pidfd_send_signal(fd, signal.SIGKILL)
    print("killed", flush=True)
`;

async function receive(kill: boolean, act: (socketPath: string) => void): Promise<string> {
  const script = join(s.tmp, 'pidfd-receiver.py');
  writeFileSync(script, RECEIVER);
  const socketPath = join(s.tmp, `pidfd-${uniqueId()}.sock`);
  const child = spawn('python3', [script, socketPath, ...(kill ? ['kill'] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const done = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    const deadline = Date.now() + 10_000;
    while (!out.includes('listening')) {
      if (Date.now() > deadline) throw new Error('the receiver did not listen');
      await new Promise((r) => setTimeout(r, 20));
    }
    act(socketPath);
    child.stdin!.on('error', () => {}); // it may have exited already
    if (kill) child.stdin!.write('go\n');
    await Promise.race([done, new Promise((_r, reject) => setTimeout(() => reject(new Error(`no pidfd came: ${out}`)), 20_000))]);
  } finally {
    child.kill('SIGKILL');
  }
  return out.replace('listening\n', '');
}

test('create --pidfd-socket: a pidfd of the init ("standard"), usable to kill it', async () => {
  const id = uniqueId('pidfd');
  const bundle = s.bundle((c) => (c.process!.args = ['sleep', '300']));
  const pidFile = join(s.tmp, `${id}.pid`);
  const out = await receive(true, (sock) => s.ok(['create', '--pidfd-socket', sock, '--pid-file', pidFile, '--bundle', bundle, id]));
  assert.is(out, `standard ${readFileSync(pidFile, 'utf8').trim()}\nkilled\n`);
  const deadline = Date.now() + 10_000;
  while (s.state(id).status !== 'stopped' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.is(s.state(id).status, 'stopped');
  s.ok(['delete', id]);
});

test('exec --pidfd-socket: a pidfd of the exec\'d process ("setns")', async () => {
  const id = uniqueId('pidfdx');
  s.ok(['run', '-d', '--bundle', s.bundle((c) => (c.process!.args = ['sleep', '300'])), id]);
  const pidFile = join(s.tmp, `${id}.exec.pid`);
  const out = await receive(false, (sock) => s.ok(['exec', '-d', '--pidfd-socket', sock, '--pid-file', pidFile, id, 'sleep', '300']));
  assert.is(out, `setns ${readFileSync(pidFile, 'utf8').trim()}\n`);
  s.ok(['delete', '--force', id]);
});

test('run --pidfd-socket to a socket nobody listens on: a clear error, nothing left', () => {
  const id = uniqueId('pidfdbad');
  const sock = join(s.tmp, 'nobody.sock');
  const r = s.tsrunc(['run', '-d', '--pidfd-socket', sock, '--bundle', s.bundle((c) => (c.process!.args = ['true'])), id]);
  assert.is(r.code, 1);
  assert.match(r.stderr, `connect to pidfd socket ${sock}: no such file or directory`);
  assert.not.ok(s.containers().includes(id), 'no state dir');
});

test.run();
