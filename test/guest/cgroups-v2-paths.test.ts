// Pure cgroup v2: where a container's cgroup goes (default, nested cgroupsPath), how the
// init gets there (clone3 CLONE_INTO_CGROUP), what the container sees of it (cgroup
// namespace, its own /sys/fs/cgroup), and runc's rules for a cgroup that already exists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmdirSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Session, uniqueId } from '../lib/harness.js';
import { CGROUP_ROOT, cgroupOf, dirOf, read, start, waitFor } from './lib.js';

const s = new Session();
const made: string[] = [];
test.after(() => {
  s.cleanup();
  for (const d of made.reverse()) {
    try {
      rmdirSync(d);
    } catch {
      // not empty or gone
    }
  }
});

test('no cgroupsPath: <parent of our own cgroup>/<id>, every controller enabled', () => {
  const { id } = start(s, 'sleep 600');
  const d = dirOf(s, id);
  const own = cgroupOf(process.pid);
  assert.is(d, join(CGROUP_ROOT, own.split('/').slice(0, -1).join('/'), id));
  assert.is(cgroupOf(s.state(id).pid), d.slice(CGROUP_ROOT.length));
  s.ok(['delete', '--force', id]);
});

test('nested absolute cgroupsPath: levels created with controllers enabled; delete removes the leaf', () => {
  const top = uniqueId('nest');
  const path = `/${top}/a/b`;
  const { id } = start(s, 'sleep 600', (c) => {
    c.linux!.cgroupsPath = path;
    c.linux!.resources = { ...c.linux!.resources, memory: { limit: 64 << 20 }, pids: { limit: 20 } };
  });
  made.push(join(CGROUP_ROOT, top), join(CGROUP_ROOT, top, 'a'));
  const d = dirOf(s, id);
  assert.is(d, join(CGROUP_ROOT, path));
  for (const level of [top, `${top}/a`]) {
    const enabled = read(join(CGROUP_ROOT, level), 'cgroup.subtree_control').split(' ');
    for (const c of ['cpu', 'memory', 'pids', 'io']) assert.ok(enabled.includes(c), `${c} not enabled in ${level}: ${enabled}`);
  }
  assert.is(read(d, 'memory.max'), String(64 << 20));
  assert.is(cgroupOf(s.state(id).pid), path);
  s.ok(['delete', '--force', id]);
  assert.not.ok(existsSync(d));
  assert.ok(existsSync(join(CGROUP_ROOT, top, 'a')), 'runc leaves the parents');
});

test('relative nested cgroupsPath goes below the parent of our own cgroup', () => {
  const rel = `${uniqueId('rel')}/inner`;
  const { id } = start(s, 'sleep 600', (c) => (c.linux!.cgroupsPath = rel));
  const own = cgroupOf(process.pid);
  const d = dirOf(s, id);
  const parent = own.split('/').slice(0, -1).join('/');
  assert.is(d, join(CGROUP_ROOT, parent, rel));
  made.push(join(CGROUP_ROOT, parent, rel.split('/')[0]));
  s.ok(['delete', '--force', id]);
  assert.not.ok(existsSync(d));
});

test('clone3 CLONE_INTO_CGROUP: the init is born in its cgroup (pids.limit 1 is enough)', () => {
  // A stub that joined the cgroup first would be the one task pids.max allows, and
  // cloning the init would fail; cloned straight into the cgroup, the init is the only task.
  const r = s.runOnce(
    (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== 'cgroup');
      c.linux!.resources = { pids: { limit: 1 } };
    },
    ['sh', '-c', 'echo only me; read line < /proc/self/cgroup; echo $line'],
  );
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^only me\n0::\/.+/);
});

test('with a new cgroup namespace the same clone3 makes it, rooted at the container\'s cgroup', () => {
  const r = s.runOnce((c) => (c.linux!.resources = { pids: { limit: 1 } }), ['sh', '-c', 'read line < /proc/self/cgroup; echo $line']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim(), '0::/');
});

test('cgroup namespace: the container sees itself at / and its own limits in /sys/fs/cgroup', () => {
  const r = s.runOnce(
    (c) => {
      // the default config has the cgroup namespace and the cgroup mount
      c.linux!.resources = { memory: { limit: 48 << 20 }, pids: { limit: 33 } };
    },
    ['sh', '-c', 'cat /proc/self/cgroup; cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; ls /sys/fs/cgroup | grep -c "^cgroup.procs$"; echo 1 > /sys/fs/cgroup/pids.max || echo ro; grep " /sys/fs/cgroup " /proc/self/mountinfo'],
  );
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.is(lines[0], '0::/');
  assert.is(lines[1], String(48 << 20));
  assert.is(lines[2], '33');
  assert.is(lines[3], '1');
  assert.match(r.stdout, /^ro$/m);
  assert.match(r.stdout, / \/sys\/fs\/cgroup ro,.* - cgroup2 /);
});

test('without a cgroup namespace the cgroup mount is the whole tree (as runc): the container finds itself by /proc/self/cgroup', () => {
  const r = s.runOnce(
    (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== 'cgroup');
      c.linux!.resources = { pids: { limit: 44 } };
    },
    ['sh', '-c', 'p=$(cut -d: -f3 /proc/self/cgroup); echo $p; cat /sys/fs/cgroup$p/pids.max'],
  );
  assert.is(r.code, 0, r.stderr);
  const [path, max] = r.stdout.trim().split('\n');
  assert.ok(path.length > 1, path);
  assert.is(max, '44');
});

/** A cgroup the test makes itself, with a process in it: returns its path and the process. */
function occupiedCgroup(): { path: string; kill: () => void } {
  const path = `/${uniqueId('busy')}`;
  const dir = join(CGROUP_ROOT, path);
  mkdirSync(dir);
  made.push(dir);
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  if (!child.pid) throw new Error('could not start sleep');
  try {
    const fd = openSync(join(dir, 'cgroup.procs'), 'r+');
    writeSync(fd, String(child.pid));
    closeSync(fd);
  } catch (err) {
    throw new Error(`${String(err)}; ${dir}: ${existsSync(dir) ? readdirSync(dir).join(' ') : 'gone'}`);
  }
  return {
    path,
    // delete --force kills every process in the container's cgroup (cgroup.kill), ours too
    kill: () => {
      child.kill('SIGKILL');
      waitFor('the sleep to leave', () => !existsSync(dir) || read(dir, 'cgroup.procs') === '');
    },
  };
}

test('an existing non-empty cgroup: a warning as runc gives, the container runs', () => {
  const busy = occupiedCgroup();
  try {
    const id = uniqueId('ne');
    const bundle = s.bundle((c) => {
      c.linux!.cgroupsPath = busy.path;
      c.process!.args = ['sleep', '600'];
    });
    const r = s.tsrunc(['run', '-d', '--bundle', bundle, id]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, /container's cgroup is not empty: 1 process\(es\) found/);
    s.ok(['delete', '--force', id]);
  } finally {
    busy.kill();
  }
});

test('an existing frozen cgroup is refused as runc refuses it, nothing left behind', () => {
  const path = `/${uniqueId('frozen')}`;
  const dir = join(CGROUP_ROOT, path);
  mkdirSync(dir);
  made.push(dir);
  writeFileSync(join(dir, 'cgroup.freeze'), '1');
  const r = s.runOnce((c) => (c.linux!.cgroupsPath = path), ['true']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /container's cgroup unexpectedly frozen/);
  assert.equal(s.containers(), []);
  assert.ok(existsSync(dir), 'a cgroup tsrunc did not create is not removed');
  writeFileSync(join(dir, 'cgroup.freeze'), '0');
});

test.run();
