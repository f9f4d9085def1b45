// checkpoint / restore with the guest's CRIU (3.17, whose `criu check` passes there):
// a counting container is checkpointed and restored and goes on counting, under the
// same id and a new one, detached and in the foreground, from a pre-dump chain, with
// its stdio pipes handed to the restoring process; CRIU's errors name its log.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session, TSRUNC, uniqueId } from '../lib/harness.js';
import type { Spec } from '../../src/spec/config.js';
import { consoleReceiver } from '../lib/console-receiver.js';
import { cgroupOf, dirOf, fileIn, pidsOf, sh, start, waitFor } from './lib.js';

const s = new Session();
test.after(() => {
  for (const id of s.containers()) s.tsrunc(['delete', '--force', id]);
  s.cleanup();
});

// Counts into /out/n (one line, rewritten) with its stdio on files of its own, so the
// dump holds nothing of the test process.
const COUNTER = 'exec </dev/null >/out/log 2>&1; i=0; while true; do i=$((i+1)); echo $i > /out/n; sleep 0.1; done';

function count(out: string): number {
  return Number(fileIn(out, 'n') ?? '0');
}

/** The last lines of CRIU's log, for an assertion message. */
function logTail(dir: string, file: string): string {
  const p = join(dir, file);
  return existsSync(p) ? readFileSync(p, 'utf8').trimEnd().split('\n').slice(-15).join('\n') : `(no ${p})`;
}

function checkpoint(id: string, img: string, extra: string[] = []): void {
  const r = s.tsrunc(['checkpoint', '--image-path', img, ...extra, id]);
  assert.is(r.code, 0, `${r.stderr}\n${logTail(img, 'dump.log')}`);
}

function restore(id: string, img: string, bundle: string, extra: string[] = []): void {
  const r = s.tsrunc(['restore', '-d', '--image-path', img, '--bundle', bundle, ...extra, id]);
  assert.is(r.code, 0, `${r.stderr}\n${logTail(img, 'restore.log')}`);
}

function stillCounting(out: string, after: number): void {
  waitFor(`the counter past ${after}`, () => count(out) > after + 2, 60_000);
}

test('checkpoint stops and removes the container; restore brings it back and it goes on counting', () => {
  const { id, out, bundle } = start(s, COUNTER);
  waitFor('the counter', () => count(out) > 3);
  const img = join(s.tmp, uniqueId('img'));
  checkpoint(id, img);
  assert.ok(readdirSync(img).includes('inventory.img'), 'CRIU wrote its images');
  assert.ok(readdirSync(img).includes('dump.log'));
  assert.is.not(s.tsrunc(['state', id]).code, 0, 'the container is gone after checkpoint');
  const at = count(out);
  assert.ok(at > 3);
  // nothing counts while it is checkpointed
  spawnSync('sleep', ['1']);
  assert.is(count(out), at);

  restore(id, img, bundle);
  const st = s.state(id);
  assert.is(st.status, 'running');
  stillCounting(out, at);
  // it went on from where it was, not from 1
  assert.ok(count(out) > at, `${count(out)} > ${at}`);
  // in the container's cgroup, and ps sees it
  assert.is(cgroupOf(st.pid), dirOf(s, id).slice('/sys/fs/cgroup'.length));
  assert.ok(pidsOf(s, id).includes(st.pid));
  // the restored init keeps its pid namespace: it is pid 1 in it
  const status = readFileSync(`/proc/${st.pid}/status`, 'utf8');
  assert.match(status, /NSpid:\s+\d+\s+1\n/);
  s.ok(['kill', id, 'KILL']);
  waitFor('stopped', () => s.state(id).status === 'stopped');
  s.ok(['delete', id]);
});

