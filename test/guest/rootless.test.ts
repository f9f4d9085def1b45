// Rootless mode on a pure cgroup v2 host with systemd: the cases of the hybrid host
// (test/lib/rootless-cases.ts), plus a cgroup subtree delegated to the user, where a
// rootless container gets a cgroup of its own and its limits hold.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { uniqueId } from '../lib/harness.js';
import { defineRootlessCases, delegateV2, isAlive, rootlessSuite } from '../lib/rootless-cases.js';
import { CGROUP_ROOT, read, sleepMs, waitFor } from './lib.js';


const suite = rootlessSuite(test);
defineRootlessCases(suite);

suite.rtest('a cgroup v2 subtree delegated to the user: the container gets its own cgroup in it, pids.max stops a fork loop, update/pause work, delete removes it', (r) => {
  // root delegates the subtree (chown, as cgroup-v2.rst says); the user's commands run in base/caller
  const base = join(CGROUP_ROOT, `tsrunc-deleg-${uniqueId('d')}`);
  mkdirSync(base);
  const caller = join(base, 'caller');
  try {
    writeFileSync(join(base, 'cgroup.subtree_control'), '+pids +memory');
    mkdirSync(caller);
    delegateV2(base, r.user);
    delegateV2(caller, r.user);
    const out = r.dir('out');
    const bundle = r.bundle((c) => {
      c.linux!.cgroupsPath = `/${basename(base)}/ctr`;
      c.linux!.resources = { pids: { limit: 12 }, memory: { limit: 64 << 20 } };
      c.mounts!.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
      c.process!.args = ['sh', '-c', [
        'cat /sys/fs/cgroup/pids.max > /out/pids.max',
        // in a subshell: a shell whose fork fails may give up, the container's own must go on
        '( for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do sleep 30 & done ) 2>/dev/null',
        'touch /out/done; exec sleep 300',
      ].join('\n')];
    });
    const id = uniqueId('rl-deleg');
    r.ok(['run', '-d', '--bundle', bundle, id], { cgroup: caller });
    const dir = join(base, 'ctr');
    assert.ok(existsSync(dir), 'the container cgroup is made in the delegated subtree');
    const pid = r.state(id).pid;
    assert.is(readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim(), `0::/${basename(base)}/ctr`);
    assert.is(read(dir, 'pids.max'), '12');
    assert.is(read(dir, 'memory.max'), String(64 << 20));
    waitFor('the fork loop', () => existsSync(join(out, 'done')));
    assert.is(readFileSync(join(out, 'pids.max'), 'utf8').trim(), '12', 'the container sees its own cgroup (cgroup namespace)');
    assert.ok(Number(read(dir, 'pids.current')) <= 12, read(dir, 'pids.current'));
    const events = Object.fromEntries(read(dir, 'pids.events').split('\n').map((l) => l.split(' ')));
    assert.ok(Number(events.max) > 0, `pids.events: ${JSON.stringify(events)}`);
    r.ok(['update', '--pids-limit', '20', id]);
    assert.is(read(dir, 'pids.max'), '20');
    r.ok(['pause', id]);
    assert.is(r.state(id).status, 'paused');
    r.ok(['resume', id]);
    assert.is(r.state(id).status, 'running');
    assert.ok((JSON.parse(r.ok(['ps', '--format', 'json', id])) as number[]).length >= 2, 'ps lists the init and the sleeps');
    r.ok(['delete', '--force', id]);
    for (let i = 0; i < 100 && existsSync(dir); i++) sleepMs(50);
    assert.not.ok(existsSync(dir), 'delete removes the cgroup');
    assert.not.ok(isAlive(pid));
  } finally {
    for (const id of r.containers()) r.tsrunc(['delete', '--force', id]);
    for (const d of [join(base, 'ctr'), caller, base]) {
      try {
        rmdirSync(d);
      } catch {
        // not there
      }
    }
  }
});

suite.rtest("--systemd-cgroup as a user: a transient scope of the user's own systemd (user@<uid>.service), TasksMax holds, update goes through the unit, nothing left after delete", (r) => {
  const { uid, name } = r.user;
  const runtime = `/run/user/${uid}`;
  // a user manager with a session bus (dbus-user-session), as a login would start it
  spawnSync('loginctl', ['enable-linger', name]);
  const env = { DBUS_SESSION_BUS_ADDRESS: `unix:path=${runtime}/bus` };
  try {
    waitFor("the user's session bus", () => existsSync(`${runtime}/bus`), 90_000);
    const id = uniqueId('rl-sd');
    const unit = `tsrunc-${id}.scope`;
    const show = (prop: string) => r.as(['systemctl', '--user', 'show', '-p', prop, '--value', unit], { env: { ...env, XDG_RUNTIME_DIR: runtime } }).stdout.trim();
    const bundle = r.bundle((c) => {
      c.linux!.resources = { pids: { limit: 10 } };
      c.process!.args = ['sleep', '300'];
    });
    r.ok(['--systemd-cgroup', 'run', '-d', '--bundle', bundle, id], { env });
    assert.is(show('ActiveState'), 'active');
    assert.is(show('TasksMax'), '10');
    const cg = show('ControlGroup');
    assert.is(cg, `/user.slice/user-${uid}.slice/user@${uid}.service/user.slice/${unit}`);
    const pid = r.state(id).pid;
    assert.is(readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim(), `0::${cg}`);
    assert.is(read(join(CGROUP_ROOT, cg), 'pids.max'), '10');
    r.ok(['update', '--pids-limit', '15', id], { env });
    assert.is(show('TasksMax'), '15');
    assert.is(read(join(CGROUP_ROOT, cg), 'pids.max'), '15');
    r.ok(['--systemd-cgroup', 'delete', '--force', id], { env });
    waitFor('the unit to go', () => show('LoadState') === 'not-found' || show('ActiveState') === 'inactive');
    assert.not.ok(existsSync(join(CGROUP_ROOT, cg)), 'the scope cgroup is gone');
    assert.not.ok(isAlive(pid));
  } finally {
    for (const id of r.containers()) r.tsrunc(['--systemd-cgroup', 'delete', '--force', id], { env });
    spawnSync('loginctl', ['disable-linger', name]);
  }
});

test.run();
