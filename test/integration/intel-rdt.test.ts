// linux.intelRdt as a user meets it. Without a resctrl mount (this project's
// hosts: the kernel has no resctrl, the QEMU guest no RDT) create and run fail
// with one line naming /linux/intelRdt and leave nothing behind; features still
// says this build implements it (features-linux.md, as runc). With resctrl
// mounted, the last test makes a real group and checks what delete leaves.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session, uniqueId, cgroupDirsFor, mountsUnder, processesMentioning, ROOTFS } from '../lib/harness.js';
import { hostResctrl } from '../../src/linux/resctrl.js';
import type { LinuxIntelRdt } from '../../src/spec/config.js';

const s = new Session();
test.after(() => s.cleanup());

const resctrl = hostResctrl();

/** A test that runs only when cond holds; skipped, with the reason printed, otherwise. */
function testIf(cond: boolean, why: string, name: string, fn: () => void): void {
  if (cond) test(name, fn);
  else test.skip(`${name} (skipped: ${why})`, fn);
}
const HAS_RESCTRL = 'resctrl is mounted on this host';
const NOT_ENABLED =
  'tsrunc: config.json: /linux/intelRdt: is set, but Intel RDT is not enabled: no resctrl filesystem is mounted (mount -t resctrl resctrl /sys/fs/resctrl)\n';

/** The command fails with exactly that line, exit 1, and leaves no state dir, cgroup, mount or process. */
function failsClean(cmd: 'create' | 'run', rdt: LinuxIntelRdt, expected: string): void {
  const id = uniqueId('rdt');
  const bundle = s.bundle((c) => {
    c.process!.args = ['sleep', '30'];
    c.linux!.intelRdt = rdt;
  });
  const r = s.tsrunc([cmd, '--bundle', bundle, id]);
  assert.is(r.stderr, expected, JSON.stringify(rdt));
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.not.ok(existsSync(join(s.root, id)), 'no state dir');
  assert.equal(s.containers(), [], 'nothing in --root');
  assert.equal(cgroupDirsFor(id), [], 'no cgroup');
  assert.equal(mountsUnder(ROOTFS), [], 'no mounts');
  assert.equal(processesMentioning(id), [], 'no stray process');
  if (resctrl) assert.not.ok(existsSync(join(resctrl.root, id)), 'no resctrl group');
}

test('features: intelRdt with schemata and monitoring is implemented (whether or not this host has RDT)', () => {
  const f = JSON.parse(s.ok(['features'])) as { linux: { intelRdt: unknown } };
  assert.equal(f.linux.intelRdt, { enabled: true, schemata: true, monitoring: true });
});

testIf(!resctrl, HAS_RESCTRL, 'no resctrl mounted: create and run refuse intelRdt in one line, nothing left behind', () => {
  failsClean('create', {}, NOT_ENABLED);
  failsClean('create', { closID: 'guaranteed', schemata: ['L3:0=7f0;1=1f', 'MB:0=20'], enableMonitoring: true }, NOT_ENABLED);
  failsClean('create', { l3CacheSchema: 'L3:0=f', memBwSchema: 'MB:0=20' }, NOT_ENABLED);
  // as runc's validator: "not enabled" comes before the closID check
  failsClean('create', { closID: '..' }, NOT_ENABLED);
  failsClean('run', { enableMonitoring: true }, NOT_ENABLED);
});

testIf(!resctrl, HAS_RESCTRL, 'the same with --log-format json: one JSON error line on the log', () => {
  const id = uniqueId('rdtj');
  const log = join(s.tmp, `${id}.log`);
  const bundle = s.bundle((c) => (c.linux!.intelRdt = {}));
  const r = s.tsrunc(['create', '--bundle', bundle, id], { globals: ['--log', log, '--log-format', 'json'] });
  assert.is(r.code, 1);
  const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string });
  assert.equal(lines.map((l) => [l.level, l.msg]), [['error', NOT_ENABLED.slice('tsrunc: '.length, -1)]]);
  assert.not.ok(existsSync(join(s.root, id)), 'no state dir');
});

test('schema rules of the spec are checked before the host (memBwSchema must start with MB:)', () => {
  const id = uniqueId('rdts');
  const r = s.tsrunc(['create', '--bundle', s.bundle((c) => (c.linux!.intelRdt = { memBwSchema: 'L3:0=f' })), id]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /^tsrunc: config\.json: \/linux\/intelRdt\/memBwSchema: /);
  assert.not.ok(existsSync(join(s.root, id)), 'no state dir');
});

testIf(!(resctrl?.cat && resctrl.mba), 'this host has RDT CAT and MBA', 'update --l3-cache-schema / --mem-bw-schema without RDT: runc\'s messages, the container untouched', () => {
  const id = uniqueId('rdtu');
  s.ok(['create', '--bundle', s.bundle((c) => (c.process!.args = ['sleep', '30'])), id]);
  try {
    let r = s.tsrunc(['update', '--l3-cache-schema', 'L3:0=f', id]);
    if (!resctrl?.cat) assert.equal([r.code, r.stderr], [1, 'tsrunc: Intel RDT/CAT: l3 cache schema is not enabled\n']);
    r = s.tsrunc(['update', '--pids-limit', '50', '--mem-bw-schema', 'MB:0=20', id]);
    if (!resctrl?.mba) assert.equal([r.code, r.stderr], [1, 'tsrunc: Intel RDT/MBA: memory bandwidth schema is not enabled\n']);
    assert.is(s.state(id).status, 'created');
    r = s.tsrunc(['update', '--l3-cache-schema', 'L3:0=f', 'no-such-container']);
    assert.is(r.code, 1);
    assert.match(r.stderr, /container does not exist|not exist/);
  } finally {
    s.tsrunc(['delete', '--force', id]);
  }
});

testIf(!!resctrl, 'no resctrl filesystem on this host; the unit tests cover the same steps on a fake tree', 'with resctrl mounted: a group named for the container holds the init, delete removes it', () => {
  if (!resctrl) return; // (for the type checker: the test is skipped then)
  const id = uniqueId('rdt');
  const group = join(resctrl.root, id);
  const bundle = s.bundle((c) => {
    c.process!.args = ['sleep', '30'];
    c.linux!.intelRdt = { enableMonitoring: resctrl.monitoring };
  });
  try {
    s.ok(['create', '--bundle', bundle, id]);
    const pid = s.state(id).pid;
    const tasks = readFileSync(join(group, 'tasks'), 'utf8').split('\n');
    assert.ok(tasks.includes(String(pid)), `init ${pid} in ${group}/tasks`);
    if (resctrl.monitoring) assert.ok(readFileSync(join(group, 'mon_groups', id, 'tasks'), 'utf8').split('\n').includes(String(pid)));
    const stats = JSON.parse(s.ok(['events', '--stats', id])) as { data: { intel_rdt: { schemata?: string[] } } };
    assert.ok(stats.data.intel_rdt.schemata?.length, 'events --stats shows the group\'s schemata');
    s.ok(['delete', '--force', id]);
    assert.not.ok(existsSync(group), 'the group is gone');
  } finally {
    s.tsrunc(['delete', '--force', id]);
  }
});

test.run();