test('checkpoint --leave-running keeps it running; restore into a new id with --pid-file and --work-path', () => {
  const { id, out, bundle } = start(s, COUNTER);
  waitFor('the counter', () => count(out) > 3);
  const img = join(s.tmp, uniqueId('img'));
  const work = join(s.tmp, uniqueId('work'));
  checkpoint(id, img, ['--leave-running', '--work-path', work]);
  assert.ok(existsSync(join(work, 'dump.log')), 'the log is in --work-path');
  assert.is(s.state(id).status, 'running');
  const at = count(out);
  stillCounting(out, at);
  s.ok(['delete', '--force', id]);

  const copy = uniqueId('copy');
  const pidFile = join(s.tmp, `${copy}.pid`);
  restore(copy, img, bundle, ['--pid-file', pidFile, '--work-path', work]);
  assert.ok(existsSync(join(work, 'restore.log')));
  const st = s.state(copy);
  assert.is(st.status, 'running');
  assert.is(st.id, copy);
  assert.is(Number(readFileSync(pidFile, 'utf8')), st.pid);
  // in the new container's cgroup, not the one the dump came from
  assert.is(cgroupOf(st.pid), dirOf(s, copy).slice('/sys/fs/cgroup'.length));
  assert.ok(dirOf(s, copy).includes(copy), dirOf(s, copy));
  stillCounting(out, count(out));
  s.ok(['delete', '--force', copy]);
});

test('--pre-dump, then a dump with --parent-path, restores', () => {
  const { id, out, bundle } = start(s, COUNTER);
  waitFor('the counter', () => count(out) > 3);
  const img = join(s.tmp, uniqueId('img'));
  checkpoint(id, join(img, 'pre'), ['--pre-dump']);
  assert.is(s.state(id).status, 'running', 'a pre-dump leaves it running');
  checkpoint(id, join(img, 'final'), ['--parent-path', '../pre']);
  assert.is.not(s.tsrunc(['state', id]).code, 0);
  const at = count(out);
  restore(id, join(img, 'final'), bundle);
  stillCounting(out, at);
  s.ok(['delete', '--force', id]);
});

test('a foreground restore waits for the container and exits with its code', () => {
  // counts to 30 and exits 7
  const script = 'exec </dev/null >/out/log 2>&1; i=0; while [ $i -lt 30 ]; do i=$((i+1)); echo $i > /out/n; sleep 0.1; done; exit 7';
  const { id, out, bundle } = start(s, script);
  waitFor('the counter', () => count(out) > 3);
  const img = join(s.tmp, uniqueId('img'));
  checkpoint(id, img);
  const r = s.tsrunc(['restore', '--image-path', img, '--bundle', bundle, id], { timeoutMs: 120_000 });
  assert.is(r.code, 7, `${r.stderr}\n${logTail(img, 'restore.log')}`);
  assert.is(count(out), 30);
  assert.is.not(s.tsrunc(['state', id]).code, 0, 'a foreground restore deletes the container at its end');
});

test('stdio pipes: the restored process writes to the restoring caller\'s pipe', async () => {
  const bundle = s.bundle((c) => {
    c.process!.args = ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo "n $i"; sleep 0.1; done'];
  });
  const id = uniqueId('pipe');
  // as an engine does: tsrunc's stdio are pipes (real ones: Node's 'pipe' stdio are socketpairs,
  // and the host's /dev/null or a log file is on a mount CRIU cannot see in the container);
  // the container keeps writing into the stdout pipe after tsrunc has gone
  const piped = (args: string[], name: string) => {
    const out = join(s.tmp, `${name}.out`);
    const err = join(s.tmp, `${name}.err`);
    const child = spawn('bash', ['-c', `exec 2> >(exec cat > "${err}"); : | "$@" | cat > "${out}"`, 'bash', TSRUNC, '--root', s.root, ...args], { stdio: 'ignore' });
    return { child, out: () => (existsSync(out) ? readFileSync(out, 'utf8') : ''), err: () => (existsSync(err) ? readFileSync(err, 'utf8') : '') };
  };
  const first = piped(['run', '-d', '--bundle', bundle, id], 'first');
  await new Promise<void>((resolve) => waitAsync(() => /n 5\n/.test(first.out()), resolve));
  assert.match(first.out(), /n 5\n/, first.err());
  const img = join(s.tmp, uniqueId('img'));
  checkpoint(id, img);
  const fds = JSON.parse(readFileSync(join(img, 'descriptors.json'), 'utf8')) as string[];
  assert.match(fds[0], /^pipe:\[\d+\]$/);
  assert.match(fds[1], /^pipe:\[\d+\]$/);
  const before = first.out();
  const second = piped(['restore', '-d', '--image-path', img, '--bundle', bundle, id], 'second');
  await new Promise<void>((resolve) => waitAsync(() => /(n \d+\n){3}/.test(second.out()) || second.child.exitCode !== null, resolve));
  const after = second.out();
  assert.match(after, /n \d+\n/, `restore: ${second.err()}\n${logTail(img, 'restore.log')}`);
  const last = Number(/n (\d+)\n$/.exec(before)?.[1] ?? '0');
  const next = Number(/n (\d+)/.exec(after)?.[1] ?? '0');
  assert.ok(next > last, `went on counting: ${next} after ${last}`);
  assert.is(first.out(), before, 'nothing more reaches the first caller\'s pipe');
  s.ok(['delete', '--force', id]);
  for (const p of [first, second]) p.child.kill();
});

