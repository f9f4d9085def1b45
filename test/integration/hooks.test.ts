// OCI hooks on real containers: every kind runs at its step, in its namespace,
// with the right state; args and env exactly; timeouts and failures.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session, uniqueId, cgroupDirsFor, mountsUnder, ROOTFS } from '../lib/harness.js';
import { isAlive, sleepMs } from '../../src/linux/proc.js';
import type { Hook, Spec } from '../../src/spec/config.js';

const s = new Session();
test.after(() => s.cleanup());

/** Where the hooks dir is bound inside the container (exists in the busybox rootfs). */
const INSIDE = '/out';
const KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;
type Kind = (typeof KINDS)[number];

/**
 * A directory with hook.sh, bound at INSIDE in the container. The script
 * logs "<kind> <status> <mnt ns>" and keeps the state it got; it finds the
 * log next to itself, so one script serves both sides of pivot_root.
 */
function hookDir(): string {
  const dir = mkdtempSync(join(s.tmp, 'hooks-'));
  writeFileSync(join(dir, 'hook.sh'), [
    '#!/bin/sh',
    'dir=$(dirname "$0")',
    'state=$(cat)',
    'status=$(echo "$state" | sed -n \'s/.*"status":"\\([a-z]*\\)".*/\\1/p\')',
    'echo "$1 $status $(readlink /proc/self/ns/mnt)" >> "$dir/log"',
    'echo "$state" > "$dir/state-$1"',
    'if [ -n "$FAIL" ]; then echo "$FAIL" >&2; exit 2; fi',
    '',
  ].join('\n'));
  chmodSync(join(dir, 'hook.sh'), 0o755);
  chmodSync(dir, 0o777);
  return dir;
}

/** The hook.sh call for one kind (startContainer's path resolves inside the container). */
function logHook(dir: string, kind: Kind, env: string[] = []): Hook {
  const path = kind === 'startContainer' ? `${INSIDE}/hook.sh` : join(dir, 'hook.sh');
  return { path, args: ['hook.sh', kind], env, timeout: 10 };
}

function bundleWith(dir: string, hooks: Spec['hooks'], args = ['sleep', '30'], more: (c: Spec) => void = () => {}): string {
  return s.bundle((c) => {
    c.mounts!.push({ destination: INSIDE, type: 'bind', source: dir, options: ['rbind', 'rw'] });
    c.process!.args = args;
    c.annotations = { 'org.example.hooks': 'yes' };
    c.hooks = hooks;
    more(c);
  });
}

function logLines(dir: string): string[] {
  const p = join(dir, 'log');
  return existsSync(p) ? readFileSync(p, 'utf8').trim().split('\n') : [];
}

function stateOf(dir: string, kind: Kind): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, `state-${kind}`), 'utf8'));
}

function waitStopped(id: string, ms = 5000): void {
  const deadline = Date.now() + ms;
  while (s.state(id).status !== 'stopped' && Date.now() < deadline) sleepMs(20);
  assert.is(s.state(id).status, 'stopped');
}

function assertNothingLeft(id: string, initPid?: number): void {
  assert.not.ok(existsSync(join(s.root, id)), 'no state dir');
  assert.equal(cgroupDirsFor(id), [], 'no cgroup');
  assert.equal(mountsUnder(ROOTFS), [], 'no mounts');
  if (initPid) assert.not.ok(isAlive(initPid), `init ${initPid} is gone`);
}

const HOST_MNT = readlinkSync('/proc/self/ns/mnt');

