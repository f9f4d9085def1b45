// The terminal flag rules (runc's checkTerminal), the CONSOLE record, and
// which fds become the container's extra fds (LISTEN_FDS, --preserve-fds).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkTerminal, openConsole } from '../../src/runtime/console.js';
import { extraFds } from '../../src/runtime/extra-fds.js';
import { encodePlan, RecordType } from '../../src/plan/encode.js';
import { compilePlan } from '../../src/plan/compile.js';
import { defaultConfig } from '../../src/spec/default-config.js';
import type { Spec } from '../../src/spec/config.js';

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

test('checkTerminal: detached terminal needs a socket; a socket needs a detached terminal', () => {
  assert.is(message(() => checkTerminal(true, true, undefined)), 'cannot allocate tty if tsrunc will detach without setting console socket');
  assert.is(message(() => checkTerminal(false, true, '/s')), 'cannot use console socket if tsrunc will not detach or allocate tty');
  assert.is(message(() => checkTerminal(true, false, '/s')), 'cannot use console socket if tsrunc will not detach or allocate tty');
  assert.is(message(() => checkTerminal(true, true, '/s')), '');
  assert.is(message(() => checkTerminal(true, false, undefined)), '');
  assert.is(message(() => checkTerminal(false, false, undefined)), '');
});

test('openConsole: a console socket becomes the CONSOLE record with consoleSize, the path made absolute', async () => {
  const c = await openConsole({ cwd: '/', args: ['sh'], terminal: true, consoleSize: { height: 40, width: 120 } }, true, 'rel.sock');
  assert.equal(c.console, { socket: `${process.cwd()}/rel.sock`, rows: 40, cols: 120 });
  assert.is(c.proxy, undefined);
  assert.equal(await openConsole({ cwd: '/', args: ['sh'] }, true, undefined), {});
});

test('CONSOLE is encoded as socket, rows, cols after SETSID', () => {
  const spec = defaultConfig({ rootless: false }) as Spec;
  spec.root = { path: '/tmp' };
  const plan = compilePlan(spec, { bundle: '/b', noPivot: false });
  plan.console = { socket: '/run/c.sock', rows: 24, cols: 80 };
  const buf = encodePlan(plan);
  const records: [number, string][] = [];
  for (let off = 8; off < buf.length; ) {
    const type = buf.readUInt16LE(off);
    const len = buf.readUInt32LE(off + 2);
    records.push([type, buf.subarray(off + 6, off + 6 + len).toString('latin1')]);
    off += 6 + len;
  }
  const at = records.findIndex(([t]) => t === RecordType.CONSOLE);
  assert.equal(records[at], [RecordType.CONSOLE, '/run/c.sock\u000024\u000080\u0000']);
  assert.is(records[at - 1][0], RecordType.SETSID);
});

test('extraFds: nothing by default; LISTEN_FDS only for our own pid', () => {
  assert.equal(extraFds(0, {}), { fds: [], env: [] });
  assert.equal(extraFds(0, { LISTEN_FDS: '2', LISTEN_PID: String(process.pid + 1) }), { fds: [], env: [] });
  assert.equal(extraFds(0, { LISTEN_FDS: '2', LISTEN_PID: String(process.pid) }), { fds: [3, 4], env: ['LISTEN_FDS=2', 'LISTEN_PID=1'] });
});

test('extraFds: a preserved fd must be open and not one of Node\'s own', () => {
  // In this process fd 3 and up are Node's (epoll, eventfd, pipe pairs) or free.
  assert.match(message(() => extraFds(1, {})), /^unable to stat preserved-fd 0 \(of 1\): /);
  assert.match(message(() => extraFds(-1, {})), /^--preserve-fds: must be a non-negative integer/);
});

test.run();