/** Waits without blocking the event loop (the receivers' output arrives through it). */
function until(cond: () => boolean): Promise<void> {
  return new Promise((resolve) => waitAsync(cond, resolve));
}

function waitAsync(cond: () => boolean, done: () => void, ms = 60_000): void {
  const deadline = Date.now() + ms;
  const tick = (): void => {
    if (cond() || Date.now() > deadline) done();
    else setTimeout(tick, 50);
  };
  tick();
}

test('a terminal: restore --console-socket hands the pty master over, and the shell goes on', async () => {
  const bundle = s.bundle((c) => {
    c.process!.terminal = true;
    c.process!.args = ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo "t $i"; sleep 0.1; done'];
  });
  const id = uniqueId('tty');
  const first = consoleReceiver(s.tmp, uniqueId('console'));
  s.ok(['run', '-d', '--console-socket', first.socket, '--bundle', bundle, id]);
  await until(() => /t 5\r?\n/.test(first.text()));
  const img = join(s.tmp, uniqueId('img'));
  checkpoint(id, img);
  const before = await first.output;
  const refused = s.tsrunc(['restore', '-d', '--image-path', img, '--bundle', bundle, id]);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, '--console-socket');
  const second = consoleReceiver(s.tmp, uniqueId('console'));
  const r = s.tsrunc(['restore', '-d', '--console-socket', second.socket, '--image-path', img, '--bundle', bundle, id]);
  assert.is(r.code, 0, `${r.stderr}\n${logTail(img, 'restore.log')}`);
  await until(() => /t \d+\r?\n.*t \d+\r?\n/s.test(second.text().split('\n').slice(1).join('\n')));
  assert.match(second.text(), /^name=orphan-pts-master fds=1\n/);
  const last = Number(/t (\d+)\r?\n$/.exec(before)?.[1] ?? '0');
  const next = Number(/t (\d+)/.exec(second.text())?.[1] ?? '0');
  assert.ok(next > last, `went on counting: ${next} after ${last}`);
  s.ok(['delete', '--force', id]);
  await second.output;
});

test('--systemd-cgroup: restore starts the container\'s scope again, with its limits', () => {
  const SD = ['--systemd-cgroup'];
  const name = uniqueId('sdcr');
  const unit = `tsrunc-${name}.scope`;
  const { id, out, bundle } = start(s, COUNTER, (c) => {
    c.linux!.cgroupsPath = `system.slice:tsrunc:${name}`;
    c.linux!.resources = { ...c.linux!.resources, pids: { limit: 30 } };
  }, SD);
  waitFor('the counter', () => count(out) > 3);
  const img = join(s.tmp, uniqueId('img'));
  const r = s.tsrunc(['checkpoint', '--image-path', img, id], { globals: SD });
  assert.is(r.code, 0, `${r.stderr}\n${logTail(img, 'dump.log')}`);
  waitFor('the scope gone', () => sh(`systemctl is-active ${unit} || true`).trim() !== 'active');
  const at = count(out);
  const r2 = s.tsrunc(['restore', '-d', '--image-path', img, '--bundle', bundle, id], { globals: SD });
  assert.is(r2.code, 0, `${r2.stderr}\n${logTail(img, 'restore.log')}`);
  stillCounting(out, at);
  assert.is(sh(`systemctl is-active ${unit}`).trim(), 'active');
  const pid = JSON.parse(s.ok(['state', id], { globals: SD })).pid as number;
  assert.is(cgroupOf(pid), `/system.slice/${unit}`);
  assert.is(sh(`systemctl show -p TasksMax --value ${unit}`).trim(), '30');
  s.ok(['delete', '--force', id], { globals: SD });
  waitFor('the scope gone after delete', () => sh(`systemctl is-active ${unit} || true`).trim() !== 'active');
});

