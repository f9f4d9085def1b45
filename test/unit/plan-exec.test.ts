// exec's process-only plan: overrides, namespaces joined through the init's /proc, encoding.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyExecOverrides, compileExecPlan, mergeEnv, type ExecOverrides } from '../../src/plan/exec.js';
import { encodePlan } from '../../src/plan/encode.js';
import { UserError } from '../../src/errors.js';
import { execCgroupDirs } from '../../src/runtime/exec.js';
import { separateExecCommand } from '../../src/cli/exec.js';
import type { Process, Spec } from '../../src/spec/config.js';

const CAP_KILL = 1n << 5n, CAP_NET_RAW = 1n << 13n, CAP_AUDIT_WRITE = 1n << 29n;

function container(): Spec {
  return {
    ociVersion: '1.2.0',
    root: { path: 'rootfs' },
    process: {
      args: ['sleep', '1000'],
      cwd: '/',
      env: ['PATH=/bin', 'TERM=xterm'],
      user: { uid: 0, gid: 0 },
      capabilities: { bounding: ['CAP_KILL', 'CAP_AUDIT_WRITE'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] },
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }],
      noNewPrivileges: true,
      oomScoreAdj: 100,
    },
    linux: {
      namespaces: [{ type: 'mount' }, { type: 'pid' }, { type: 'network', path: '/var/run/netns/x' }, { type: 'user' }, { type: 'uts' }],
      uidMappings: [{ containerID: 0, hostID: 1000, size: 10 }],
      gidMappings: [{ containerID: 0, hostID: 1000, size: 10 }],
    },
  };
}

const NONE: ExecOverrides = { args: ['ps'], env: [], additionalGids: [], caps: [], tty: false };

test('joins every namespace of the container through the init, user first and mnt last', () => {
  const plan = compileExecPlan(container().process!, { container: container(), initPid: 42 });
  assert.equal(plan.nsJoin, [
    { type: 'user', path: '/proc/42/ns/user' },
    { type: 'uts', path: '/proc/42/ns/uts' },
    { type: 'net', path: '/proc/42/ns/net' },
    { type: 'pid', path: '/proc/42/ns/pid' },
    { type: 'mnt', path: '/proc/42/ns/mnt' },
  ]);
  assert.is(plan.userNsNew, false);
  assert.is(plan.nsUnshare, 0);
  assert.is(plan.rootfs, undefined);
  assert.equal(plan.uidMappings, []);
  assert.is(plan.setsid, true);
  assert.is(plan.oomScoreAdj, 100);
  assert.is(plan.execFifo, undefined);
});

test('the encoded plan has no rootfs, mount or fifo records', () => {
  const bytes = encodePlan(compileExecPlan(container().process!, { container: container(), initPid: 42 }));
  const types = new Set<number>();
  for (let off = 8; off < bytes.length; ) {
    types.add(bytes.readUInt16LE(off));
    off += 6 + bytes.readUInt32LE(off + 2);
  }
  for (const t of [2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 28]) assert.not.ok(types.has(t), `record ${t}`);
  for (const t of [1, 21, 22, 25, 26, 29]) assert.ok(types.has(t), `record ${t}`);
});

test('container process with exec flags applied', () => {
  const p = applyExecOverrides(container().process!, {
    args: ['sh', '-c', 'id'],
    cwd: '/tmp',
    env: ['TERM=dumb', 'FOO=1'],
    user: '1000:1001',
    additionalGids: [5, 6],
    caps: ['CAP_NET_RAW'],
    noNewPrivileges: false,
    tty: false,
  });
  assert.equal(p.args, ['sh', '-c', 'id']);
  assert.is(p.cwd, '/tmp');
  assert.equal(p.env, ['PATH=/bin', 'TERM=dumb', 'FOO=1']);
  assert.equal(p.user, { uid: 1000, gid: 1001, additionalGids: [5, 6] });
  assert.is(p.noNewPrivileges, false);
  const plan = compileExecPlan(p, { container: container(), initPid: 1 });
  assert.is(plan.caps.bounding, CAP_KILL | CAP_AUDIT_WRITE | CAP_NET_RAW);
  assert.is(plan.caps.effective, CAP_KILL | CAP_NET_RAW);
  assert.is(plan.caps.ambient, 0n);
  assert.equal(plan.rlimits, [{ resource: 7, soft: 1024n, hard: 1024n }]);
  // the container's own process is left alone
  assert.equal(container().process!.args, ['sleep', '1000']);
});

test('--user without gid keeps the gid; no flags keep everything', () => {
  const p = applyExecOverrides(container().process!, { ...NONE, user: '7' });
  assert.equal(p.user, { uid: 7, gid: 0 });
  const same = applyExecOverrides(container().process!, NONE);
  assert.is(same.noNewPrivileges, true);
  assert.equal(same.env, ['PATH=/bin', 'TERM=xterm']);
});

test('a process.json without capabilities gets the container ones, but not its rlimits', () => {
  const proc: Process = { args: ['true'], cwd: '/' };
  const plan = compileExecPlan(proc, { container: container(), initPid: 1 });
  assert.is(plan.caps.bounding, CAP_KILL | CAP_AUDIT_WRITE);
  assert.equal(plan.rlimits, []);
  assert.is(plan.noNewPrivileges, false);
  assert.equal(plan.user, { uid: 0, gid: 0, umask: 0o022 });
});

