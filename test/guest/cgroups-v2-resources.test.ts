// Pure cgroup v2: every linux.resources field v2 has, set on a real container and read
// back from its cgroup files, plus the eBPF device filter on a real container.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { Session } from '../lib/harness.js';
import { dirOf, read, start } from './lib.js';

const s = new Session();
test.after(() => s.cleanup());

test('memory: limit, swap, reservation and unified memory.high', () => {
  const { id } = start(s, 'sleep 600', (c) => {
    c.linux!.resources = {
      ...c.linux!.resources,
      memory: { limit: 64 << 20, swap: 96 << 20, reservation: 16 << 20 },
      unified: { 'memory.high': String(48 << 20) },
    };
  });
  const d = dirOf(s, id);
  assert.is(read(d, 'memory.max'), String(64 << 20));
  assert.is(read(d, 'memory.swap.max'), String(32 << 20)); // memory+swap minus memory
  assert.is(read(d, 'memory.low'), String(16 << 20));
  assert.is(read(d, 'memory.high'), String(48 << 20));
  s.ok(['delete', '--force', id]);
});

test('cpu: shares as weight, quota and period, burst, idle', () => {
  const { id } = start(s, 'sleep 600', (c) => {
    c.linux!.resources = { ...c.linux!.resources, cpu: { shares: 2048, quota: 20_000, period: 50_000, burst: 10_000, idle: 0 } };
  });
  const d = dirOf(s, id);
  assert.is(read(d, 'cpu.weight'), '174'); // crun's and runc's formula: 1024 → 100
  assert.is(read(d, 'cpu.max'), '20000 50000');
  assert.is(read(d, 'cpu.max.burst'), '10000');
  assert.is(read(d, 'cpu.idle'), '0');
  s.ok(['delete', '--force', id]);
  const idle = start(s, 'sleep 600', (c) => {
    c.linux!.resources = { ...c.linux!.resources, cpu: { idle: 1 } };
  });
  assert.is(read(dirOf(s, idle.id), 'cpu.idle'), '1');
  s.ok(['delete', '--force', idle.id]);
});

test('cpuset: cpus and mems', () => {
  const { id } = start(s, 'sleep 600', (c) => {
    c.linux!.resources = { ...c.linux!.resources, cpu: { cpus: '0', mems: '0' } };
  });
  const d = dirOf(s, id);
  assert.is(read(d, 'cpuset.cpus'), '0');
  assert.is(read(d, 'cpuset.mems'), '0');
  assert.is(read(d, 'cpuset.cpus.effective'), '0');
  s.ok(['delete', '--force', id]);
});

/** major:minor of the guest's disk (virtio). */
function diskDevice(): { major: number; minor: number } {
  const name = readdirSync('/sys/block').find((b) => /^(vd|sd)[a-z]$/.test(b))!;
  const [major, minor] = readFileSync(`/sys/block/${name}/dev`, 'utf8').trim().split(':').map(Number);
  return { major, minor };
}

test('io: weight and read/write throttles', () => {
  const dev = diskDevice();
  const { id } = start(s, 'sleep 600', (c) => {
    c.linux!.resources = {
      ...c.linux!.resources,
      blockIO: {
        weight: 500,
        throttleReadBpsDevice: [{ ...dev, rate: 1 << 20 }],
        throttleWriteBpsDevice: [{ ...dev, rate: 2 << 20 }],
        throttleReadIOPSDevice: [{ ...dev, rate: 100 }],
        throttleWriteIOPSDevice: [{ ...dev, rate: 200 }],
      },
    };
  });
  const d = dirOf(s, id);
  if (existsSync(`${d}/io.bfq.weight`)) assert.match(read(d, 'io.bfq.weight'), /500/);
  else assert.match(read(d, 'io.weight'), /^default 4950$/m); // 10–1000 → 1–10000
  assert.match(read(d, 'io.max'), new RegExp(`^${dev.major}:${dev.minor} rbps=1048576 wbps=2097152 riops=100 wiops=200$`, 'm'));
  s.ok(['delete', '--force', id]);
});

test('pids limit', () => {
  const { id } = start(s, 'sleep 600', (c) => {
    c.linux!.resources = { ...c.linux!.resources, pids: { limit: 42 } };
  });
  assert.is(read(dirOf(s, id), 'pids.max'), '42');
  s.ok(['delete', '--force', id]);
});

test('hugetlb: 2MB page limit', () => {
  const { id } = start(s, 'sleep 600', (c) => {
    c.linux!.resources = { ...c.linux!.resources, hugepageLimits: [{ pageSize: '2MB', limit: 4 << 20 }] };
  });
  const d = dirOf(s, id);
  assert.is(read(d, 'hugetlb.2MB.max'), String(4 << 20));
  s.ok(['delete', '--force', id]);
});

