// src/linux/resctrl.ts and resctrl-stats.ts against a fake resctrl tree in a
// tmp dir: the files the kernel has, and a fake of the two calls it answers
// differently (mkdir fills a group, rmdir takes its files with it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { hostResctrl, joinGroup, joinGroupIfThere, makeGroup, removeGroup, resctrlFeatures, resctrlMountpoint, undoGroup, writeSchemata, type ResctrlOps } from '../../src/linux/resctrl.js';
import { intelRdtStats } from '../../src/linux/resctrl-stats.js';
import { planIntelRdt } from '../../src/plan/intel-rdt.js';
import { statsToJson } from '../../src/cgroups/stats.js';
import type { LinuxIntelRdt } from '../../src/spec/config.js';
import { userErrorMessage } from '../lib/user-error.js';

const dirs: string[] = [];

function files(dir: string, entries: Record<string, string>): void {
  for (const [name, text] of Object.entries(entries)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

/** A resctrl root as the kernel shows it on a 2-socket machine with CAT, MBA and monitoring. */
function fakeRoot(opts: { mon?: boolean } = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'tsrunc-resctrl-'));
  dirs.push(root);
  files(root, {
    'info/L3/cbm_mask': '7ff\n',
    'info/L3/min_cbm_bits': '1\n',
    'info/L3/num_closids': '16\n',
    'info/MB/bandwidth_gran': '10\n',
    'info/MB/delay_linear': '1\n',
    'info/MB/min_bandwidth': '10\n',
    'info/MB/num_closids': '8\n',
    'info/last_cmd_status': 'ok\n',
    schemata: '    L3:0=7ff;1=7ff\n    MB:0=100;1=100\n',
    tasks: '1\n2\n',
  });
  if (opts.mon !== false) {
    files(root, { 'info/L3_MON/mon_features': 'llc_occupancy\nmbm_total_bytes\nmbm_local_bytes\n', 'info/L3_MON/num_rmids': '176\n' });
    mkdirSync(join(root, 'mon_groups'));
  }
  return root;
}

/** The kernel's side of mkdir/rmdir: a new group has tasks, schemata and (with monitoring) mon_groups and counters. */
function fakeKernel(root: string, calls: string[] = []): ResctrlOps {
  return {
    mkdir(path) {
      calls.push(`mkdir ${path.slice(root.length)}`); // every attempt, also one that finds the group there
      mkdirSync(path);
      const isMon = basename(dirname(path)) === 'mon_groups';
      files(path, { tasks: '' });
      if (!isMon) files(path, { schemata: readFileSync(join(root, 'schemata'), 'utf8') });
      if (!isMon && existsSync(join(root, 'mon_groups'))) mkdirSync(join(path, 'mon_groups'));
      if (existsSync(join(root, 'mon_groups'))) {
        for (const [n, d] of [['00', 7], ['01', 9]] as const) {
          files(path, { [`mon_data/mon_L3_${n}/llc_occupancy`]: `${d}000\n`, [`mon_data/mon_L3_${n}/mbm_total_bytes`]: `${d}1\n`, [`mon_data/mon_L3_${n}/mbm_local_bytes`]: `${d}2\n` });
        }
      }
    },
    rmdir(path) {
      calls.push(`rmdir ${path.slice(root.length)}`);
      if (!existsSync(path)) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      rmSync(path, { recursive: true });
    },
  };
}

function plan(root: string, rdt: LinuxIntelRdt, id = 'c1') {
  return planIntelRdt(rdt, id, resctrlFeatures(root));
}

const read = (p: string): string => readFileSync(p, 'utf8');

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('the resctrl mount is found in mountinfo wherever it is', () => {
  const mi = [
    '22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw',
    '30 22 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
    '41 22 0:40 / /mnt/my\\040rdt rw,relatime - resctrl resctrl rw,mba_MBps',
    '42 22 0:40 / /sys/fs/resctrl rw,relatime - resctrl resctrl rw',
  ].join('\n');
  assert.is(resctrlMountpoint(mi), '/mnt/my rdt', 'the first one, unescaped');
  assert.is(resctrlMountpoint(mi.split('\n').slice(0, 2).join('\n')), undefined);
  assert.is(resctrlMountpoint('1 0 0:1 / /x rw - resctrlx none rw'), undefined, 'the exact type only');
  assert.is(hostResctrl('22 1 0:21 / /sys rw - sysfs sysfs rw\n'), undefined);
});

test('features: info/L3 → CAT, info/MB → MBA, mon_groups → monitoring', () => {
  const root = fakeRoot();
  assert.equal(hostResctrl(`41 22 0:40 / ${root} rw - resctrl resctrl rw\n`), { root, cat: true, mba: true, monitoring: true });
  const bare = mkdtempSync(join(tmpdir(), 'tsrunc-resctrl-'));
  dirs.push(bare);
  assert.equal(resctrlFeatures(bare), { root: bare, cat: false, mba: false, monitoring: false });
});