test('all six hooks run in order, each in its namespace, with the state on stdin', () => {
  const dir = hookDir();
  const hooks: Spec['hooks'] = {};
  for (const k of KINDS) hooks[k] = [logHook(dir, k)];
  const bundle = bundleWith(dir, hooks);
  const id = uniqueId('hooks');

  s.ok(['create', '--bundle', bundle, id]);
  const st = s.state(id);
  const containerMnt = readlinkSync(`/proc/${st.pid}/ns/mnt`);
  assert.is.not(containerMnt, HOST_MNT);
  assert.equal(logLines(dir), [
    `prestart created ${HOST_MNT}`,
    `createRuntime creating ${HOST_MNT}`,
    `createContainer creating ${containerMnt}`,
  ]);

  s.ok(['start', id]);
  // poststart has run before start returned
  assert.equal(logLines(dir).slice(3), [`startContainer created ${containerMnt}`, `poststart running ${HOST_MNT}`]);
  assert.is(s.state(id).status, 'running');

  s.ok(['kill', id, 'KILL']);
  waitStopped(id);
  assert.is(logLines(dir).length, 5, 'poststop waits for delete');
  s.ok(['delete', id]);
  assert.equal(logLines(dir).slice(5), [`poststop stopped ${HOST_MNT}`]);
  assert.not.ok(existsSync(join(s.root, id)));

  const common = { ociVersion: '1.3.0', id, bundle, annotations: { 'org.example.hooks': 'yes' } };
  assert.equal(stateOf(dir, 'prestart'), { ...common, status: 'created', pid: st.pid });
  assert.equal(stateOf(dir, 'createRuntime'), { ...common, status: 'creating', pid: st.pid });
  // container-namespace hooks see the pid as the container does
  assert.equal(stateOf(dir, 'createContainer'), { ...common, status: 'creating', pid: 1 });
  assert.equal(stateOf(dir, 'startContainer'), { ...common, status: 'created', pid: 1 });
  assert.equal(stateOf(dir, 'poststart'), { ...common, status: 'running', pid: st.pid });
  assert.equal(stateOf(dir, 'poststop'), { ...common, status: 'stopped' });
});

test('each hook gets exactly its args (argv[0] included) and env', () => {
  const dir = hookDir();
  const hooks: Spec['hooks'] = {};
  for (const k of KINDS) {
    const out = k === 'startContainer' ? INSIDE : dir;
    // The shell's argv and environment as execve gave them. createContainer
    // runs before pivot_root with the host's /proc but in the container's pid
    // namespace, so $$ is wrong there; /proc/self in a redirection is the
    // forked shell, a copy of it. `exit` keeps the shell from exec'ing the
    // last command (that would swap the mm that /proc/$$/environ reads).
    const proc = k === 'createContainer' ? '/proc/self' : '/proc/$$';
    const script = `tr '\\0' '\\n' < ${proc}/cmdline > ${out}/${k}.argv; tr '\\0' '\\n' < ${proc}/environ > ${out}/${k}.env; exit 0`;
    // busybox (the container's /bin/sh) picks its applet by argv[0]
    const argv0 = k === 'startContainer' ? 'sh' : `argv0-${k}`;
    hooks[k] = [{ path: '/bin/sh', args: [argv0, '-c', script, 'x', 'two words'], env: ['A=1', 'B=with space', `KIND=${k}`] }];
  }
  const id = uniqueId('hookargs');
  const r = s.tsrunc(['run', '--bundle', bundleWith(dir, hooks, ['true']), id]);
  assert.is(r.code, 0, r.stderr);
  for (const k of KINDS) {
    const h = hooks[k]![0];
    assert.equal(readFileSync(join(dir, `${k}.argv`), 'utf8').split('\n').slice(0, -1), h.args, `${k} args`);
    assert.equal(readFileSync(join(dir, `${k}.env`), 'utf8').split('\n').slice(0, -1), h.env, `${k} env`);
  }
});

test('hooks without env: runtime-side ones get the runtime\'s environment, init-side ones process.env (as runc)', () => {
  const dir = hookDir();
  const hooks: Spec['hooks'] = {};
  for (const k of KINDS) {
    const out = k === 'startContainer' ? INSIDE : dir;
    hooks[k] = [{ path: '/bin/sh', args: ['sh', '-c', `env > ${out}/${k}.env`] }];
  }
  const id = uniqueId('hookenv');
  const bundle = bundleWith(dir, hooks, ['true'], (c) => (c.process!.env = ['PATH=/bin:/usr/bin', 'IN_CONTAINER=yes']));
  const r = s.tsrunc(['run', '--bundle', bundle, id]);
  assert.is(r.code, 0, r.stderr);
  for (const k of KINDS) {
    const env = readFileSync(join(dir, `${k}.env`), 'utf8').split('\n');
    if (k === 'createContainer' || k === 'startContainer') {
      assert.ok(env.includes('IN_CONTAINER=yes'), `${k}: ${env}`);
    } else {
      assert.ok(env.includes(`PATH=${process.env.PATH}`), `${k} has the runtime's PATH: ${env}`);
      assert.not.ok(env.includes('IN_CONTAINER=yes'), k);
    }
  }
});