test('--tcp-established: a live TCP connection in an external network namespace is refused without it; with it, dumped, restored, unlocked, and carrying data again', () => {
  // runc leaves a new network namespace empty at restore (no loopback up): a connection
  // survives in a namespace the container joins by path, which restore joins again
  const netns = uniqueId('crnet');
  sh(`ip netns add ${netns} && ip -n ${netns} link set lo up`);
  try {
    // a loopback connection: the client sends the count, the server writes what it gets
    const script = 'exec </dev/null >/out/log 2>&1; (sleep 600 | nc -l -p 5000 > /out/recv) & sleep 0.5; ' +
      'i=0; while true; do i=$((i+1)); echo $i; echo $i > /out/n; sleep 0.1; done | nc 127.0.0.1 5000';
    const inNetns = (c: Spec) => {
      c.linux!.namespaces = c.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: `/var/run/netns/${netns}` } : n));
    };
    const { id, out, bundle } = start(s, script, inNetns);
    waitFor('the connection carrying data', () => (fileIn(out, 'recv') ?? '').split('\n').length > 5);
    const img = join(s.tmp, uniqueId('img'));
    const r = s.tsrunc(['checkpoint', '--image-path', img, id]);
    assert.is(r.code, 1);
    assert.match(r.stderr, /criu failed: type DUMP/);
    assert.match(readFileSync(join(img, 'dump.log'), 'utf8'), /tcp-established/);
    assert.is(s.state(id).status, 'running', 'a refused dump leaves it running');
    const img2 = join(s.tmp, uniqueId('img'));
    checkpoint(id, img2, ['--tcp-established']);
    const got = (fileIn(out, 'recv') ?? '').split('\n').length;
    // the dump locked the namespace, which outlives the dump (CRIU's iptables chain)
    assert.match(sh(`ip netns exec ${netns} iptables -S`), /-A INPUT -j CRIU/);
    restore(id, img2, bundle, ['--tcp-established']);
    // the restore unlocked it again (without tsrunc's rule CRIU locked it twice, its unlock
    // failed and the namespace stayed closed), and the restored connection carries data
    assert.not.match(sh(`ip netns exec ${netns} iptables -S`), /CRIU/);
    stillCounting(out, count(out));
    waitFor('data on the restored connection', () => (fileIn(out, 'recv') ?? '').split('\n').length > got + 5, 60_000);
    // (the loop's short-lived sleeps may be gone by the time their cmdline is read)
    const cmdline = (pid: number) => (existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '');
    const ncs = pidsOf(s, id).filter((pid) => {
      try {
        return cmdline(pid).startsWith('nc\0');
      } catch {
        return false;
      }
    });
    assert.is(ncs.length, 2, 'the client and the server nc');
    s.ok(['delete', '--force', id]);
  } finally {
    sh(`ip netns del ${netns} || true`);
  }
});