test('rdma and misc controllers are enabled; a device the host lacks is a clear error', () => {
  const before = s.containers();
  const { id } = start(s, 'sleep 600');
  const d = dirOf(s, id);
  const controllers = read(d, 'cgroup.controllers').split(' ');
  for (const c of ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc']) assert.ok(controllers.includes(c), `${c} not in ${controllers}`);
  assert.ok(existsSync(`${d}/rdma.max`));
  assert.ok(existsSync(`${d}/misc.max`));
  s.ok(['delete', '--force', id]);
  // the guest has no RDMA adapter and no misc resource (SEV): the kernel refuses, tsrunc names the field
  const rdma = s.runOnce((c) => (c.linux!.resources = { rdma: { mlx5_0: { hcaHandles: 3, hcaObjects: 10 } } }), ['true']);
  assert.is(rdma.code, 1);
  assert.match(rdma.stderr, /\/linux\/resources\/rdma\/mlx5_0: rdma.max rejected "mlx5_0 hca_handle=3 hca_object=10"/);
  const misc = s.runOnce((c) => (c.linux!.resources = { unified: { 'misc.max': 'sev 2' } }), ['true']);
  assert.is(misc.code, 1);
  assert.match(misc.stderr, /\/linux\/resources\/unified\/misc.max: misc.max rejected "sev 2"/);
  assert.equal(s.containers(), before);
});

test('unified: key/values written as they are; unknown files are errors naming the key', () => {
  const before = s.containers();
  const { id } = start(s, 'sleep 600', (c) => {
    c.linux!.resources = { ...c.linux!.resources, unified: { 'memory.oom.group': '1', 'pids.max': '77', 'cpu.weight': '300', 'memory.min': '4096' } };
  });
  const d = dirOf(s, id);
  assert.is(read(d, 'memory.oom.group'), '1');
  assert.is(read(d, 'pids.max'), '77');
  assert.is(read(d, 'cpu.weight'), '300');
  assert.is(read(d, 'memory.min'), '4096');
  s.ok(['delete', '--force', id]);
  const bad = s.runOnce((c) => (c.linux!.resources = { unified: { 'memory.nonsense': '1' } }), ['true']);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /\/linux\/resources\/unified\/memory.nonsense/);
  assert.equal(s.containers(), before);
});

test('fields v2 does not have are refused or warned about as documented', () => {
  const rt = s.runOnce((c) => (c.linux!.resources = { cpu: { realtimeRuntime: 1000 } }), ['true']);
  assert.is(rt.code, 1);
  assert.match(rt.stderr, /\/linux\/resources\/cpu\/realtimeRuntime: realtime scheduling budgets are not supported on cgroup v2/);
  const net = s.runOnce((c) => (c.linux!.resources = { network: { classID: 7 } }), ['true']);
  assert.is(net.code, 1);
  assert.match(net.stderr, /\/linux\/resources\/network: net_cls and net_prio do not exist on cgroup v2/);
  const swappiness = s.runOnce((c) => (c.linux!.resources = { memory: { swappiness: 10 } }), ['echo', 'ran']);
  assert.is(swappiness.code, 0, swappiness.stderr);
  assert.match(swappiness.stdout, /ran/);
});

test('eBPF device filter: a denied device cannot be opened, the defaults still work', () => {
  const r = s.runOnce(
    (c) => {
      // allow all but reading /dev/zero; listing /dev/zero in linux.devices keeps the default
      // allow rule for it from undoing the deny (as runc)
      c.linux!.devices = [{ path: '/dev/zero', type: 'c', major: 1, minor: 5, fileMode: 0o666 }];
      c.linux!.resources = { devices: [{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 5, access: 'r' }] };
      for (const set of ['bounding', 'effective', 'permitted'] as const) c.process!.capabilities![set]!.push('CAP_MKNOD');
    },
    ['sh', '-c', 'head -c1 /dev/zero | wc -c; echo x > /dev/zero && echo write ok; head -c1 /dev/null; echo null ok; mknod /dev/n c 1 3 && echo mknod ok'],
  );
  const all = r.stdout + r.stderr;
  assert.match(all, /Operation not permitted/);
  assert.match(r.stdout, /write ok/);
  assert.match(r.stdout, /null ok/);
  assert.match(r.stdout, /mknod ok/);
  assert.not.match(r.stdout, /^1$/m);
});

test('a container without device rules gets the baseline: /dev/null yes, /dev/kmsg no', () => {
  const r = s.runOnce(
    (c) => (c.linux!.devices = [{ path: '/dev/kmsg', type: 'c', major: 1, minor: 11, fileMode: 0o644 }]),
    ['sh', '-c', 'echo hi > /dev/null && echo null ok; head -c1 /dev/kmsg && echo kmsg read'],
  );
  assert.match(r.stdout, /null ok/);
  assert.match(r.stderr, /kmsg: Operation not permitted/);
  assert.not.match(r.stdout, /kmsg read/);
});

test.run();
