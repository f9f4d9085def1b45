// The guest is the host the guest suite is written for: cgroup v2 only (no v1 hierarchy
// mounted), systemd as PID 1, the controllers issue 11 lists; and the self-contained
// tsrunc runs there. The other guest files rely on these facts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { TSRUNC } from '../lib/harness.js';

test('only cgroup2 is mounted, at /sys/fs/cgroup', () => {
  const types = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [pre, post] = l.split(' - ');
      return { mnt: pre.split(' ')[4], type: post.split(' ')[0] };
    });
  assert.equal(types.filter((m) => m.type === 'cgroup'), []);
  assert.ok(types.some((m) => m.type === 'cgroup2' && m.mnt === '/sys/fs/cgroup'));
});

test('the root cgroup offers the controllers the suite tests', () => {
  const have = readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').trim().split(' ');
  for (const c of ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc']) assert.ok(have.includes(c), `${c} missing from ${have}`);
});

test('systemd is PID 1', () => {
  assert.is(readFileSync('/proc/1/comm', 'utf8').trim(), 'systemd');
});

test('tsrunc (TSRUNC_BIN) runs', () => {
  const r = spawnSync(TSRUNC, ['--version'], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /tsrunc/);
});

test.run();
