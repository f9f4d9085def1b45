// CVE-2019-5736 class: the stub re-executes itself from a sealed memfd, so
// /proc/<init>/exe of a container never leads to nsexec/build/tsrunc-nsexec.
// Also the init's memory between create and start.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, readlinkSync, writeFileSync, constants } from 'node:fs';
import { join } from 'node:path';
import { Session, uniqueId } from '../lib/harness.js';
import { STUB_FILE } from '../lib/harness.js';

const s = new Session();
test.after(() => s.cleanup());

const stubSum = () => createHash('sha256').update(readFileSync(STUB_FILE)).digest('hex');

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function waitFor(path: string, ms = 20_000): void {
  for (let t = 0; t < ms && !existsSync(path); t += 20) sleepMs(20);
  assert.ok(existsSync(path), `timed out waiting for ${path}`);
}

/** A created (not started) container whose init waits in the stub. */
function createWaiting(): { id: string; pid: number } {
  const bundle = s.bundle((c) => (c.process!.args = ['sleep', '60']));
  const id = uniqueId('waiting');
  s.ok(['create', '--bundle', bundle, id]);
  return { id, pid: s.state(id).pid };
}

function statusKb(pid: number, key: string): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) : NaN;
}

test('the waiting init runs from a memfd, and is small', () => {
  const { id, pid } = createWaiting();
  assert.match(readlinkSync(`/proc/${pid}/exe`), /^\/memfd:tsrunc-nsexec/);
  const rss = statusKb(pid, 'VmRSS');
  console.log(`    init between create and start: VmRSS ${rss} kB (RssShmem ${statusKb(pid, 'RssShmem')} kB)`);
  assert.ok(rss < 2500, `init RSS ${rss} kB`);
  s.ok(['delete', '--force', id]);
});

test('the host cannot open the init\'s exe for writing', () => {
  const { id, pid } = createWaiting();
  let code = '';
  try {
    closeSync(openSync(`/proc/${pid}/exe`, constants.O_WRONLY));
  } catch (err) {
    code = (err as NodeJS.ErrnoException).code ?? '';
  }
  assert.ok(code === 'ETXTBSY' || code === 'EPERM', `open for writing gave "${code}"`);
  s.ok(['delete', '--force', id]);
});

test('a container that holds /proc/<init>/exe cannot write the stub binary after the init exec()s', () => {
  const before = stubSum();
  const target = createWaiting();
  // The attacker shares the host's pid namespace and may ptrace (it can reach /proc/<init>/exe).
  const sync = join(s.tmp, `sync-${target.id}`);
  mkdirSync(sync);
  const attacker = s.bundle((c) => {
    c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== 'pid');
    for (const set of ['bounding', 'effective', 'permitted'] as const) c.process!.capabilities![set]!.push('CAP_SYS_PTRACE');
    c.mounts!.push({ destination: '/sync', type: 'bind', source: sync, options: ['rbind', 'rw'] });
    c.process!.args = ['sh', '-c', [
      `exec 5</proc/${target.pid}/exe`,
      'readlink /proc/self/fd/5 > /sync/link',
      'touch /sync/opened',
      'while [ ! -e /sync/go ]; do sleep 0.02; done',
      'if { echo x >/proc/self/fd/5; } 2>/sync/err; then echo written; else echo refused; fi > /sync/result.tmp',
      'mv /sync/result.tmp /sync/result',
    ].join('\n')];
  });
  const attackerId = uniqueId('attacker');
  s.ok(['run', '--detach', '--bundle', attacker, attackerId]);
  waitFor(join(sync, 'opened'));
  assert.match(readFileSync(join(sync, 'link'), 'utf8'), /^\/memfd:tsrunc-nsexec/);
  // The stub leaves the picture: the init becomes `sleep`, nothing maps the copy any more.
  s.ok(['start', target.id]);
  writeFileSync(join(sync, 'go'), '');
  waitFor(join(sync, 'result'));
  assert.is(readFileSync(join(sync, 'result'), 'utf8'), 'refused\n');
  assert.match(readFileSync(join(sync, 'err'), 'utf8'), /not permitted|busy/i);
  assert.is(stubSum(), before);
  s.ok(['delete', '--force', target.id]);
  s.ok(['delete', '--force', attackerId]);
});

test('writing /proc/self/exe from inside a container fails and changes nothing on the host', () => {
  const before = stubSum();
  const r = s.runOnce(() => {}, ['sh', '-c', 'echo x > /proc/self/exe && echo written; echo x > /proc/1/exe && echo written; true']);
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stdout, 'written');
  assert.is(stubSum(), before);
});

test.run();