test('createContainer hooks run with the rootfs as working directory (as runc)', () => {
  const dir = hookDir();
  const hook: Hook = { path: '/bin/sh', args: ['sh', '-c', `pwd > ${dir}/cwd; ls ./bin/busybox > ${dir}/ls`] };
  const r = s.tsrunc(['run', '--bundle', bundleWith(dir, { createContainer: [hook] }, ['true']), uniqueId('hookcwd')]);
  assert.is(r.code, 0, r.stderr);
  assert.is(readFileSync(join(dir, 'cwd'), 'utf8'), `${ROOTFS}\n`);
  assert.is(readFileSync(join(dir, 'ls'), 'utf8'), './bin/busybox\n');
});

test('startContainer hooks run under the container\'s seccomp filter (as runc)', () => {
  for (const noNewPrivileges of [true, false]) {
    const dir = hookDir();
    const hook: Hook = { path: '/bin/sh', args: ['sh', '-c', `mkdir ${INSIDE}/made`] };
    const bundle = bundleWith(dir, { startContainer: [hook] }, ['true'], (c) => {
      c.process!.noNewPrivileges = noNewPrivileges;
      c.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL' }] };
    });
    const id = uniqueId('hookseccomp');
    const r = s.tsrunc(['run', '--bundle', bundle, id]);
    assert.is(r.code, 1, `noNewPrivileges ${noNewPrivileges}: ${r.stderr}`);
    assert.match(r.stderr, 'startContainer: error running hook #0 (/bin/sh): killed by signal SIGSYS (bad system call)');
    assert.not.ok(existsSync(join(dir, 'made')));
    assertNothingLeft(id);
  }
});

test('a container without hooks has no handshake and keeps working', () => {
  const r = s.runOnce(() => {}, ['echo', 'plain']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'plain\n');
});

test('a failing createRuntime hook fails create, leaves nothing behind, then poststop runs', () => {
  const dir = hookDir();
  const bundle = bundleWith(dir, {
    prestart: [logHook(dir, 'prestart')],
    createRuntime: [logHook(dir, 'createRuntime', ['FAIL=network setup failed'])],
    createContainer: [logHook(dir, 'createContainer')],
    poststop: [logHook(dir, 'poststop')],
  });
  const id = uniqueId('hookfail');
  const r = s.tsrunc(['create', '--bundle', bundle, id]);
  assert.is(r.code, 1);
  assert.match(r.stderr, `createRuntime: error running hook #0 (${join(dir, 'hook.sh')}): exited with status 2: network setup failed`);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  const initPid = stateOf(dir, 'prestart').pid as number;
  assertNothingLeft(id, initPid);
  assert.equal(logLines(dir).map((l) => l.split(' ').slice(0, 2).join(' ')), ['prestart created', 'createRuntime creating', 'poststop stopped']);
});

test('a failing createContainer hook (run by the init) fails create and leaves nothing behind', () => {
  const dir = hookDir();
  const bundle = bundleWith(dir, { createContainer: [logHook(dir, 'createContainer', ['FAIL=bad mount'])] });
  const id = uniqueId('hookccfail');
  const r = s.tsrunc(['create', '--bundle', bundle, id]);
  assert.is(r.code, 1);
  assert.match(r.stderr, `createContainer: error running hook #0 (${join(dir, 'hook.sh')}): exited with status 2: bad mount`);
  assertNothingLeft(id);
});

