// The rootless tests both hosts run (test/integration/rootless.test.ts on the
// cgroup v1 hybrid host, test/guest/rootless.test.ts on the pure v2 + systemd
// guest): tsrunc run by a real unprivileged user, as podman's users run it.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupDirsFor, uniqueId } from './harness.js';
import { RootlessSession, ensureTestUser, rootlessUnavailable, type TestUser } from './rootless.js';
import type { Spec } from '../../src/spec/config.js';

export interface RootlessSuite {
  /** Declares a test that is skipped, with the reason, when rootless tests cannot run here. */
  rtest(name: string, fn: (r: RootlessSession) => void): void;
  session(): RootlessSession | undefined;
}

/** Sets up the user and one session (removed after the suite) and gives the test declarer. */
export function rootlessSuite(test: Test): RootlessSuite {
  let why = rootlessUnavailable();
  let user: TestUser | undefined;
  if (!why) {
    const u = ensureTestUser();
    if (typeof u === 'string') why = u;
    else user = u;
  }
  const r = user ? new RootlessSession(user) : undefined;
  if (why) console.log(`  rootless tests skipped: ${why}`);
  test.after(() => r?.cleanup());
  return {
    session: () => r,
    rtest(name, fn) {
      if (why || !r) {
        test.skip(`${name} (skipped: ${why})`, () => {});
        return;
      }
      test(name, () => {
        try {
          fn(r);
        } finally {
          // a failed test must not leave containers that make the next one fail
          for (const id of r.containers()) r.tsrunc(['delete', '--force', id]);
        }
      });
    },
  };
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function isAlive(pid: number): boolean {
  return existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/** One line of a process's /proc status, e.g. "Uid". */
function statusField(pid: number, key: string): string {
  return readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(.*)$`, 'm'))?.[1] ?? '';
}

/** A failed command: exit 1, one line that names what; no stack trace. */
export function assertOneLineError(res: { code: number; stderr: string }, pattern: RegExp): void {
  assert.is(res.code, 1, res.stderr);
  assert.match(res.stderr, pattern);
  assert.is(res.stderr.trim().split('\n').length, 1, res.stderr);
  assert.not.match(res.stderr, /\n\s+at /);
}

/** Nothing of a failed create is left: no state dir, no cgroup, no process of the user. */
export function assertNothingLeft(r: RootlessSession, id: string): void {
  assert.not.ok(existsSync(join(r.root, id)), 'no state dir');
  assert.equal(cgroupDirsFor(id), [], 'no cgroup');
  assert.equal(userProcesses(r), [], 'no process of this session');
}

/** Processes of the test user that this session started (its marker in their environment), with their command lines. */
export function userProcesses(r: RootlessSession): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (statusField(Number(p), 'Uid').split(/\s+/)[0] !== String(r.user.uid)) continue;
      if (!readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(r.marker)) continue;
      out.push({ pid: Number(p), cmd: readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** What every host runs. */
export function defineRootlessCases(suite: RootlessSuite): void {
  const { rtest } = suite;

  rtest('spec --rootless, then run, as a user: root inside is the user outside, the exit code comes back', (r) => {
    const dir = r.dir('spec');
    r.ok(['spec', '--rootless'], { cwd: dir });
    const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Spec;
    assert.ok(spec.linux!.namespaces!.some((n) => n.type === 'user'), 'a user namespace');
    assert.equal(spec.linux!.uidMappings, [{ containerID: 0, hostID: r.user.uid, size: 1 }]);
    assert.equal(spec.linux!.gidMappings, [{ containerID: 0, hostID: r.user.gid, size: 1 }]);
    const bundle = r.bundle((c) => {
      Object.assign(c, { ...spec, root: c.root });
      c.process!.terminal = false;
      c.process!.args = ['sh', '-c', 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; exit 3'];
    });
    const res = r.tsrunc(['run', '--bundle', bundle, uniqueId('rl-run')]);
    assert.is(res.code, 3, res.stderr);
    const lines = res.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    assert.equal(lines, ['0', '0', `0 ${r.user.uid} 1`, `0 ${r.user.gid} 1`, 'deny']);
  });

  rtest("the default --root is $XDG_RUNTIME_DIR/tsrunc (0700 + sticky, the user's); list names the user as OWNER; delete leaves nothing", (r) => {
    const id = uniqueId('rl-life');
    const bundle = r.bundle((c) => (c.process!.args = ['sleep', '300']));
    r.ok(['create', '--bundle', bundle, id]);
    const st = statSync(r.root);
    assert.is(st.uid, r.user.uid);
    assert.is((st.mode & 0o7777).toString(8), '1700');
    assert.is(statSync(join(r.root, id)).uid, r.user.uid);
    assert.is(r.state(id).status, 'created');
    const row = r.ok(['list']).split('\n').find((l) => l.startsWith(id + ' '));
    assert.ok(row, 'listed');
    assert.match(row!, new RegExp(`\\s${r.user.name}\\s*$`));
    const pid = r.state(id).pid;
    assert.is(statusField(pid, 'Uid').split(/\s+/)[0], String(r.user.uid), 'the init runs as the user on the host');
    r.ok(['start', id]);
    assert.is(r.state(id).status, 'running');
    assert.ok(userProcesses(r).some((p) => p.pid === pid), 'the leftover check would see this init');
    const ps = r.ok(['ps', '--format', 'json', id]);
    assert.equal(JSON.parse(ps), [pid]);
    const ex = r.tsrunc(['exec', id, 'sh', '-c', 'id -u; cat /proc/1/cmdline | tr "\\0" " "']);
    assert.is(ex.code, 0, ex.stderr);
    assert.is(ex.stdout, '0\nsleep 300 ');
    r.ok(['kill', id, 'KILL']);
    for (let i = 0; i < 100 && r.state(id).status !== 'stopped'; i++) sleepMs(50);
    assert.is(r.state(id).status, 'stopped');
    r.ok(['delete', id]);
    assert.not.ok(existsSync(join(r.root, id)));
    assert.not.ok(isAlive(pid));
  });

  rtest('without $XDG_RUNTIME_DIR the default root is /run/tsrunc, which is not the user\'s: one clear error', (r) => {
    const id = uniqueId('rl-noxdg');
    const res = r.tsrunc(['create', '--bundle', r.bundle(), id], { env: { XDG_RUNTIME_DIR: undefined } });
    assertOneLineError(res, /\/run\/tsrunc/);
    assertNothingLeft(r, id);
  });

  rtest("no cgroup of its own when the user may not make one: the container stays in the caller's cgroup; pause and update say why", (r) => {
    const id = uniqueId('rl-cg');
    const bundle = r.bundle((c) => (c.process!.args = ['sleep', '300']));
    r.ok(['run', '-d', '--bundle', bundle, id]);
    const pid = r.state(id).pid;
    assert.is(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), readFileSync('/proc/self/cgroup', 'utf8'));
    assert.equal(cgroupDirsFor(id), [], 'no cgroup named like the container');
    assertOneLineError(r.tsrunc(['pause', id]), /cgroups not configured/);
    assertOneLineError(r.tsrunc(['update', '--pids-limit', '10', id]), /no cgroup/);
    assert.is(r.state(id).status, 'running');
    r.ok(['delete', '--force', id]);
    assert.not.ok(isAlive(pid));
  });

  rtest('a limit the user cannot set, an explicit cgroupsPath it cannot write, no user namespace: refused, naming the field, nothing left', (r) => {
    const cases: [string, (c: Spec) => void, RegExp][] = [
      ['rl-limit', (c) => (c.linux!.resources = { pids: { limit: 10 } }), /config\.json: \/linux\/resources\/pids\/limit: /],
      ['rl-path', (c) => (c.linux!.cgroupsPath = `/tsrunc-rootless-test/${uniqueId('x')}`), /config\.json: \/linux\/cgroupsPath: /],
      ['rl-nouserns', (c) => (c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== 'user')), /config\.json: \/linux\/namespaces: .*user namespace/],
    ];
    for (const [prefix, mutate, pattern] of cases) {
      const id = uniqueId(prefix);
      assertOneLineError(r.tsrunc(['create', '--bundle', r.bundle(mutate), id]), pattern);
      assertNothingLeft(r, id);
    }
  });

  rtest("--systemd-cgroup as a user whose systemd instance cannot be reached: one clear line, nothing left", (r) => {
    const id = uniqueId('rl-sd');
    // no DBUS_SESSION_BUS_ADDRESS, and no bus in this $XDG_RUNTIME_DIR (on a host without systemd: that first)
    const res = r.tsrunc(['--systemd-cgroup', 'create', '--bundle', r.bundle(), id], { env: { DBUS_SESSION_BUS_ADDRESS: undefined } });
    assertOneLineError(res, /^tsrunc: systemd cgroup driver: (systemd is not running|cannot reach the user's systemd instance over D-Bus: connect \S+\/bus: )/);
    assertNothingLeft(r, id);
  });

  rtest('ranges from /etc/subuid and /etc/subgid through newuidmap/newgidmap: a non-root user inside is a subordinate id outside', (r) => {
    const { subuid, subgid } = r.user;
    const bundle = r.bundle((c) => {
      c.linux!.uidMappings = [{ containerID: 0, hostID: r.user.uid, size: 1 }, { containerID: 1, hostID: subuid.start, size: subuid.count }];
      c.linux!.gidMappings = [{ containerID: 0, hostID: r.user.gid, size: 1 }, { containerID: 1, hostID: subgid.start, size: subgid.count }];
      c.process!.user = { uid: 1000, gid: 1000, additionalGids: [2000] };
      c.process!.args = ['sh', '-c', 'id -u; id -G; cat /proc/self/setgroups; sleep 300'];
    });
    const id = uniqueId('rl-subid');
    r.ok(['run', '-d', '--bundle', bundle, id]);
    const pid = r.state(id).pid;
    assert.is(statusField(pid, 'Uid').split(/\s+/)[0], String(subuid.start + 999), 'container uid 1000 is subuid start + 999 on the host');
    assert.is(statusField(pid, 'Gid').split(/\s+/)[0], String(subgid.start + 999));
    const ex = r.tsrunc(['exec', id, 'sh', '-c', 'cat /proc/self/uid_map; cat /proc/1/status | grep -E "^(Uid|Groups):"']);
    assert.is(ex.code, 0, ex.stderr);
    const text = ex.stdout.split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    assert.ok(text.includes(`0 ${r.user.uid} 1`) && text.includes(`1 ${subuid.start} ${subuid.count}`), ex.stdout);
    assert.ok(text.includes('Uid: 1000 1000 1000 1000'), ex.stdout);
    assert.ok(text.includes('Groups: 2000'), ex.stdout);
    r.ok(['delete', '--force', id]);
  });

  rtest('a mapping outside the user\'s subordinate ranges: newuidmap\'s refusal, exit 1, nothing left', (r) => {
    const id = uniqueId('rl-badmap');
    const bundle = r.bundle((c) => {
      c.linux!.uidMappings = [{ containerID: 0, hostID: r.user.uid, size: 1 }, { containerID: 1, hostID: 1, size: 100 }];
    });
    const res = r.tsrunc(['create', '--bundle', bundle, id]);
    assert.is(res.code, 1, res.stderr);
    assert.match(res.stderr, /newuidmap/);
    assert.not.match(res.stderr, /\n\s+at /);
    assertNothingLeft(r, id);
  });

  rtest("checkpoint as a user: runc's warning that it is untested, CRIU's refusal with its log, the container keeps running", (r) => {
    const id = uniqueId('rl-cp');
    r.ok(['run', '-d', '--bundle', r.bundle((c) => (c.process!.args = ['sleep', '300'])), id]);
    const res = r.tsrunc(['checkpoint', '--image-path', r.dir('img'), id]);
    assert.is(res.code, 1, res.stderr);
    assert.match(res.stderr, /level=warning msg="tsrunc checkpoint is untested with rootless containers"/);
    assert.match(res.stderr, /criu/);
    assert.not.match(res.stderr, /\n\s+at /);
    assert.is(r.state(id).status, 'running');
    r.ok(['delete', '--force', id]);
  });

  rtest('the same protections as root: the waiting init runs from a memfd; the started init holds only its stdio; /proc/self/exe cannot be written', (r) => {
    const sum = () => createHash('sha256').update(readFileSync(r.stubFile)).digest('hex');
    const before = sum();
    const id = uniqueId('rl-sec');
    const out = r.dir('out');
    const bundle = r.bundle((c) => {
      c.mounts!.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
      c.process!.args = ['sh', '-c', 'ls /proc/self/fd > /out/fds; { echo x > /proc/self/exe; } 2>/out/exe-err && echo written >> /out/fds; exec sleep 300'];
    });
    r.ok(['create', '--bundle', bundle, id]);
    const pid = r.state(id).pid;
    assert.match(readlinkSync(`/proc/${pid}/exe`), /^\/memfd:tsrunc-nsexec/);
    r.ok(['start', id]);
    for (let i = 0; i < 200 && !existsSync(join(out, 'exe-err')); i++) sleepMs(50);
    sleepMs(200);
    // ls's own fds: 0-2 and the directory it reads (3)
    assert.is(readFileSync(join(out, 'fds'), 'utf8'), '0\n1\n2\n3\n');
    assert.match(readFileSync(join(out, 'exe-err'), 'utf8'), /denied|busy|not permitted|read-only/i);
    assert.equal(readdirSync(`/proc/${pid}/fd`).sort(), ['0', '1', '2']);
    assert.is(sum(), before);
    r.ok(['delete', '--force', id]);
  });
}

/** A cgroup v2 directory made by root and delegated to the user (chown, as the kernel's cgroup-v2.rst describes). */
export function delegateV2(dir: string, user: TestUser): void {
  for (const f of ['', 'cgroup.procs', 'cgroup.subtree_control', 'cgroup.threads']) chownSync(join(dir, f), user.uid, user.gid);
}
