// cgroupJoins/cgroupJoinPlan: how stage 0 joins each cgroup (record CGROUP_JOIN), and its encoding
// (first in the plan, fields how and dir, multi-byte paths counted in bytes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cgroupJoinPlan, cgroupJoins } from '../../src/plan/cgroup-join.js';
import { encodePlan, RecordType } from '../../src/plan/encode.js';
import { CLONE_NEWCGROUP, CLONE_NEWNS } from '../../src/plan/namespaces.js';
import type { Plan } from '../../src/plan/types.js';
import { minimalPlan } from '../lib/plans.js';

const HYBRID = {
  cpu: '/sys/fs/cgroup/cpu/c1',
  cpuacct: '/sys/fs/cgroup/cpu/c1', // co-mounted: one hierarchy, one join
  memory: '/sys/fs/cgroup/memory/c1',
  'name=systemd': '/sys/fs/cgroup/systemd/c1',
  '': '/sys/fs/cgroup/unified/c1',
};

function plan(extra: Partial<Plan> = {}): Plan {
  return minimalPlan({ nsUnshare: CLONE_NEWNS, setsid: true, ...extra });
}

test('v1 hierarchies through tasks, once each; v2 by cloning the init into it', () => {
  assert.equal(cgroupJoins(HYBRID, plan()), [
    { how: 'tasks', dir: '/sys/fs/cgroup/cpu/c1' },
    { how: 'tasks', dir: '/sys/fs/cgroup/memory/c1' },
    { how: 'tasks', dir: '/sys/fs/cgroup/systemd/c1' },
    { how: 'clone', dir: '/sys/fs/cgroup/unified/c1' },
  ]);
  assert.equal(cgroupJoins({ '': '/sys/fs/cgroup/c1' }, plan()), [{ how: 'clone', dir: '/sys/fs/cgroup/c1' }]);
});

test('v2 through cgroup.procs when stage 0 changes its user namespace or joins a cgroup namespace', () => {
  const v2 = { '': '/sys/fs/cgroup/c1' };
  const procs = [{ how: 'procs', dir: '/sys/fs/cgroup/c1' }];
  assert.equal(cgroupJoins(v2, plan({ userNsNew: true })), procs);
  assert.equal(cgroupJoins(v2, plan({ userNsNew: true, nsUnshare: CLONE_NEWNS | CLONE_NEWCGROUP })), procs);
  assert.equal(cgroupJoins(v2, plan({ nsJoin: [{ type: 'user', path: '/proc/1/ns/user' }] })), procs);
  assert.equal(cgroupJoins(v2, plan({ nsJoin: [{ type: 'cgroup', path: '/proc/1/ns/cgroup' }] })), procs);
  assert.equal(cgroupJoins(v2, plan({ nsJoin: [{ type: 'net', path: '/proc/1/ns/net' }] })), [{ how: 'clone', dir: '/sys/fs/cgroup/c1' }]);
});

test('a new cgroup namespace alone: the clone makes it, NS_UNSHARE goes without it', () => {
  const p = plan({ nsUnshare: CLONE_NEWNS | CLONE_NEWCGROUP });
  assert.equal(cgroupJoinPlan({ '': '/sys/fs/cgroup/c1' }, p), {
    cgroupJoin: [{ how: 'clone-newcgroup', dir: '/sys/fs/cgroup/c1' }],
    nsUnshare: CLONE_NEWNS,
  });
  // hybrid: v1 hierarchies joined first, so the namespace is rooted at every one of them
  assert.equal(cgroupJoinPlan(HYBRID, p).cgroupJoin!.at(-1), { how: 'clone-newcgroup', dir: '/sys/fs/cgroup/unified/c1' });
  // procs: stage 0 unshares the namespace itself, after joining
  assert.equal(cgroupJoinPlan({ '': '/sys/fs/cgroup/c1' }, plan({ userNsNew: true, nsUnshare: CLONE_NEWNS | CLONE_NEWCGROUP })).nsUnshare, CLONE_NEWNS | CLONE_NEWCGROUP);
  // pure v1: no clone, the flag stays
  assert.equal(cgroupJoinPlan({ memory: '/sys/fs/cgroup/memory/c1' }, p).nsUnshare, CLONE_NEWNS | CLONE_NEWCGROUP);
});

test('encoded first, as how and dir', () => {
  const buf = encodePlan(plan({ cgroupJoin: [{ how: 'tasks', dir: '/sys/fs/cgroup/cpu/é' }] }));
  assert.is(buf.readUInt16LE(8), RecordType.CGROUP_JOIN);
  const len = buf.readUInt32LE(10);
  assert.is(buf.subarray(14, 14 + len).toString('utf8'), 'tasks\0/sys/fs/cgroup/cpu/é\0');
  assert.is(buf.readUInt16LE(14 + len), RecordType.NS_UNSHARE);
});

test.run();
