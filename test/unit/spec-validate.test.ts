// Schema validation of config.json and the one-line messages it produces.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkProcess, checkResources, checkSpec } from '../../src/spec/validate.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

type Json = Record<string, any>;
const fixture = (): Json =>
  JSON.parse(readFileSync(join(repoRoot(), 'test/unit/fixtures/runc-default-config.json'), 'utf8'));

function problems(mutate: (c: Json) => void): string[] {
  const c = fixture();
  mutate(c);
  return checkSpec(c);
}

test('runc default config is valid', () => {
  assert.equal(checkSpec(fixture()), []);
});

test('minimal config is valid', () => {
  assert.equal(checkSpec({ ociVersion: '1.0.0', root: { path: 'rootfs' } }), []);
});

test('unknown properties are ignored at every level', () => {
  assert.equal(
    problems((c) => {
      c.somethingNew = { deep: [1, 2] };
      c.process.futureField = true;
      c.process.user.extra = 'x';
      c.linux.namespaces[0].flags = 7;
      c.linux.resources.memory = { limit: 1 << 20, newKnob: 'x' };
      c.mounts[0].extra = null;
      c.hooks = { futureHook: [{ whatever: 1 }] };
    }),
    [],
  );
});

test('ociVersion: 1.0.x through 1.3.x accepted, with suffixes', () => {
  for (const v of ['1.0.0', '1.0.2-dev', '1.1.0-rc.1', '1.2.1', '1.3.0', '1.3.0+build.5', '1.2.0-rc.3+dev']) {
    assert.equal(problems((c) => (c.ociVersion = v)), [], v);
  }
});

test('ociVersion: other versions rejected with a clear message', () => {
  for (const v of ['0.9.0', '1.4.0', '2.0.0', '1.0', 'v1.0.0', '', '1.01.0']) {
    assert.equal(
      problems((c) => (c.ociVersion = v)),
      [`config.json: /ociVersion: ${JSON.stringify(v)} is not a supported version (tsrunc accepts 1.0.x through 1.3.x)`],
    );
  }
  assert.equal(problems((c) => delete c.ociVersion), ['config.json: /ociVersion: is required']);
  assert.equal(problems((c) => (c.ociVersion = 1)), ['config.json: /ociVersion: must be a string, got 1']);
});

test('message shapes from the brief', () => {
  assert.equal(problems((c) => (c.process.rlimits[0].type = 'RLIMIT_FOO')), [
    'config.json: /process/rlimits/0/type: "RLIMIT_FOO" is not a known rlimit',
  ]);
  assert.equal(problems((c) => (c.linux.namespaces[2].type = 'ipcs')), [
    'config.json: /linux/namespaces/2/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time',
  ]);
  assert.equal(problems((c) => (c.process.args = [])), ['config.json: /process/args: must not be empty']);
  assert.equal(problems((c) => delete c.process.args), ['config.json: /process/args: is required']);
  assert.equal(problems((c) => delete c.root.path), ['config.json: /root/path: is required']);
  assert.equal(problems((c) => delete c.root), ['config.json: /root: is required']);
});

test('several problems: one line each, in document order', () => {
  const lines = problems((c) => {
    c.process.user.uid = -1;
    c.process.user.gid = 'x';
    c.process.cwd = 'relative';
    c.linux.maskedPaths.push('proc/x');
  });
  assert.equal(lines, [
    'config.json: /process/cwd: "relative" is not an absolute path',
    'config.json: /process/user/uid: must be at least 0, got -1',
    'config.json: /process/user/gid: must be an integer, got "x"',
    'config.json: /linux/maskedPaths/10: "proc/x" is not an absolute path',
  ]);
});

test('type, range and enum messages', () => {
  assert.equal(problems((c) => (c.process = 'sh')), ['config.json: /process: must be an object, got "sh"']);
  assert.equal(problems((c) => (c.linux.resources.memory = { swappiness: 101 })), [
    'config.json: /linux/resources/memory/swappiness: must be at most 100, got 101',
  ]);
  assert.equal(problems((c) => (c.linux.resources.pids = { limit: 1.5 })), [
    'config.json: /linux/resources/pids/limit: must be an integer, got 1.5',
  ]);
  assert.equal(problems((c) => (c.linux.uidMappings = [{ containerID: 0, hostID: 4294967296, size: 1 }])), [
    'config.json: /linux/uidMappings/0/hostID: must be at most 4294967295, got 4294967296',
  ]);
  assert.equal(problems((c) => (c.linux.rootfsPropagation = 'bogus')), [
    'config.json: /linux/rootfsPropagation: must be one of "", shared, slave, private, unbindable, rshared, rslave, rprivate, runbindable',
  ]);
  // any string is accepted: the plan compiler warns about names it cannot map (as runc)
  assert.equal(problems((c) => (c.process.capabilities.bounding[1] = 'KILL')), []);
  assert.equal(problems((c) => (c.process.capabilities.bounding[1] = 7)), [
    'config.json: /process/capabilities/bounding/1: must be a string, got 7',
  ]);
  assert.equal(problems((c) => (c.hooks = { poststop: [{ path: '/bin/true', timeout: 0 }] })), [
    'config.json: /hooks/poststop/0/timeout: must be greater than 0, got 0',
  ]);
  assert.equal(problems((c) => (c.linux.devices = [{ type: 'x', path: '/dev/x' }])), [
    'config.json: /linux/devices/0/type: must be one of c, b, u, p',
  ]);
});