test('--lazy-pages: a page server dump, CRIU\'s lazy-pages daemon, a lazy restore into a new id', async () => {
  if (spawnSync('criu', ['check', '--feature', 'uffd-noncoop']).status !== 0) {
    // what a user sees where the kernel lacks it: CRIU's feature check, named
    const { id } = start(s, 'exec </dev/null >/dev/null 2>&1; sleep 600');
    const r = s.tsrunc(['checkpoint', '--lazy-pages', '--image-path', join(s.tmp, uniqueId('img')), id]);
    assert.is(r.code, 1);
    assert.match(r.stderr, '--lazy-pages is not supported');
    s.ok(['delete', '--force', id]);
    console.log('# lazy pages: this kernel has no non-cooperative userfaultfd; checked the error only');
    return;
  }
  const { id, out, bundle } = start(s, COUNTER);
  waitFor('the counter', () => count(out) > 3);
  const img = join(s.tmp, uniqueId('img'));
  const port = String(27000 + Math.floor(Math.random() * 1000));
  const dump = spawn(TSRUNC, ['--root', s.root, 'checkpoint', '--lazy-pages', '--page-server', `127.0.0.1:${port}`, '--status-fd', '3', '--image-path', img, id], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let dumpErr = '';
  dump.stderr!.on('data', (d: Buffer) => (dumpErr += d.toString()));
  let ready = '';
  (dump.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (ready += d.toString('latin1')));
  const dumped = new Promise<number>((resolve) => dump.on('exit', (code) => resolve(code ?? -1)));
  await until(() => ready.length > 0 || dump.exitCode !== null);
  assert.is(ready, '\0', `the status fd says the page server is ready: ${dumpErr}\n${logTail(img, 'dump.log')}`);
  assert.ok(existsSync(join(img, 'inventory.img')));
  const daemon = spawn('criu', ['lazy-pages', '--page-server', '--address', '127.0.0.1', '--port', port, '-D', img], { stdio: 'ignore' });
  const daemonDone = new Promise<number>((resolve) => daemon.on('exit', (code) => resolve(code ?? -1)));
  const copy = uniqueId('lazy');
  const at = count(out);
  const r = s.tsrunc(['restore', '-d', '--lazy-pages', '--image-path', img, '--bundle', bundle, copy]);
  assert.is(r.code, 0, `${r.stderr}\n${logTail(img, 'restore.log')}`);
  assert.is(await dumped, 0, `checkpoint: ${dumpErr}`);
  assert.is(await daemonDone, 0, 'criu lazy-pages');
  assert.is.not(s.tsrunc(['state', id]).code, 0, 'the original is gone once its pages are transferred');
  await until(() => count(out) > at + 2);
  assert.ok(count(out) > at + 2);
  assert.is(s.state(copy).status, 'running');
  s.ok(['delete', '--force', copy]);
});

test('errors: states, flags, images, and CRIU\'s own failures name its log', () => {
  assert.match(s.tsrunc(['checkpoint', 'nosuch']).stderr, /container does not exist|not exist/);
  const created = uniqueId('created');
  s.ok(['create', '--bundle', s.bundle((c) => (c.process!.args = ['true'])), created]);
  const r1 = s.tsrunc(['checkpoint', '--image-path', join(s.tmp, 'x'), created]);
  assert.is(r1.code, 1);
  assert.match(r1.stderr, 'Container cannot be checkpointed in created state');
  s.ok(['delete', '--force', created]);

  const { id, bundle } = start(s, 'exec </dev/null >/dev/null 2>&1; sleep 600');
  for (const [args, msg] of [
    [['--manage-cgroups-mode', 'bogus'], '--manage-cgroups-mode'],
    [['--page-server', 'nohostport'], '--page-server'],
    [['--parent-path', '/abs'], '--parent-path'],
    [['--parent-path', 'missing'], '--parent-path'],
  ] as const) {
    const r = s.tsrunc(['checkpoint', '--image-path', join(s.tmp, uniqueId('i')), ...args, id]);
    assert.is(r.code, 1, args.join(' '));
    assert.match(r.stderr, msg);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
    assert.is(s.state(id).status, 'running');
  }
  const r2 = s.tsrunc(['restore', '-d', '--image-path', join(s.tmp, 'nothing-here'), '--bundle', bundle, uniqueId('r')]);
  assert.is(r2.code, 1);
  assert.match(r2.stderr, 'nothing-here');
  // restoring under an id that exists
  const img = join(s.tmp, uniqueId('img'));
  checkpoint(id, img, ['--leave-running']);
  const r3 = s.tsrunc(['restore', '-d', '--image-path', img, '--bundle', bundle, id]);
  assert.is(r3.code, 1);
  assert.match(r3.stderr, `container with id exists: ${id}`);
  // a damaged image: CRIU's error comes back with the path of its log, and nothing is left
  const bad = join(s.tmp, uniqueId('bad'));
  cpSync(img, bad, { recursive: true });
  writeFileSync(join(bad, 'pstree.img'), 'not an image');
  const again = uniqueId('again');
  const r4 = s.tsrunc(['restore', '-d', '--image-path', bad, '--bundle', bundle, again]);
  assert.is(r4.code, 1, r4.stderr);
  assert.match(r4.stderr, /criu failed: type RESTORE/);
  assert.match(r4.stderr, `log file: ${join(bad, 'restore.log')}`);
  assert.ok(existsSync(join(bad, 'restore.log')));
  assert.is.not(s.tsrunc(['state', again]).code, 0, 'a failed restore leaves no container');
  assert.not.ok(existsSync(join(s.root, again)), 'nor its state dir');
  assert.is(sh(`find /sys/fs/cgroup -name '*${again}*'`).trim(), '', 'nor its cgroup');
  s.ok(['delete', '--force', id]);
});

test.run();