test('a timeout kills a sleeping hook and fails create, on both sides', () => {
  for (const kind of ['createRuntime', 'createContainer'] as const) {
    const dir = hookDir();
    const marker = join(dir, 'woke');
    const hook: Hook = { path: '/bin/sh', args: ['sh', '-c', `exec sleep 30; touch ${marker}`], timeout: 1 };
    const id = uniqueId('hooktime');
    const started = Date.now();
    const r = s.tsrunc(['create', '--bundle', bundleWith(dir, { [kind]: [hook] }), id]);
    assert.is(r.code, 1, kind);
    assert.match(r.stderr, `${kind}: error running hook #0 (/bin/sh): did not finish within 1s and was killed`);
    assert.ok(Date.now() - started < 10_000, `${kind} took ${Date.now() - started} ms`);
    assertNothingLeft(id);
  }
});

test('a missing hook binary fails create with its path', () => {
  const dir = hookDir();
  const id = uniqueId('hookmissing');
  const r = s.tsrunc(['create', '--bundle', bundleWith(dir, { createContainer: [{ path: '/nonexistent/hook' }] }), id]);
  assert.is(r.code, 1);
  assert.match(r.stderr, 'createContainer: error running hook #0 (/nonexistent/hook): cannot run: no such file or directory');
  assertNothingLeft(id);
});

test('a failing startContainer hook fails start and stops the container', () => {
  const dir = hookDir();
  const bundle = bundleWith(dir, {
    startContainer: [logHook(dir, 'startContainer', ['FAIL=ldconfig failed'])],
    poststart: [logHook(dir, 'poststart')],
    poststop: [logHook(dir, 'poststop')],
  }, ['sh', '-c', `touch ${INSIDE}/ran; sleep 30`]);
  const id = uniqueId('hookscfail');
  s.ok(['create', '--bundle', bundle, id]);
  const r = s.tsrunc(['start', id]);
  assert.is(r.code, 1);
  assert.match(r.stderr, `startContainer: error running hook #0 (${INSIDE}/hook.sh): exited with status 2: ldconfig failed`);
  assert.is(s.state(id).status, 'stopped');
  sleepMs(200);
  assert.not.ok(existsSync(join(dir, 'ran')), 'the user process must not run');
  s.ok(['delete', id]);
  assert.equal(logLines(dir).map((l) => l.split(' ')[0]), ['startContainer', 'poststop']);
  assertNothingLeft(id);
});

test('a failing poststart hook warns; the other hooks and the container go on', () => {
  const dir = hookDir();
  const bundle = bundleWith(dir, {
    poststart: [{ path: '/bin/false', args: ['false'] }, logHook(dir, 'poststart')],
  });
  const id = uniqueId('hookpsfail');
  s.ok(['create', '--bundle', bundle, id]);
  const r = s.tsrunc(['start', id]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /level=warning msg="poststart: error running hook #0 \(\/bin\/false\): exited with status 1"/);
  assert.equal(logLines(dir).map((l) => l.split(' ').slice(0, 2).join(' ')), ['poststart running']);
  assert.is(s.state(id).status, 'running');
  s.ok(['delete', '--force', id]);
});

test('a failing poststop hook only warns; delete completes and later hooks run', () => {
  const dir = hookDir();
  const bundle = bundleWith(dir, {
    poststop: [logHook(dir, 'poststop', ['FAIL=cleanup failed']), logHook(dir, 'poststop')],
  }, ['true']);
  const id = uniqueId('hookpostop');
  s.ok(['create', '--bundle', bundle, id]);
  s.ok(['start', id]);
  waitStopped(id);
  const r = s.tsrunc(['delete', id]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, `poststop: error running hook #0 (${join(dir, 'hook.sh')}): exited with status 2: cleanup failed`);
  assert.is(logLines(dir).length, 2);
  assertNothingLeft(id);
});

test('run deletes with poststop hooks', () => {
  const dir = hookDir();
  const id = uniqueId('hookrun');
  const r = s.tsrunc(['run', '--bundle', bundleWith(dir, { poststop: [logHook(dir, 'poststop')] }, ['echo', 'hi']), id]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'hi\n');
  assert.equal(logLines(dir).map((l) => l.split(' ').slice(0, 2).join(' ')), ['poststop stopped']);
});

test.run();