test('large uint64 values (RLIM_INFINITY) are accepted', () => {
  const text = JSON.stringify(fixture()).replace('"soft":1024', '"soft":18446744073709551615');
  assert.equal(checkSpec(JSON.parse(text)), []);
});

test('conditional and key rules', () => {
  assert.equal(problems((c) => (c.linux.devices = [{ type: 'c', path: '/dev/fuse', major: 10 }])), [
    'config.json: /linux/devices/0/minor: is required',
  ]);
  assert.equal(problems((c) => (c.linux.devices = [{ type: 'p', path: '/dev/fifo' }])), []);
  assert.equal(problems((c) => (c.linux.resources.rdma = { mlx5_1: {} })), [
    'config.json: /linux/resources/rdma/mlx5_1: must set hcaHandles or hcaObjects',
  ]);
  assert.equal(problems((c) => (c.linux.resources.rdma = { mlx5_1: { hcaObjects: 3 } })), []);
  assert.equal(problems((c) => (c.mounts[0].uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }])), [
    'config.json: /mounts/0/gidMappings: is required when uidMappings is set',
  ]);
  assert.equal(problems((c) => (c.linux.timeOffsets = { realtime: { secs: 1 } })), [
    'config.json: /linux/timeOffsets/realtime: name must be one of monotonic, boottime',
  ]);
  assert.equal(problems((c) => (c.linux.timeOffsets = { monotonic: { secs: -5, nanosecs: 10 } })), []);
  assert.equal(problems((c) => (c.annotations = { '': 'x' })), ['config.json: /annotations/: name must not be empty']);
  assert.equal(problems((c) => (c.annotations = { 'a/b~c': 1 })), [
    'config.json: /annotations/a~1b~0c: must be a string, got 1',
  ]);
});

test('seccomp: every action, operator, arch and flag is accepted; others named', () => {
  const actions = ['KILL', 'KILL_PROCESS', 'KILL_THREAD', 'TRAP', 'ERRNO', 'TRACE', 'ALLOW', 'LOG', 'NOTIFY'];
  const ops = ['NE', 'LT', 'LE', 'EQ', 'GE', 'GT', 'MASKED_EQ'];
  const seccomp = {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_RISCV64'],
    flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
    listenerPath: '/run/agent.sock',
    listenerMetadata: 'x',
    syscalls: [
      ...actions.map((a) => ({ names: ['getpid'], action: `SCMP_ACT_${a}` })),
      {
        names: ['personality'],
        action: 'SCMP_ACT_ALLOW',
        args: ops.map((op) => ({ index: 0, value: 8, valueTwo: 0, op: `SCMP_CMP_${op}` })),
      },
    ],
  };
  assert.equal(problems((c) => (c.linux.seccomp = seccomp)), []);
  assert.equal(
    problems((c) => {
      c.linux.seccomp = {
        defaultAction: 'SCMP_ACT_NOPE',
        architectures: ['SCMP_ARCH_VAX'],
        flags: ['SECCOMP_FILTER_FLAG_X'],
        listenerMetadata: 'm',
        syscalls: [{ names: [], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 1, op: 'SCMP_CMP_XOR' }] }],
      };
    }),
    [
      'config.json: /linux/seccomp/listenerPath: is required when listenerMetadata is set',
      'config.json: /linux/seccomp/defaultAction: "SCMP_ACT_NOPE" is not a known seccomp action',
      'config.json: /linux/seccomp/architectures/0: "SCMP_ARCH_VAX" is not a known seccomp architecture',
      'config.json: /linux/seccomp/flags/0: "SECCOMP_FILTER_FLAG_X" is not a known seccomp flag',
      'config.json: /linux/seccomp/syscalls/0/names: must not be empty',
      'config.json: /linux/seccomp/syscalls/0/args/0/index: must be at most 5, got 6',
      'config.json: /linux/seccomp/syscalls/0/args/0/op: "SCMP_CMP_XOR" is not a known seccomp operator',
    ],
  );
});