test('a new group: made, schemata written in order, MON group made, tasks joined; delete removes the group', () => {
  const root = fakeRoot();
  const calls: string[] = [];
  const ops = fakeKernel(root, calls);
  const state = makeGroup(plan(root, { l3CacheSchema: 'L3:0=7f0;1=1f', memBwSchema: 'MB:0=20;1=70', schemata: ['L2:0=f'], enableMonitoring: true }), ops);
  assert.equal(state, { root, path: join(root, 'c1'), madeGroup: true, removeGroup: true, monPath: join(root, 'c1/mon_groups/c1') });
  assert.is(read(join(root, 'c1/schemata')), 'L3:0=7f0;1=1f\nMB:0=20;1=70\nL2:0=f\n');
  assert.equal(calls, ['mkdir /c1', 'mkdir /c1/mon_groups/c1']);
  joinGroup(state, 4242);
  assert.is(read(join(root, 'c1/tasks')), '4242');
  assert.is(read(join(root, 'c1/mon_groups/c1/tasks')), '4242');
  assert.is(read(join(root, 'tasks')), '1\n2\n', 'the root group is not touched');
  removeGroup(state, ops);
  assert.not.ok(existsSync(join(root, 'c1')));
  assert.equal(calls.slice(2), ['rmdir /c1'], 'the MON group goes with its group');
  removeGroup(state, ops); // a second delete (the group already gone) is fine
});

test('no schema set: schemata is left as the kernel made it', () => {
  const root = fakeRoot();
  const state = makeGroup(plan(root, {}), fakeKernel(root));
  assert.is(read(join(state.path, 'schemata')), read(join(root, 'schemata')));
  assert.is(state.monPath, undefined);
});

test('closID of an existing group: joined and its schemata written, but delete removes only the MON group', () => {
  const root = fakeRoot();
  const calls: string[] = [];
  const ops = fakeKernel(root, calls);
  ops.mkdir(join(root, 'shared'));
  calls.length = 0;
  const state = makeGroup(plan(root, { closID: 'shared', schemata: ['L3:0=f;1=f'], enableMonitoring: true }, 'c2'), ops);
  assert.equal(state, { root, path: join(root, 'shared'), madeGroup: false, removeGroup: false, monPath: join(root, 'shared/mon_groups/c2') });
  assert.is(read(join(root, 'shared/schemata')), 'L3:0=f;1=f\n');
  removeGroup(state, ops);
  assert.equal(calls, ['mkdir /shared', 'mkdir /shared/mon_groups/c2', 'rmdir /shared/mon_groups/c2'], 'mkdir of the group found it there');
  assert.ok(existsSync(join(root, 'shared/schemata')));
});

test('closID of a group create made: kept by delete (runtime-spec), removed when create fails', () => {
  const root = fakeRoot();
  const ops = fakeKernel(root);
  const state = makeGroup(plan(root, { closID: 'gold', memBwSchema: 'MB:0=50' }), ops);
  assert.equal(state, { root, path: join(root, 'gold'), madeGroup: true, removeGroup: false });
  removeGroup(state, ops);
  assert.ok(existsSync(join(root, 'gold')), 'delete keeps a named group');
  undoGroup(state, ops);
  assert.not.ok(existsSync(join(root, 'gold')), 'a failed create takes back what it made');
});

test('closID "/": the root group, never removed', () => {
  const root = fakeRoot();
  const calls: string[] = [];
  const ops = fakeKernel(root, calls);
  const state = makeGroup(plan(root, { closID: '/' }), ops);
  assert.equal(state, { root, path: root, madeGroup: false, removeGroup: false });
  joinGroup(state, 77);
  assert.is(read(join(root, 'tasks')), '77');
  removeGroup(state, ops);
  undoGroup(state, ops);
  assert.equal(calls, ['mkdir ']);
});

test('closID and no schema: the group must exist; nothing is made when it does not', () => {
  const root = fakeRoot();
  const calls: string[] = [];
  assert.is(
    userErrorMessage(() => makeGroup(plan(root, { closID: 'gone', enableMonitoring: true }), fakeKernel(root, calls))),
    `config.json: /linux/intelRdt/closID: resctrl group ${root}/gone does not exist (it must be made beforehand when schemata, l3CacheSchema and memBwSchema are empty)`,
  );
  assert.equal(calls, []);
});