function throwsUser(fn: () => unknown, text: string): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, UserError);
    assert.is((err as Error).message, text);
    return;
  }
  assert.unreachable(`no error, expected ${text}`);
}

test('bad flags and processes are user errors', () => {
  const base = container().process!;
  throwsUser(() => applyExecOverrides(base, { ...NONE, args: [] }), 'exec args cannot be empty');
  throwsUser(() => applyExecOverrides(base, { ...NONE, cwd: 'tmp' }), '--cwd must be an absolute path: tmp');
  throwsUser(() => applyExecOverrides(base, { ...NONE, user: 'root' }), 'bad uid: "root" is not a number');
  throwsUser(() => applyExecOverrides(base, { ...NONE, user: '1:x' }), 'bad gid: "x" is not a number');
  throwsUser(() => applyExecOverrides(base, { ...NONE, additionalGids: [-1] }), 'additional-gids must be a positive number -1');
  throwsUser(() => mergeEnv([], ['NOVALUE']), 'invalid environment variable: "NOVALUE"');
  throwsUser(() => compileExecPlan({ args: ['x'], cwd: '/', env: ['=x'] }, { container: container(), initPid: 1 }), 'invalid environment variable: "=x"');
  throwsUser(
    () => compileExecPlan({ args: ['x'], cwd: '/', rlimits: [{ type: 'RLIMIT_NOFILE', soft: 2, hard: 1 }] }, { container: container(), initPid: 1 }),
    'process: /rlimits/0: soft limit 2 of RLIMIT_NOFILE is above hard limit 1',
  );
});

test('sub-cgroups: none, one path for all, per controller', () => {
  const dirs = { cpu: '/cg/cpu,cpuacct/c1', cpuacct: '/cg/cpu,cpuacct/c1', memory: '/cg/memory/c1', '': '/cg/unified/c1' };
  assert.equal(execCgroupDirs(dirs, []), ['/cg/cpu,cpuacct/c1', '/cg/memory/c1', '/cg/unified/c1']);
  assert.equal(execCgroupDirs(dirs, ['sub']), ['/cg/cpu,cpuacct/c1/sub', '/cg/memory/c1/sub', '/cg/unified/c1/sub']);
  assert.equal(execCgroupDirs(dirs, ['memory:m/n']), ['/cg/cpu,cpuacct/c1', '/cg/memory/c1/m/n', '/cg/unified/c1']);
  assert.equal(execCgroupDirs(dirs, ['cpuacct,memory:x']), ['/cg/cpu,cpuacct/c1/x', '/cg/memory/c1/x', '/cg/unified/c1']);
  throwsUser(() => execCgroupDirs(dirs, ['../x']), 'exec --cgroup: ../x is not a sub cgroup path');
  throwsUser(() => execCgroupDirs(dirs, ['a', 'b']), 'invalid --cgroup argument: a (missing <controller>: prefix)');
  throwsUser(() => execCgroupDirs(dirs, [':x']), 'invalid --cgroup argument: :x (empty <controller> prefix)');
  throwsUser(() => execCgroupDirs(dirs, ['memory:a', 'memory:b']), 'invalid --cgroup argument(s): controller memory specified multiple times');
  throwsUser(() => execCgroupDirs(dirs, ['rdma:a']), 'invalid --cgroup argument: rdma:a (unknown controller rdma)');
});

test('exec --cgroup on pure v2: one path, or controller forms that agree on it', () => {
  const v2 = { '': '/sys/fs/cgroup/c1' };
  assert.equal(execCgroupDirs(v2, []), ['/sys/fs/cgroup/c1']);
  assert.equal(execCgroupDirs(v2, ['sub']), ['/sys/fs/cgroup/c1/sub']);
  assert.equal(execCgroupDirs(v2, ['cpu,memory:sub', 'pids:sub']), ['/sys/fs/cgroup/c1/sub']);
  throwsUser(() => execCgroupDirs(v2, ['cpu:a', 'memory:b']), 'invalid --cgroup argument(s): on cgroup v2 every controller is in one cgroup, but a, b were given');
  throwsUser(() => execCgroupDirs(v2, ['..']), 'exec --cgroup: .. is not a sub cgroup path');
  throwsUser(() => execCgroupDirs(v2, ['a', 'b']), 'invalid --cgroup argument: a (missing <controller>: prefix)');
});

test('exec command line: flags end at the container id', () => {
  assert.equal(separateExecCommand(['exec', 'c1', 'sh', '-c', 'echo']), ['exec', 'c1', '--', 'sh', '-c', 'echo']);
  assert.equal(
    separateExecCommand(['--root', '/r', 'exec', '-e', 'A=1', '--pid-file', 'p', '-d', 'c1', 'ls', '-l']),
    ['--root', '/r', 'exec', '-e', 'A=1', '--pid-file', 'p', '-d', 'c1', '--', 'ls', '-l'],
  );
  assert.equal(separateExecCommand(['exec', '--cwd=/tmp', '-de', 'X=1', 'c1', 'env']), ['exec', '--cwd=/tmp', '-de', 'X=1', 'c1', '--', 'env']);
  assert.equal(separateExecCommand(['exec', '-p', 'process.json', 'c1']), ['exec', '-p', 'process.json', 'c1']);
  assert.equal(separateExecCommand(['kill', 'c1', '-a']), ['kill', 'c1', '-a']);
  assert.equal(separateExecCommand(['--log', 'exec', 'state', 'exec']), ['--log', 'exec', 'state', 'exec']);
});

test.run();