test('the rest of config-linux.md is accepted', () => {
  assert.equal(
    problems((c) => {
      c.domainname = 'example.org';
      c.annotations = { 'com.example.key': '' };
      c.process.consoleSize = { height: 25, width: 80 };
      c.process.oomScoreAdj = -500;
      c.process.user = { uid: 1000, gid: 1000, umask: 18, additionalGids: [5, 6] };
      c.process.scheduler = { policy: 'SCHED_DEADLINE', nice: -1, priority: 0, flags: ['SCHED_FLAG_RECLAIM'], runtime: 1, deadline: 2, period: 3 };
      c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 4 };
      c.process.execCPUAffinity = { initial: '0-3,7', final: '1' };
      c.process.apparmorProfile = 'p';
      c.process.selinuxLabel = 'l';
      c.hooks = Object.fromEntries(
        ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'].map((h) => [
          h,
          [{ path: '/usr/bin/hook', args: ['hook', h], env: ['A=1'], timeout: 5 }],
        ]),
      );
      c.mounts.push({ destination: '/data', source: '/srv', options: ['rbind', 'idmap'], uidMappings: [{ containerID: 0, hostID: 1, size: 2 }], gidMappings: [{ containerID: 0, hostID: 1, size: 2 }] });
      const l = c.linux;
      l.namespaces.push({ type: 'user' }, { type: 'cgroup' }, { type: 'time', path: '/proc/1/ns/time' });
      l.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      l.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      l.timeOffsets = { boottime: { secs: 10 } };
      l.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0 }, { type: 'u', path: '/dev/u', major: 1, minor: 2 }];
      l.netDevices = { eth1: { name: 'eth0' }, dummy0: {} };
      l.cgroupsPath = '/tsrunc/test';
      l.resources = {
        devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }],
        memory: { limit: -1, reservation: 1, swap: -1, kernel: -1, kernelTCP: -1, swappiness: 0, disableOOMKiller: true, useHierarchy: true, checkBeforeUpdate: true },
        cpu: { shares: 1024, quota: -1, burst: 0, period: 100000, realtimeRuntime: 0, realtimePeriod: 0, cpus: '0-1', mems: '0', idle: 1 },
        pids: { limit: 0 },
        blockIO: {
          weight: 500,
          leafWeight: 300,
          weightDevice: [{ major: 8, minor: 0, weight: 500, leafWeight: 300 }],
          throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 600 }],
          throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 600 }],
          throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 600 }],
          throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 600 }],
        },
        hugepageLimits: [{ pageSize: '2MB', limit: 209715200 }, { pageSize: '64KB', limit: 0 }],
        network: { classID: 1048577, priorities: [{ name: 'eth0', priority: 500 }] },
        rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 } },
        unified: { 'io.max': '259:0 rbps=2097152', 'memory.high': 'max' },
      };
      l.intelRdt = { closID: 'guaranteed', l3CacheSchema: 'L3:0=7f0', memBwSchema: 'MB:0=20', schemata: ['L2:0=ff'], enableMonitoring: true };
      l.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '2-3', flags: ['MPOL_F_STATIC_NODES'] };
      l.sysctl = { 'net.ipv4.ip_forward': '1' };
      l.rootfsPropagation = 'slave';
      l.mountLabel = 'system_u:object_r:svirt_sandbox_file_t:s0';
      l.personality = { domain: 'LINUX32', flags: [] };
    }),
    [],
  );
});

test('duplicate namespace and rlimit types are errors', () => {
  assert.equal(
    problems((c) => {
      c.linux.namespaces.push({ type: 'pid', path: '/proc/1/ns/pid' });
      c.process.rlimits.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 });
    }),
    [
      'config.json: /linux/namespaces/5/type: duplicate namespace type "pid"',
      'config.json: /process/rlimits/1/type: duplicate rlimit "RLIMIT_NOFILE"',
    ],
  );
});

test('a non-object document', () => {
  assert.equal(checkSpec([]), ['config.json: must be an object, got an array']);
  assert.equal(checkSpec(null), ['config.json: must be an object, got null']);
});

test('lone process and resources objects (exec --process, update --resources)', () => {
  assert.equal(checkProcess({ cwd: '/', args: ['sh'] }, 'process.json'), []);
  assert.equal(checkProcess({ cwd: '/', args: [] }, 'process.json'), ['process.json: /args: must not be empty']);
  assert.equal(checkResources({ memory: { limit: 1024 }, pids: { limit: -1 } }, 'resources'), []);
  assert.equal(checkResources({ cpu: { shares: -2 } }, 'resources'), ['resources: /cpu/shares: must be at least 0, got -2']);
});

test.run();
