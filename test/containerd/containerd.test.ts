// containerd end-to-end: a private containerd drives the runtime under test
// (TSRUNC_E2E_RUNTIME, default bin/tsrunc) through `ctr run --runc-binary`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  Containerd, RUNTIME, announceRuntime, buildBusyboxOciArchive, cleanupOnExit, describe, missingExecutableError, mountsUnder,
  run, runWithTty, uniqueName,
} from './lib.js';

announceRuntime('containerd');

const missing = ['containerd', 'ctr', 'script'].filter((c) => run('sh', ['-c', `command -v ${c}`]).code !== 0);
const skipReason = process.getuid?.() !== 0
  ? 'needs root'
  : missing.length
    ? `not installed: ${missing.join(', ')} (run scripts/setup.sh)`
    : !existsSync(RUNTIME)
      ? `runtime ${RUNTIME} does not exist`
      : undefined;

let d: Containerd | undefined;
let imageDir: string | undefined;
let setupError: Error | undefined;

function teardown(): void {
  try {
    d?.stop();
  } finally {
    if (imageDir) rmSync(imageDir, { recursive: true, force: true });
  }
}
cleanupOnExit(teardown);

// A failing before-hook would hide its error in uvu; keep it and fail every test with it.
test.before(() => {
  if (skipReason) return;
  try {
    imageDir = mkdtempSync('/tmp/tsrunc-e2e-image-');
    const archive = buildBusyboxOciArchive(imageDir);
    d = new Containerd();
    d.start();
    d.importImage(archive);
  } catch (e) {
    setupError = e as Error;
  }
});
test.after(teardown);

/** Declares a test that is skipped (with the reason printed) when the suite cannot run here. */
function e2e(name: string, fn: (d: Containerd) => void): void {
  if (skipReason) {
    test.skip(`${name} (skipped: ${skipReason})`, () => {});
    return;
  }
  test(name, () => {
    if (setupError) throw setupError;
    fn(d!);
  });
}
if (skipReason) console.log(`# containerd: skipping: ${skipReason}`);

function ctrRun(d: Containerd, flags: string[], id: string, args: string[], timeoutMs = 60_000) {
  const argv = ['run', ...flags, ...d.runtimeFlags(), d.image, id, ...args];
  return { argv, r: d.ctr(argv, { timeoutMs }) };
}

/** Runs `sleep 600` detached, hands its id to fn, and force-removes it afterwards whatever fn did. */
function withDetached(d: Containerd, prefix: string, fn: (id: string) => void): void {
  const id = uniqueName(prefix);
  const { argv, r } = ctrRun(d, ['-d'], id, ['sleep', '600']);
  assert.is(r.code, 0, describe('ctr', argv, r));
  try {
    fn(id);
  } finally {
    if (d.taskStatus(id) !== undefined) d.ctr(['task', 'delete', '--force', id]);
    d.ctr(['containers', 'delete', id]);
  }
}

e2e('ctr run --rm prints the container output and removes the container', (d) => {
  const id = uniqueName('rm');
  const { argv, r } = ctrRun(d, ['--rm'], id, ['sh', '-c', 'echo hello from $(cat /etc/hostname 2>/dev/null || echo busybox); id -u']);
  assert.is(r.code, 0, describe('ctr', argv, r));
  assert.is(r.stdout, 'hello from tsrunc\n0\n');
  assert.not.ok(d.ok(['containers', 'ls', '-q']).split('\n').includes(id), 'container removed by --rm');
});

e2e('a non-zero exit code propagates through ctr', (d) => {
  const id = uniqueName('exit');
  const { argv, r } = ctrRun(d, ['--rm'], id, ['sh', '-c', 'echo before-exit; exit 3']);
  assert.is(r.code, 3, describe('ctr', argv, r));
  assert.is(r.stdout, 'before-exit\n');
});

const EXEC = (d: Containerd, id: string, args: string[]) =>
  d.ctr(['task', 'exec', '--fifo-dir', d.fifoDir, '--exec-id', uniqueName('x'), id, ...args]);

e2e('ctr task exec: output and exit code of the exec\'d process', (d) => withDetached(d, 'exec', (id) => {
  assert.is(d.waitTaskStatus(id, 'RUNNING'), 'RUNNING');
  const ex = EXEC(d, id, ['sh', '-c', 'echo exec-out; echo exec-err >&2; exit 5']);
  assert.is(ex.code, 5, describe('ctr task exec', [], ex));
  assert.is(ex.stdout, 'exec-out\n');
  assert.match(ex.stderr, /exec-err/);
  const ex0 = EXEC(d, id, ['cat', '/proc/1/cmdline']);
  assert.is(ex0.code, 0, describe('ctr task exec', [], ex0));
  assert.is(ex0.stdout, 'sleep\0' + '600\0', 'exec joins the container\'s pid namespace');
}));