test('a write the kernel refuses: its errno and last_cmd_status, and the new group taken back', () => {
  const root = fakeRoot();
  const calls: string[] = [];
  const kernel = fakeKernel(root, calls);
  const ops: ResctrlOps = {
    ...kernel,
    mkdir(path) {
      if (path.includes('mon_groups')) {
        writeFileSync(join(root, 'info/last_cmd_status'), 'Out of RMIDs\n');
        throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
      }
      kernel.mkdir(path);
    },
  };
  assert.is(
    userErrorMessage(() => makeGroup(plan(root, { enableMonitoring: true }), ops)),
    `config.json: /linux/intelRdt: mkdir ${root}/c1/mon_groups/c1: no space left on device (last_cmd_status: Out of RMIDs)`,
  );
  assert.equal(calls, ['mkdir /c1', 'rmdir /c1']);
  assert.not.ok(existsSync(join(root, 'c1')));
});

test('a schemata write that fails in an existing group leaves the group alone', () => {
  const root = fakeRoot();
  const calls: string[] = [];
  const ops = fakeKernel(root, calls);
  mkdirSync(join(root, 'odd/schemata'), { recursive: true }); // makes the write fail (EISDIR)
  writeFileSync(join(root, 'info/last_cmd_status'), 'ok\n');
  assert.is(
    userErrorMessage(() => makeGroup(plan(root, { closID: 'odd', l3CacheSchema: 'L3:0=f' }), ops)),
    `config.json: /linux/intelRdt: write "L3:0=f" to ${root}/odd/schemata: is a directory`,
  );
  assert.equal(calls, ['mkdir /odd'], 'found there, so not removed');
  assert.ok(existsSync(join(root, 'odd')));
});

test('update rewrites the schemata of the group create made', () => {
  const root = fakeRoot();
  const state = makeGroup(plan(root, { l3CacheSchema: 'L3:0=f' }), fakeKernel(root));
  writeSchemata(state, 'L3:0=3\nMB:0=40\n');
  assert.is(read(join(state.path, 'schemata')), 'L3:0=3\nMB:0=40\n');
});

test('adding a pid that the kernel refuses names the tasks file', () => {
  const root = fakeRoot();
  const state = makeGroup(plan(root, {}), fakeKernel(root));
  rmSync(join(state.path, 'tasks'));
  mkdirSync(join(state.path, 'tasks'));
  assert.is(userErrorMessage(() => joinGroup(state, 5)), `config.json: /linux/intelRdt: add pid 5 to ${state.path}/tasks: is a directory`);
});

test('exec joins the group while it is there, and skips it once it was removed (as runc)', () => {
  const root = fakeRoot();
  const ops = fakeKernel(root);
  const state = makeGroup(plan(root, { enableMonitoring: true }), ops);
  joinGroupIfThere(state, 99);
  assert.is(read(join(state.path, 'tasks')), '99');
  assert.is(read(join(state.monPath!, 'tasks')), '99');
  removeGroup(state, ops);
  joinGroupIfThere(state, 100);
  assert.not.ok(existsSync(state.path));
});

test('events --stats intel_rdt: runc\'s fields from the group, the root, info/ and the MON group\'s counters', () => {
  const root = fakeRoot();
  const state = makeGroup(plan(root, { l3CacheSchema: 'L3:0=7f0;1=1f', memBwSchema: 'MB:0=20;1=70', enableMonitoring: true }), fakeKernel(root));
  // the MON group counts only the container
  files(state.monPath!, { 'mon_data/mon_L3_01/mbm_total_bytes': '5\n' });
  assert.is(
    statsToJson(intelRdtStats(state)),
    JSON.stringify({
      l3_cache_info: { cbm_mask: '7ff', min_cbm_bits: 1, num_closids: 16 },
      l3_cache_schema_root: 'L3:0=7ff;1=7ff',
      l3_cache_schema: 'L3:0=7f0;1=1f',
      mem_bw_info: { bandwidth_gran: 10, delay_linear: 1, min_bandwidth: 10, num_closids: 8 },
      mem_bw_schema_root: 'MB:0=100;1=100',
      mem_bw_schema: 'MB:0=20;1=70',
      schemata: ['L3:0=7f0;1=1f', 'MB:0=20;1=70'],
      mbm_stats: [
        { mbm_total_bytes: 71, mbm_local_bytes: 72 },
        { mbm_total_bytes: 5, mbm_local_bytes: 92 },
      ],
      cmt_stats: [{ llc_occupancy: 7000 }, { llc_occupancy: 9000 }],
    }),
  );
});

test('stats without monitoring or MBA: only what the host has', () => {
  const root = fakeRoot({ mon: false });
  rmSync(join(root, 'info/MB'), { recursive: true });
  writeFileSync(join(root, 'schemata'), '    L3:0=7ff;1=7ff\n');
  const state = makeGroup(plan(root, { l3CacheSchema: 'L3:0=3;1=3' }), fakeKernel(root));
  assert.equal(intelRdtStats(state), {
    l3_cache_info: { cbm_mask: '7ff', min_cbm_bits: 1, num_closids: 16 },
    l3_cache_schema_root: 'L3:0=7ff;1=7ff',
    l3_cache_schema: 'L3:0=3;1=3',
    schemata: ['L3:0=3;1=3'],
  });
});

test.run();
