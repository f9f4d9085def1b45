// Hooks without a container: the runner (real processes, no root needed), the
// states each step gives, the reply to the init, and the plan records.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { envObject, hookArgv, runHooks, runHooksWarn } from '../../src/hooks/run.js';
import { containerPid, hookReply, runPoststartHooks, runPoststopHooks } from '../../src/hooks/lifecycle.js';
import { compileHooks } from '../../src/plan/hooks.js';
import { encodePlan, RecordType } from '../../src/plan/encode.js';
import { compilePlan } from '../../src/plan/compile.js';
import { UserError } from '../../src/errors.js';
import type { Spec } from '../../src/spec/config.js';

const tmp = mkdtempSync('/tmp/tsrunc-hooks-unit-');
test.after(() => rmSync(tmp, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const p = join(tmp, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

function thrown(fn: () => void): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

test('a hook gets the state on stdin, exactly its args and exactly its env', () => {
  const out = join(tmp, 'exact');
  // /bin/sh -c: /proc/$$/cmdline and environ are what execve got, not what the shell added.
  const hook = {
    path: '/bin/sh',
    args: ['my-argv0', '-c', `cat > ${out}.stdin; tr '\\0' '\\n' < /proc/$$/cmdline > ${out}.argv; tr '\\0' '\\n' < /proc/$$/environ > ${out}.env`, 'x', 'two words'],
    env: ['A=1', 'B=with space', 'EMPTY='],
  };
  runHooks([hook], { id: 'c1', status: 'creating' }, 'createRuntime');
  assert.equal(JSON.parse(readFileSync(`${out}.stdin`, 'utf8')), { id: 'c1', status: 'creating' });
  assert.equal(readFileSync(`${out}.argv`, 'utf8').split('\n').slice(0, -1), hook.args);
  assert.equal(readFileSync(`${out}.env`, 'utf8').split('\n').slice(0, -1), hook.env);
});

test('without args argv[0] is the path; without env the runtime\'s environment (as runc), env [] is empty', () => {
  assert.equal(hookArgv({ path: '/bin/x' }), ['/bin/x']);
  assert.equal(hookArgv({ path: '/bin/x', args: [] }), ['/bin/x']);
  assert.equal(hookArgv({ path: '/bin/x', args: ['y', 'z'] }), ['y', 'z']);
  const out = join(tmp, 'noenv');
  const p = script('noenv.sh', `tr '\\0' '\\n' < /proc/$$/environ > ${out}; echo "$0" > ${out}.argv0`);
  process.env.TSRUNC_HOOK_PROBE = 'inherited';
  try {
    runHooks([{ path: p }], {}, 'prestart');
    assert.ok(readFileSync(out, 'utf8').split('\n').includes('TSRUNC_HOOK_PROBE=inherited'));
    assert.is(readFileSync(`${out}.argv0`, 'utf8'), `${p}\n`);
    runHooks([{ path: p, env: [] }], {}, 'prestart');
    assert.is(readFileSync(out, 'utf8'), '');
  } finally {
    delete process.env.TSRUNC_HOOK_PROBE;
  }
});

test('envObject keeps order; a later duplicate wins', () => {
  assert.equal(Object.entries(envObject(['B=2', 'A=1=x', 'C', 'B=3'])), [['B', '3'], ['A', '1=x'], ['C', '']]);
  assert.equal(envObject(undefined), {});
});

test('a failing hook stops the list with a UserError naming it and its first stderr line', () => {
  const log = join(tmp, 'fail-log');
  const ok = script('ok.sh', `echo ok >> ${log}`);
  const bad = script('bad.sh', 'echo "to stdout"; echo "  first problem  " >&2; echo second >&2; exit 3');
  const err = thrown(() => runHooks([{ path: ok }, { path: bad }, { path: ok }], {}, 'createRuntime'));
  assert.instance(err, UserError);
  assert.is(err.message, `createRuntime: error running hook #1 (${bad}): exited with status 3: first problem`);
  assert.is(readFileSync(log, 'utf8'), 'ok\n');
});

test('stdout is the fallback for the message; no output means no colon', () => {
  const a = script('out.sh', 'echo "only stdout"; exit 1');
  assert.is(thrown(() => runHooks([{ path: a }], {}, 'prestart')).message, `prestart: error running hook #0 (${a}): exited with status 1: only stdout`);
  assert.is(thrown(() => runHooks([{ path: '/bin/false', args: ['false'] }], {}, 'prestart')).message,
    'prestart: error running hook #0 (/bin/false): exited with status 1');
});

test('a missing hook, a signal and a timeout are failures', () => {
  assert.is(thrown(() => runHooks([{ path: '/nonexistent/hook' }], {}, 'poststart')).message,
    'poststart: error running hook #0 (/nonexistent/hook): cannot run: no such file or directory');
  const seg = script('seg.sh', 'kill -SEGV $$');
  assert.is(thrown(() => runHooks([{ path: seg }], {}, 'prestart')).message, `prestart: error running hook #0 (${seg}): killed by signal SIGSEGV`);
  const started = Date.now();
  const slow = script('slow.sh', 'exec sleep 30');
  assert.is(thrown(() => runHooks([{ path: slow, timeout: 1 }], {}, 'createRuntime')).message,
    `createRuntime: error running hook #0 (${slow}): did not finish within 1s and was killed`);
  assert.ok(Date.now() - started < 5000);
});

test('a hook that does not read its stdin still succeeds', () => {
  runHooks([{ path: '/bin/true' }], { big: 'x'.repeat(200_000) }, 'prestart');
});

test('a hook leaving a daemon with its stdout open does not hold us', () => {
  const started = Date.now();
  const p = script('daemon.sh', 'sleep 5 & echo started');
  runHooks([{ path: p }], {}, 'prestart');
  assert.ok(Date.now() - started < 4000, 'waited for the background sleep');
});

test('runHooksWarn runs every hook and reports each failure', () => {
  const log = join(tmp, 'warn-log');
  const ok = script('ok2.sh', `cat >> ${log}; echo >> ${log}`);
  const warnings: string[] = [];
  runHooksWarn([{ path: '/bin/false' }, { path: ok }, { path: '/bin/false' }], { n: 1 }, 'poststop', (m) => warnings.push(m));
  assert.equal(warnings, ['poststop: error running hook #0 (/bin/false): exited with status 1', 'poststop: error running hook #2 (/bin/false): exited with status 1']);
  assert.is(readFileSync(log, 'utf8'), '{"n":1}\n');
});

test('poststart sees running with the host pid, poststop stopped without a pid', () => {
  const out = join(tmp, 'states');
  const cat = script('cat.sh', `cat >> ${out}; echo >> ${out}`);
  const config: Spec = { ociVersion: '1.3.0', root: { path: 'rootfs' }, annotations: { a: 'b' }, hooks: { poststart: [{ path: cat }], poststop: [{ path: cat }] } };
  const c = { id: 'c9', pid: 4242, bundle: '/b', config };
  runPoststartHooks(c, () => assert.unreachable());
  runPoststopHooks(c, () => assert.unreachable());
  const [running, stopped] = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(running, { ociVersion: '1.3.0', id: 'c9', status: 'running', pid: 4242, bundle: '/b', annotations: { a: 'b' } });
  assert.equal(stopped, { ociVersion: '1.3.0', id: 'c9', status: 'stopped', bundle: '/b', annotations: { a: 'b' } });
});

test('hookReply: H, then two length-prefixed JSON states', () => {
  const buf = hookReply({ status: 'creating' }, { status: 'created', x: 'é' });
  assert.is(buf.toString('latin1', 0, 1), 'H');
  const n1 = buf.readUInt32LE(1);
  assert.equal(JSON.parse(buf.toString('utf8', 5, 5 + n1)), { status: 'creating' });
  const n2 = buf.readUInt32LE(5 + n1);
  assert.equal(JSON.parse(buf.toString('utf8', 9 + n1, 9 + n1 + n2)), { status: 'created', x: 'é' });
  assert.is(buf.length, 9 + n1 + n2);
});

test('containerPid is the last NSpid field', () => {
  assert.is(containerPid(500, 'Name:\tsh\nNSpid:\t500\t37\t1\nNSpgid:\t1\n'), 1);
  assert.is(containerPid(500, 'Name:\tsh\nNSpid:\t500\n'), 500);
  assert.is(containerPid(500, 'Name:\tsh\n'), 500);
  assert.is(containerPid(process.pid), process.pid);
});

test('compileHooks: the handshake only when a create-time hook exists; init hooks in kind order', () => {
  assert.equal(compileHooks(undefined, []), { hookHandshake: false, containerHooks: [] });
  assert.equal(compileHooks({ poststart: [{ path: '/a' }], poststop: [{ path: '/b' }] }, []), { hookHandshake: false, containerHooks: [] });
  assert.is(compileHooks({ prestart: [{ path: '/a' }] }, []).hookHandshake, true);
  assert.is(compileHooks({ createRuntime: [{ path: '/a' }] }, []).hookHandshake, true);
  // without env: the init's environment, which is process.env (as runc's init); env [] stays empty
  const c = compileHooks({
    startContainer: [{ path: '/s', args: ['s', '1'], env: ['E=1'], timeout: 3 }],
    createContainer: [{ path: '/c1' }, { path: '/c2', args: ['two'], env: [] }],
  }, ['PATH=/bin', 'P=1']);
  assert.is(c.hookHandshake, true);
  assert.equal(c.containerHooks, [
    { kind: 'createContainer', path: '/c1', timeout: 0, args: ['/c1'], env: ['PATH=/bin', 'P=1'] },
    { kind: 'createContainer', path: '/c2', timeout: 0, args: ['two'], env: [] },
    { kind: 'startContainer', path: '/s', timeout: 3, args: ['s', '1'], env: ['E=1'] },
  ]);
});

function records(buf: Buffer, type: number): string[][] {
  const out: string[][] = [];
  let off = 8;
  while (off < buf.length) {
    const t = buf.readUInt16LE(off);
    const len = buf.readUInt32LE(off + 2);
    if (t === type) out.push(len ? buf.toString('utf8', off + 6, off + 6 + len - 1).split('\0') : []);
    off += 6 + len;
  }
  return out;
}

const spec = (hooks?: Spec['hooks']): Spec => ({
  ociVersion: '1.3.0',
  root: { path: 'rootfs' },
  process: { cwd: '/', args: ['sh'] },
  linux: { namespaces: [{ type: 'mount' }] },
  hooks,
});

test('the plan carries HOOKS and HOOK records only when needed', () => {
  const plain = encodePlan(compilePlan(spec(), { bundle: '/b', noPivot: false }));
  assert.equal(records(plain, RecordType.HOOKS), []);
  assert.equal(records(plain, RecordType.HOOK), []);
  const post = encodePlan(compilePlan(spec({ poststop: [{ path: '/x' }] }), { bundle: '/b', noPivot: false }));
  assert.equal(records(post, RecordType.HOOKS), []);
  const buf = encodePlan(compilePlan(spec({
    prestart: [{ path: '/p' }],
    createContainer: [{ path: '/c', args: ['c', 'a b'], env: ['K=V', 'L=W'], timeout: 7 }],
  }), { bundle: '/b', noPivot: false }));
  assert.equal(records(buf, RecordType.HOOKS), [[]]);
  assert.equal(records(buf, RecordType.HOOK), [['createContainer', '/c', '7', '2', 'c', 'a b', 'K=V', 'L=W']]);
});

test.run();
