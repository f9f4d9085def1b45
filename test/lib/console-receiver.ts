// A --console-socket receiver written like runc's recvtty, in python because Node
// cannot receive fds: it accepts one connection, takes the fd from SCM_RIGHTS, prints
// "name=<payload> fds=<n>", then everything it reads from that fd until the pty hangs
// up (EIO) or, with `until`, that marker has been read.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SCRIPT = `
import array, os, socket, sys
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1])
srv.listen(1)
open(sys.argv[1] + '.listening', 'w').close()
until = sys.argv[2].encode() if len(sys.argv) > 2 else None
conn, _ = srv.accept()
fds = array.array('i')
msg, anc, _, _ = conn.recvmsg(4096, socket.CMSG_SPACE(fds.itemsize))
for level, kind, data in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
sys.stdout.write('name=%s fds=%d\\n' % (msg.decode(), len(fds)))
sys.stdout.flush()
out = b''
while until is None or until not in out:
    try:
        chunk = os.read(fds[0], 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    sys.stdout.write(chunk.decode(errors='replace'))
    sys.stdout.flush()
`;

export interface ConsoleReceiver {
  socket: string;
  /** What it printed so far. */
  text(): string;
  /** What it printed, once it has ended. */
  output: Promise<string>;
  kill(): void;
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Starts a receiver on a fresh socket in dir; returns once it listens. */
export function consoleReceiver(dir: string, name: string, opts: { until?: string } = {}): ConsoleReceiver {
  const script = join(dir, 'recvtty.py');
  if (!existsSync(script)) writeFileSync(script, SCRIPT);
  const socket = join(dir, `${name}.sock`);
  const child = spawn('python3', [script, socket, ...(opts.until ? [opts.until] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const output = new Promise<string>((resolve) => child.on('close', () => resolve(out)));
  for (let i = 0; i < 500 && !existsSync(`${socket}.listening`); i++) sleepMs(10);
  if (!existsSync(`${socket}.listening`)) throw new Error('the console receiver did not start (python3 missing?)');
  return { socket, text: () => out, output, kill: () => child.kill('SIGKILL') };
}