e2e('ctr task ps lists the container init by host pid', (d) => withDetached(d, 'ps', (id) => {
  const initPid = d.ok(['task', 'ls']).split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[0] === id)?.[1];
  assert.ok(initPid && /^\d+$/.test(initPid), `init pid of ${id} in ctr task ls`);
  const ps = d.ok(['task', 'ps', id]);
  const psPids = ps.split('\n').slice(1).map((l) => l.trim().split(/\s+/)[0]).filter(Boolean);
  assert.equal(psPids, [initPid], `ctr task ps output:\n${ps}`);
  assert.is(readFileSync(`/proc/${initPid}/cmdline`, 'utf8'), 'sleep\0' + '600\0');
}));

e2e('ctr task pause and resume', (d) => withDetached(d, 'pause', (id) => {
  d.ok(['task', 'pause', id]);
  assert.is(d.waitTaskStatus(id, 'PAUSED'), 'PAUSED');
  d.ok(['task', 'resume', id]);
  assert.is(d.waitTaskStatus(id, 'RUNNING'), 'RUNNING');
}));

e2e('ctr task metrics reads the container cgroup', (d) => withDetached(d, 'metrics', (id) => {
  // The shim finds the cgroup through /proc/<init>/cgroup right after create.
  const metrics = JSON.parse(d.ok(['task', 'metrics', '--format', 'json', id])) as {
    pids?: { current?: number };
    memory?: { usage?: { usage?: number } };
  };
  assert.is(metrics.pids?.current, 1, `pids.current = number of container processes: ${JSON.stringify(metrics.pids)}`);
  assert.ok((metrics.memory?.usage?.usage ?? 0) > 0, `memory usage: ${JSON.stringify(metrics.memory?.usage)}`);
}));

e2e('ctr task kill, task delete, container delete', (d) => withDetached(d, 'kill', (id) => {
  d.ok(['task', 'kill', '--signal', 'SIGKILL', id]);
  assert.is(d.waitTaskStatus(id, 'STOPPED'), 'STOPPED');
  const del = d.ctr(['task', 'delete', id]);
  assert.is(del.code, 0, describe('ctr task delete', [id], del));
  assert.is(d.taskStatus(id), undefined);
  d.ok(['containers', 'delete', id]);
  assert.not.ok(d.ok(['containers', 'ls', '-q']).split('\n').includes(id));
  assert.not.ok(existsSync(join(d.runcRoot, d.namespace, id)), 'runtime state removed');
}));

e2e('ctr run -t gives the container a terminal', (d) => {
  const id = uniqueName('tty');
  const argv = d.ctrArgv(['run', '--rm', '-t', ...d.runtimeFlags(), d.image, id, 'sh', '-c', 'tty; [ -t 0 ] && [ -t 1 ] && echo "tty-ok $TERM"']);
  const r = runWithTty(argv);
  assert.is(r.code, 0, describe('script', argv, r));
  const out = r.stdout.replace(/\r/g, '').replace(/\^@|\0/g, '');
  assert.match(out, /^\/dev\/pts\/\d+$/m);
  assert.match(out, /^tty-ok xterm$/m);
});

e2e('ctr task exec -t gives the exec a terminal', (d) => withDetached(d, 'xtty', (id) => {
  const execArgv = d.ctrArgv(['task', 'exec', '-t', '--fifo-dir', d.fifoDir, '--exec-id', uniqueName('x'), id, 'sh', '-c', 'tty; exit 4']);
  const ex = runWithTty(execArgv);
  assert.is(ex.code, 4, describe('script', execArgv, ex));
  assert.match(ex.stdout.replace(/\r/g, ''), /\/dev\/pts\/\d+/);
}));

e2e('a failing create shows the runtime error through ctr', (d) => {
  const id = uniqueName('bad');
  const { argv, r } = ctrRun(d, ['--rm'], id, ['no-such-binary-e2e']);
  assert.is.not(r.code, 0, describe('ctr', argv, r));
  assert.match(r.stderr, /OCI runtime (create|start) failed/, describe('ctr', argv, r));
  assert.match(r.stderr, missingExecutableError(), `runtime message expected in ctr's error:\n${r.stderr}`);
  assert.is(d.taskStatus(id), undefined);
  d.ctr(['containers', 'delete', id]);
});

e2e('nothing is left behind: tasks, runtime state, rootfs mounts', (d) => {
  assert.is(d.ok(['task', 'ls', '-q']).trim(), '');
  const rootDir = join(d.runcRoot, d.namespace);
  const left = existsSync(rootDir) ? readdirSync(rootDir) : [];
  assert.equal(left, [], `runtime state dirs left in ${rootDir}`);
  assert.equal(mountsUnder(join(d.dir, 'state')), [], 'rootfs mounts left');
});

test.run();
