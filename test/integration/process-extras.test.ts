// Scheduler, io priority, personality, memory policy, oom_score_adj, LSM labels, recursive
// mount attributes, id-mapped mounts, sysctls, network devices, exec CPU
// affinity and the seccomp notify agent, checked from inside real containers.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Spec } from '../../src/spec/config.js';
import { Session, uniqueId } from '../lib/harness.js';

const s = new Session();
const cleanups: (() => void)[] = [];
test.after(() => {
  // containers first (they may use what the test set up), then the test's own host changes
  for (const id of s.containers()) s.tsrunc(['delete', '--force', id]);
  for (const c of cleanups.reverse()) {
    try {
      c();
    } catch {
      // keep cleaning
    }
  }
  s.cleanup();
});

type Mutate = (spec: Spec) => void;

function inside(script: string, mutate: Mutate = () => {}): string {
  const r = s.runOnce(mutate, ['sh', '-c', script]);
  if (r.code !== 0) throw new Error(`container exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** `create` must fail with this message and leave no container behind. */
function refused(mutate: Mutate, message: string | RegExp): void {
  const before = s.containers().length;
  const r = s.runOnce(mutate, ['true']);
  assert.is.not(r.code, 0, 'create should fail');
  if (typeof message === 'string') assert.ok(r.stderr.includes(message), `stderr: ${r.stderr}`);
  else assert.match(r.stderr, message);
  assert.is(s.containers().length, before, 'nothing left behind');
}

/** Fields of /proc/<shell>/stat, 1-based as proc(5) numbers them. */
function statFields(out: string): string[] {
  const rest = out.slice(out.lastIndexOf(')') + 2).trim().split(' ');
  return ['pid', 'comm', ...rest];
}
const field = (fields: string[], n: number) => fields[n - 1];

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

test('oomScoreAdj is written to /proc/self/oom_score_adj', () => {
  assert.is(inside('cat /proc/self/oom_score_adj', (c) => (c.process!.oomScoreAdj = 423)), '423\n');
  assert.is(inside('cat /proc/self/oom_score_adj', (c) => (c.process!.oomScoreAdj = 1000)), '1000\n');
  // below the current value needs CAP_SYS_RESOURCE, which this host's bounding set lacks
  const bnd = /^CapBnd:\s*(\S+)$/m.exec(spawnSync('cat', ['/proc/self/status'], { encoding: 'utf8' }).stdout)?.[1] ?? '0';
  if ((BigInt(`0x${bnd}`) & (1n << 24n)) === 0n) return;
  assert.is(inside('cat /proc/self/oom_score_adj', (c) => (c.process!.oomScoreAdj = -17)), '-17\n');
});

test('personality LINUX32 makes uname report i686; LINUX leaves x86_64', () => {
  assert.is(inside('uname -m', (c) => (c.linux!.personality = { domain: 'LINUX32' })), 'i686\n');
  assert.is(inside('uname -m', (c) => (c.linux!.personality = { domain: 'LINUX' })), 'x86_64\n');
});

test('memoryPolicy: set_mempolicy in the init, seen in numa_maps of the container process and of exec', () => {
  if (!existsSync('/proc/self/numa_maps')) return; // a kernel without NUMA has no set_mempolicy
  const policy = (mp: NonNullable<NonNullable<Spec['linux']>['memoryPolicy']>) => (c: Spec) => (c.linux!.memoryPolicy = mp);
  // the first mapping of `cat` itself carries the task policy it inherited
  const first = 'head -n 1 /proc/self/numa_maps | cut -d" " -f2';
  assert.is(inside(first, policy({ mode: 'MPOL_BIND', nodes: '0' })), 'bind:0\n');
  assert.is(inside(first, policy({ mode: 'MPOL_INTERLEAVE', nodes: '0' })), 'interleave:0\n');
  assert.is(inside(first, policy({ mode: 'MPOL_PREFERRED', nodes: '0' })), 'prefer:0\n');
  assert.is(inside(first, policy({ mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES'] })), 'bind=static:0\n');
  assert.is(inside(first, policy({ mode: 'MPOL_LOCAL' })), 'local\n');
  assert.is(inside(first), 'default\n');
  // exec'd processes get the container's policy too (as runc's setns init)
  const id = uniqueId('mpol');
  const bundle = s.bundle((c) => {
    c.process!.args = ['sleep', '60'];
    c.linux!.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '0' };
  });
  s.ok(['run', '-d', '--bundle', bundle, id]);
  assert.is(s.ok(['exec', id, 'sh', '-c', first]), 'interleave:0\n');
});

test('memoryPolicy: a node the host lacks fails create with the syscall named; bad nodes refused by name', () => {
  const nodes = readFileSync('/sys/devices/system/node/possible', 'utf8').trim();
  const missing = Number(/(\d+)$/.exec(nodes)?.[1] ?? '0') + 1;
  if (existsSync('/proc/self/numa_maps')) {
    refused((c) => (c.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: String(missing) }), /set memory policy \(mode 0x2\): invalid argument/i);
  }
  refused((c) => (c.linux!.memoryPolicy = { mode: 'MPOL_BIND' }), 'config.json: /linux/memoryPolicy/nodes: MPOL_BIND needs at least one node');
  refused((c) => (c.linux!.memoryPolicy = { mode: 'MPOL_LOCAL', nodes: '0' }), 'config.json: /linux/memoryPolicy/nodes: MPOL_LOCAL takes no nodes, got "0"');
});

test('scheduler: SCHED_BATCH with nice, SCHED_IDLE (policy field 41, nice field 19 of /proc/<pid>/stat)', () => {
  const batch = statFields(inside('cat /proc/$$/stat', (c) => (c.process!.scheduler = { policy: 'SCHED_BATCH', nice: 7 })));
  assert.is(field(batch, 41), '3');
  assert.is(field(batch, 19), '7');
  const idle = statFields(inside('cat /proc/$$/stat', (c) => (c.process!.scheduler = { policy: 'SCHED_IDLE' })));
  assert.is(field(idle, 41), '5');
});

test('scheduler: SCHED_FIFO with priority, in a cgroup that has realtime runtime', () => {
  const out = inside('cat /proc/$$/stat', (c) => {
    c.process!.scheduler = { policy: 'SCHED_FIFO', priority: 12 };
    c.linux!.resources = { ...c.linux!.resources, cpu: { realtimeRuntime: 10000, realtimePeriod: 1000000 } };
  });
  const f = statFields(out);
  assert.is(field(f, 41), '1');
  assert.is(field(f, 40), '12'); // rt_priority
});

test('scheduler: SCHED_DEADLINE with runtime, deadline and period', () => {
  // a deadline task may not fork unless reset-on-fork is set: the shell forks cat
  const out = inside('cat /proc/$$/stat; grep dl.runtime /proc/$$/sched', (c) => {
    c.process!.scheduler = { policy: 'SCHED_DEADLINE', runtime: 10_000_000, deadline: 30_000_000, period: 30_000_000, flags: ['SCHED_FLAG_RESET_ON_FORK'] };
  });
  assert.is(field(statFields(out.split('\n')[0]), 41), '6');
  assert.match(out, /dl\.runtime\s+:\s+\d+/);
});

test('scheduler: bad values are refused before anything is created', () => {
  refused((c) => (c.process!.scheduler = { policy: 'SCHED_OTHER', nice: 30 }), 'config.json: /process/scheduler/nice: must be -20 to 19 with SCHED_OTHER, not 30');
  refused((c) => (c.process!.scheduler = { policy: 'SCHED_BATCH', priority: 3 }), 'config.json: /process/scheduler/priority: can only be set with SCHED_FIFO or SCHED_RR');
  refused((c) => (c.process!.scheduler = { policy: 'SCHED_OTHER', runtime: 1000 }), 'config.json: /process/scheduler/runtime: can only be set with SCHED_DEADLINE');
});

test('ioPriority: class and level as ionice shows them', () => {
  assert.is(inside('ionice -p $$', (c) => (c.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 })), 'best-effort: prio 6\n');
  assert.is(inside('ionice -p $$', (c) => (c.process!.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 0 })), 'idle\n');
  assert.is(inside('ionice -p $$', (c) => (c.process!.ioPriority = { class: 'IOPRIO_CLASS_RT', priority: 1 })), 'realtime: prio 1\n');
});

test('apparmorProfile, selinuxLabel and mountLabel are refused on a host without those modules', () => {
  if (existsSync('/sys/kernel/security/apparmor')) return; // a host with AppArmor would apply it
  refused((c) => (c.process!.apparmorProfile = 'docker-default'), 'config.json: /process/apparmorProfile: apparmor is not enabled on this host');
  if (existsSync('/sys/fs/selinux/enforce')) return;
  refused((c) => (c.process!.selinuxLabel = 'system_u:system_r:container_t:s0'), 'config.json: /process/selinuxLabel: selinux is not enabled on this host');
  refused((c) => (c.linux!.mountLabel = 'system_u:object_r:container_file_t:s0'), 'config.json: /linux/mountLabel: selinux is not enabled on this host');
});

test('sysctl: a network one lands in the new network namespace; a host-wide one is refused', () => {
  const host = spawnSync('cat', ['/proc/sys/net/ipv4/ip_forward'], { encoding: 'utf8' }).stdout;
  const out = inside('cat /proc/sys/net/ipv4/ip_forward', (c) => (c.linux!.sysctl = { 'net.ipv4.ip_forward': '1' }));
  assert.is(out, '1\n');
  assert.is(spawnSync('cat', ['/proc/sys/net/ipv4/ip_forward'], { encoding: 'utf8' }).stdout, host, 'the host value is untouched');
  refused((c) => (c.linux!.sysctl = { 'kernel.panic': '5' }), 'config.json: /linux/sysctl/kernel.panic: sysctl "kernel.panic" is not in a separate kernel namespace');
});

/** A host directory with a tmpfs mounted under it: dir/sub. */
function dirWithSubmount(): string {
  const dir = join(s.tmp, uniqueId('rro'));
  mkdirSync(join(dir, 'sub'), { recursive: true });
  sh('mount', ['-t', 'tmpfs', 'tmpfs', join(dir, 'sub')]);
  cleanups.push(() => sh('umount', ['-l', join(dir, 'sub')]));
  return dir;
}

test('rro makes a submount read-only too; ro alone leaves it writable', () => {
  const dir = dirWithSubmount();
  const write = 'touch /m/top 2>/dev/null && echo top-rw || echo top-ro; touch /m/sub/f 2>/dev/null && echo sub-rw || echo sub-ro';
  const rro = inside(write, (c) => c.mounts!.push({ destination: '/m', source: dir, type: 'bind', options: ['rbind', 'rro'] }));
  assert.is(rro, 'top-ro\nsub-ro\n');
  const ro = inside(write, (c) => c.mounts!.push({ destination: '/m', source: dir, type: 'bind', options: ['rbind', 'ro'] }));
  assert.is(ro, 'top-ro\nsub-rw\n');
});

test('rnoexec and rnosuid show on the submount', () => {
  const dir = dirWithSubmount();
  const out = inside('grep " /m/sub " /proc/self/mountinfo', (c) =>
    c.mounts!.push({ destination: '/m', source: dir, type: 'bind', options: ['rbind', 'rnoexec', 'rnosuid', 'rnodev'] }),
  );
  const opts = out.split(' ')[5].split(',');
  for (const o of ['noexec', 'nosuid', 'nodev']) assert.ok(opts.includes(o), `${o} in ${out}`);
});

function linkExists(name: string): boolean {
  return spawnSync('ip', ['link', 'show', 'dev', name], { stdio: 'ignore' }).status === 0;
}

/** A veth pair in the host's network namespace with unique names; the test moves `inner`. */
function vethPair(): { inner: string; outer: string } {
  const tag = `${process.pid % 100000}${Math.random().toString(36).slice(2, 5)}`;
  const inner = `tsx${tag}a`;
  const outer = `tsx${tag}b`;
  sh('ip', ['link', 'add', inner, 'type', 'veth', 'peer', 'name', outer]);
  cleanups.push(() => {
    for (const n of [inner, outer]) if (linkExists(n)) sh('ip', ['link', 'del', n]);
  });
  return { inner, outer };
}

test('netDevices: a host interface moves in, renamed, with its address, and up', () => {
  const { inner, outer } = vethPair();
  sh('ip', ['addr', 'add', '10.213.47.2/24', 'dev', inner]);
  const out = inside('ip -o -4 addr show dev ctr0; cat /sys/class/net/ctr0/flags', (c) => {
    c.linux!.netDevices = { [inner]: { name: 'ctr0' } };
  });
  assert.match(out, /ctr0\s+inet 10\.213\.47\.2\/24/);
  const flags = Number(out.trim().split('\n').pop());
  assert.ok(flags & 1, `IFF_UP in flags ${flags}`);
  // the container's network namespace is gone, and the veth pair with it (the kernel cleans up asynchronously)
  for (let i = 0; i < 100 && linkExists(outer); i++) spawnSync('sleep', ['0.1']);
  assert.not.ok(linkExists(inner));
  assert.not.ok(linkExists(outer));
});

test('netDevices: the host name is kept when no name is given', () => {
  const { inner } = vethPair();
  const out = inside(`cat /sys/class/net/${inner}/ifindex >/dev/null && echo present`, (c) => {
    c.linux!.netDevices = { [inner]: {} };
  });
  assert.is(out, 'present\n');
});

test('netDevices: a missing device, a taken name or no network namespace fail create', () => {
  refused((c) => (c.linux!.netDevices = { tsxnosuchdev0: {} }), 'network device tsxnosuchdev0 not found on the host: no such device');
  const { inner } = vethPair();
  refused((c) => (c.linux!.netDevices = { [inner]: { name: 'lo' } }), `network device ${inner}: the name lo is taken in the container`);
  assert.ok(linkExists(inner), 'a device that could not move stays on the host');
  refused((c) => {
    c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== 'network');
    c.linux!.netDevices = { [inner]: {} };
  }, 'config.json: /linux/netDevices: network devices cannot be moved without a network namespace');
  refused((c) => (c.linux!.netDevices = { 'bad/name': {} }), 'config.json: /linux/netDevices/bad~1name: invalid network device name "bad/name"');
});

/** A detached container running `sleep`; returns its id. */
function running(mutate: Mutate): string {
  const id = uniqueId('px');
  const bundle = s.bundle((c) => {
    c.process!.args = ['sleep', '1000'];
    mutate(c);
  });
  s.ok(['run', '-d', '--bundle', bundle, id]);
  return id;
}

function cpusAllowed(status: string): string {
  return /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)?.[1] ?? '';
}

test('execCPUAffinity: final applies to exec\'d processes, not to the init', () => {
  const id = running((c) => (c.process!.execCPUAffinity = { initial: '0', final: '1' }));
  assert.is(cpusAllowed(s.ok(['exec', id, 'cat', '/proc/self/status'])), '1');
  assert.is(cpusAllowed(s.ok(['exec', id, 'cat', '/proc/1/status'])), cpusAllowed(readFileSync('/proc/self/status', 'utf8')));
  s.ok(['delete', '--force', id]);
});

test('execCPUAffinity: initial alone is kept after the cgroup join; from a process.json too', () => {
  const id = running((c) => (c.process!.execCPUAffinity = { initial: '1' }));
  const st = s.ok(['exec', id, 'cat', '/proc/self/status']);
  assert.is(cpusAllowed(st), '1', st);
  const proc = join(s.tmp, `${id}-process.json`);
  writeFileSync(proc, JSON.stringify({ cwd: '/', args: ['cat', '/proc/self/status'], env: ['PATH=/bin'], execCPUAffinity: { final: '0' } }));
  assert.is(cpusAllowed(s.ok(['exec', '--process', proc, id])), '0');
  writeFileSync(proc, JSON.stringify({ cwd: '/', args: ['true'], execCPUAffinity: { final: '9999' } }));
  const bad = s.tsrunc(['exec', '--process', proc, id]);
  assert.is(bad.code, 255); // runc's exit status for a failed exec
  assert.match(bad.stderr, 'process: /execCPUAffinity/final: CPU 9999 is above the maximum of 8191');
  writeFileSync(proc, JSON.stringify({ cwd: '/', args: ['true'], execCPUAffinity: { final: '4095' } }));
  assert.match(s.tsrunc(['exec', '--process', proc, id]).stderr, 'error setting final CPU affinity 4095: invalid argument');
  s.ok(['delete', '--force', id]);
});

/** A host directory holding f (owned by 1000:1000) and r (owned by root). */
function ownedFiles(): string {
  const dir = join(s.tmp, uniqueId('idmap'));
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(s.tmp, 0o711); // reachable from a user namespace's root
  writeFileSync(join(dir, 'f'), 'x');
  chownSync(join(dir, 'f'), 1000, 1000);
  writeFileSync(join(dir, 'r'), 'x');
  return dir;
}

test('id-mapped mount: uidMappings/gidMappings change the owners seen inside', () => {
  const dir = ownedFiles();
  const map = (hostID: number) => [{ containerID: 1000, hostID, size: 1 }];
  const out = inside('stat -c %u:%g /m/f /m/r', (c) =>
    c.mounts!.push({ destination: '/m', source: dir, type: 'bind', options: ['bind', 'idmap'], uidMappings: map(3000), gidMappings: map(3001) }),
  );
  // on-disk 1000 is the mapping's containerID: it shows as its hostID; root is not mapped
  assert.is(out, '3000:3001\n65534:65534\n');
  // the host's view is unchanged
  assert.is(spawnSync('stat', ['-c', '%u:%g', join(dir, 'f')], { encoding: 'utf8' }).stdout, '1000:1000\n');
});

test('id-mapped mount: "idmap" alone takes the container\'s user namespace mappings', () => {
  const dir = ownedFiles();
  const withUserns: Mutate = (c) => {
    c.linux!.namespaces!.push({ type: 'user' });
    c.linux!.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    c.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
  };
  const plain = inside('stat -c %u /m/r /m/f', (c) => {
    withUserns(c);
    c.mounts!.push({ destination: '/m', source: dir, type: 'bind', options: ['bind'] });
  });
  assert.is(plain, '65534\n65534\n');
  const mapped = inside('stat -c %u /m/r /m/f', (c) => {
    withUserns(c);
    c.mounts!.push({ destination: '/m', source: dir, type: 'bind', options: ['bind', 'idmap'] });
  });
  assert.is(mapped, '0\n1000\n');
});

test('id-mapped mount: ridmap maps submounts too, idmap only the top', () => {
  const dir = ownedFiles();
  mkdirSync(join(dir, 'sub'));
  sh('mount', ['-t', 'tmpfs', '-o', 'uid=1000,gid=1000', 'tmpfs', join(dir, 'sub')]);
  cleanups.push(() => sh('umount', ['-l', join(dir, 'sub')]));
  const map = [{ containerID: 1000, hostID: 4000, size: 1 }];
  const run = (opt: string) =>
    inside('stat -c %u /m/f /m/sub', (c) =>
      c.mounts!.push({ destination: '/m', source: dir, type: 'bind', options: ['rbind', opt], uidMappings: map, gidMappings: map }),
    );
  assert.is(run('ridmap'), '4000\n4000\n');
  assert.is(run('idmap'), '4000\n1000\n');
});

test('id-mapped mount: refused without mappings or on a non-bind mount', () => {
  refused((c) => c.mounts!.push({ destination: '/m', source: '/tmp', type: 'bind', options: ['bind', 'idmap'] }),
    'config.json: /mounts/7/options: "idmap" needs uidMappings and gidMappings, or a new user namespace with mappings');
  const map = [{ containerID: 0, hostID: 1000, size: 1 }];
  refused((c) => c.mounts!.push({ destination: '/m', source: 'tmpfs', type: 'tmpfs', uidMappings: map, gidMappings: map }),
    'config.json: /mounts/7: id-mapped mounts are only supported for bind mounts');
});

/**
 * A seccomp agent: for each connection, keeps the state JSON and the fd it
 * came with, then answers every notification with success (the syscall is
 * not run) until the process is gone; appends what it saw to `out`, one JSON
 * line per connection.
 */
const AGENT = String.raw`
import array, fcntl, json, socket, struct, sys, threading
path, out = sys.argv[1], sys.argv[2]
NOTIF_RECV, NOTIF_SEND = 0xc0502100, 0xc0182101
lock = threading.Lock()

def serve(conn):
    fds = array.array('i')
    data = b''
    while True:
        msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(16))
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[:len(payload) - len(payload) % 4])
        if not msg:
            break
        data += msg
    seen = []
    while fds:
        buf = bytearray(80)
        try:
            fcntl.ioctl(fds[0], NOTIF_RECV, buf)
        except OSError:
            break
        nid, pid, flags, nr = struct.unpack_from('QIIi', buf)
        seen.append(nr)
        try:
            fcntl.ioctl(fds[0], NOTIF_SEND, bytearray(struct.pack('QqiI', nid, 0, 0, 0)))
        except OSError:
            pass
    with lock, open(out, 'a') as f:
        f.write(json.dumps({'state': json.loads(data), 'nfds': len(fds), 'syscalls': seen}) + '\n')

srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(8)
open(path + '.ready', 'w').close()
while True:
    conn, _ = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
`;

interface AgentReport {
  state: { ociVersion: string; fds: string[]; pid: number; metadata?: string; state: Record<string, unknown> };
  nfds: number;
  syscalls: number[];
}

/** Starts the agent; `wait(n)` returns its reports once n processes have come and gone. */
function startAgent(): { sock: string; wait: (n?: number) => AgentReport[] } {
  const dir = join(s.tmp, uniqueId('agent'));
  mkdirSync(dir);
  const script = join(dir, 'agent.py');
  writeFileSync(script, AGENT);
  const sock = join(dir, 'agent.sock');
  const out = join(dir, 'seen.jsonl');
  const child = spawn('python3', [script, sock, out], { stdio: ['ignore', 'inherit', 'inherit'] });
  cleanups.push(() => child.kill('SIGKILL'));
  for (let i = 0; i < 200 && !existsSync(`${sock}.ready`); i++) spawnSync('sleep', ['0.05']);
  const reports = (): AgentReport[] => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : []);
  return {
    sock,
    wait: (n = 1) => {
      for (let i = 0; i < 200 && reports().length < n; i++) spawnSync('sleep', ['0.05']);
      return reports();
    },
  };
}

const NR_MKDIR = 83;

test('seccomp notify: the agent gets the fd and the state, and answers for the container', () => {
  const agent = startAgent();
  const id = uniqueId('notify');
  const bundle = s.bundle((c) => {
    c.process!.args = ['sh', '-c', 'mkdir /newdir && echo made; [ -d /newdir ] || echo absent'];
    c.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      listenerPath: agent.sock,
      listenerMetadata: 'hello agent',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
    };
    c.annotations = { 'test.key': 'value' };
  });
  const r = s.tsrunc(['run', '--bundle', bundle, id]);
  // the root is read-only: mkdir "succeeded" only because the agent said so
  assert.is(r.stdout, 'made\nabsent\n', r.stderr);
  assert.is(r.code, 0);
  const [seen] = agent.wait();
  assert.is(seen.nfds, 1);
  assert.ok(seen.syscalls.includes(NR_MKDIR), `syscalls ${seen.syscalls}`);
  const st = seen.state;
  assert.is(st.ociVersion, '1.3.0');
  assert.equal(st.fds, ['seccompFd']);
  assert.is(st.metadata, 'hello agent');
  assert.ok(st.pid > 1, 'host pid');
  assert.is(st.state.id, id);
  assert.is(st.state.status, 'creating');
  assert.is(st.state.pid, st.pid);
  assert.is(st.state.bundle, bundle);
  assert.equal(st.state.annotations, { 'test.key': 'value' });
});

test('seccomp notify: with noNewPrivileges false (early filter) too', () => {
  const agent = startAgent();
  const out = inside('mkdir /x2 && echo made', (c) => {
    c.process!.noNewPrivileges = false;
    c.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: agent.sock, syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }] };
  });
  assert.is(out, 'made\n');
  assert.ok(agent.wait()[0].syscalls.includes(NR_MKDIR));
});

test('seccomp notify: an exec\'d process sends its own fd, with the running state and its pid', () => {
  const agent = startAgent();
  const id = running((c) => {
    c.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: agent.sock, syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }] };
  });
  const pidFile = join(s.tmp, `${id}.pid`);
  assert.is(s.ok(['exec', '--pid-file', pidFile, id, 'sh', '-c', 'mkdir /e && echo made']), 'made\n');
  s.ok(['delete', '--force', id]);
  const reports = agent.wait(2);
  const exec = reports.find((r) => r.state.state.status === 'running');
  assert.ok(exec, JSON.stringify(reports));
  assert.is(exec!.state.pid, Number(readFileSync(pidFile, 'utf8')));
  assert.ok(exec!.syscalls.includes(NR_MKDIR));
  assert.ok(reports.some((r) => r.state.state.status === 'creating'), 'the init sent its fd too');
});

test('seccomp notify: missing listenerPath, unreachable agent and notify on sendmsg are refused', () => {
  const notify = { names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' as const };
  refused((c) => (c.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [notify] }), 'config.json: /linux/seccomp/listenerPath: required with SCMP_ACT_NOTIFY rules');
  refused((c) => (c.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'x' }), 'config.json: /linux/seccomp/listenerPath: is required when listenerMetadata is set');
  refused(
    (c) => (c.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: join(s.tmp, 'nobody.sock'), syscalls: [notify] }),
    `failed to connect with seccomp agent ${join(s.tmp, 'nobody.sock')}: no such file or directory`,
  );
  refused(
    (c) => (c.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/x.sock', syscalls: [{ names: ['sendmsg'], action: 'SCMP_ACT_NOTIFY' }] }),
    'config.json: /linux/seccomp/syscalls/0/names/0: SCMP_ACT_NOTIFY cannot be used for the sendmsg syscall',
  );
});

test.run();
