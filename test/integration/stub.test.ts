// The C stub on its own (root): spawned straight from Node with a plan for a
// tiny busybox rootfs, driven through its sync socket like tsrunc does.
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:net';
import koffi from 'koffi';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodePlan } from '../../src/plan/encode.js';
import type { Plan, PlanMount } from '../../src/plan/types.js';

const STUB = fileURLToPath(new URL('../../../nsexec/build/tsrunc-nsexec', import.meta.url));

const CLONE_NEWNS = 0x20000, CLONE_NEWUTS = 0x04000000, CLONE_NEWIPC = 0x08000000;
const CLONE_NEWNET = 0x40000000, CLONE_NEWPID = 0x20000000;
const MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_BIND = 0x1000, MS_REC = 0x4000;
const MS_SLAVE = 1 << 19, MS_STRICTATIME = 1 << 24;
const DEFAULT_CAPS = (1n << 0n) | (1n << 5n) | (1n << 10n) | (1n << 29n); // chown, kill, net_bind_service, audit_write

const libc = koffi.load('libc.so.6');
const waitpid = libc.func('int waitpid(int pid, _Out_ int *status, int options)');

let dir = '';
let rootfs = '';
let stateDir = '';

test.before(() => {
  dir = mkdtempSync('/tmp/tsrunc-stub-');
  chmodSync(dir, 0o755); // a mapped root (user namespace test) must reach the rootfs
  rootfs = join(dir, 'rootfs');
  for (const d of ['bin', 'proc', 'dev', 'sys', 'tmp', 'etc']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  chmodSync(join(rootfs, 'bin/busybox'), 0o755);
  for (const cmd of ['sh', 'echo', 'cat', 'ls', 'id', 'hostname', 'grep', 'head', 'wc', 'touch', 'readlink', 'pwd', 'true']) {
    symlinkSync('busybox', join(rootfs, 'bin', cmd));
  }
});

test.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function freshStateDir(): string {
  stateDir = mkdtempSync(join(dir, 'state-'));
  chmodSync(stateDir, 0o711); // like runc: a non-root container user can reach exec.fifo
  execFileSync('mkfifo', ['-m', '0622', join(stateDir, 'exec.fifo')]);
  return stateDir;
}

function mount(source: string, destination: string, fstype: string, flags: number, data = ''): PlanMount {
  return { source, destination, fstype, flags, propagation: 0, data, attrSet: 0, attrClr: 0 };
}

function basePlan(args: string[]): Plan {
  return {
    nsJoin: [],
    userNsNew: false,
    nsUnshare: CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID,
    timeOffsets: [],
    rootfs,
    stateDir: freshStateDir(),
    propagation: MS_SLAVE | MS_REC,
    mounts: [
      mount('proc', '/proc', 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC),
      mount('tmpfs', '/dev', 'tmpfs', MS_NOSUID | MS_STRICTATIME, 'mode=755,size=65536k'),
    ],
    devices: [
      { path: '/dev/null', type: 'c', major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0, how: 'mknod' },
      { path: '/dev/zero', type: 'c', major: 1, minor: 5, mode: 0o666, uid: 0, gid: 0, how: 'mknod' },
    ],
    symlinks: [{ target: '/proc/self/fd', linkpath: '/dev/fd' }],
    pivot: 'pivot_root',
    rootReadonly: false,
    hostname: 'stubbox',
    sysctl: [],
    maskedPaths: [],
    readonlyPaths: [],
    rlimits: [],
    noNewPrivileges: true,
    caps: { bounding: DEFAULT_CAPS, effective: DEFAULT_CAPS, permitted: DEFAULT_CAPS, inheritable: 0n, ambient: 0n },
    user: { uid: 0, gid: 0, umask: 0o22 },
    additionalGids: [],
    cwd: '/',
    env: ['PATH=/bin', 'HOME=/'],
    args,
    execFifo: 'exec.fifo',
    setsid: true,
    uidMappings: [],
    gidMappings: [],
  };
}

interface Message {
  type: string;
  pid?: number;
  msg?: string;
}

interface Run {
  messages: Message[];
  stdout: string;
  stderr: string;
  stage0Exit: number | null;
  /** exit status of the init (the container process), -1 when there was none */
  initExit: number;
  /** VmRSS of the init (kB) while it waited on exec.fifo */
  waitingRssKb?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens exec.fifo like `start` and reads the init's "0". */
async function startViaFifo(state: string): Promise<void> {
  const fd = openSync(join(state, 'exec.fifo'), constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(1);
    for (let i = 0; i < 500; i++) {
      try {
        if (readSync(fd, buf, 0, 1, null) === 1) {
          assert.is(buf.toString(), '0');
          return;
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      }
      await sleep(10);
    }
    throw new Error('init never wrote to exec.fifo');
  } finally {
    closeSync(fd);
  }
}

function rssKb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) : -1;
}

function reap(pid: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const status = [0];
    waitpid.async(pid, status, 0, (err: unknown, res: number) => {
      if (err || res !== pid) reject(err ?? new Error(`waitpid ${pid} returned ${res}`));
      else resolve(status[0] & 0x7f ? 128 + (status[0] & 0x7f) : (status[0] >> 8) & 0xff);
    });
  });
}

/** Spawns the stub, sends the plan, answers idmap, opens exec.fifo on ready, collects everything. */
async function runStub(
  plan: Plan | Buffer,
  opts: { idmap?: string; beforeStart?: (initPid: number) => Promise<void> } = {},
): Promise<Run> {
  // stdio[4] is an extra descriptor the container must not inherit.
  const child = spawn(STUB, [], { stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'], env: {} });
  const sync = child.stdio[3] as Socket;
  const run: Run = { messages: [], stdout: '', stderr: '', stage0Exit: null, initExit: -1 };
  let initPid = 0;
  let fifoDone: Promise<void> | undefined;
  const bytes = Buffer.isBuffer(plan) ? plan : encodePlan(plan);
  const fifoStateDir = Buffer.isBuffer(plan) || !plan.execFifo ? undefined : plan.stateDir;

  const exited = new Promise<void>((resolve) => child.on('exit', (code) => { run.stage0Exit = code; resolve(); }));
  const closed = (s: NodeJS.ReadableStream | null) => new Promise<void>((resolve) => (s ? s.on('close', () => resolve()) : resolve()));
  child.stdout!.on('data', (d: Buffer) => (run.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (run.stderr += d.toString()));
  const allClosed = Promise.all([closed(child.stdout), closed(child.stderr), closed(sync)]);
  child.stdin!.end();
  sync.on('error', () => {});

  let buffered = '';
  sync.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const m = JSON.parse(buffered.slice(0, nl)) as Message;
      buffered = buffered.slice(nl + 1);
      run.messages.push(m);
      if (m.type === 'idmap') {
        execFileSync('sh', ['-c', `echo '${opts.idmap}' > /proc/${m.pid}/uid_map && echo '${opts.idmap}' > /proc/${m.pid}/gid_map`]);
        sync.write('M');
      } else if (m.type === 'pid') {
        initPid = m.pid!;
      } else if (m.type === 'ready' && fifoStateDir) {
        run.waitingRssKb = rssKb(initPid);
        const state = fifoStateDir;
        fifoDone = (opts.beforeStart ?? (() => Promise.resolve()))(initPid).then(() => startViaFifo(state));
      }
    }
  });
  sync.write(bytes);

  const timer = setTimeout(() => {
    if (initPid) process.kill(initPid, 'SIGKILL');
    child.kill('SIGKILL');
  }, 15000);
  await Promise.all([exited, allClosed]);
  await fifoDone;
  if (initPid) run.initExit = await reap(initPid);
  clearTimeout(timer);
  return run;
}

function types(r: Run): string[] {
  return r.messages.map((m) => m.type);
}

test('new namespaces, proc, devices, pivot, hostname: the process runs as pid 1', async () => {
  const script = [
    'echo pid=$$',
    'echo host=$(hostname)',
    'grep -E "^(CapEff|CapBnd|NoNewPrivs|Uid):" /proc/self/status',
    'echo fds:; ls /proc/$$/fd', // not $(...): its pipe would be an fd of the shell
    'echo zero=$(head -c 4 /dev/zero | wc -c)',
    'echo fd=$(readlink /dev/fd)',
    'echo root=$(ls /)',
    'echo cwd=$(pwd)',
  ].join('; ');
  const r = await runStub(basePlan(['sh', '-c', script]));
  assert.equal(types(r), ['pid', 'ready'], r.stdout + r.stderr + JSON.stringify(r.messages));
  assert.is(r.stage0Exit, 0);
  assert.is(r.initExit, 0, r.stderr);
  const out = r.stdout;
  assert.match(out, /^pid=1$/m);
  assert.match(out, /^host=stubbox$/m);
  assert.match(out, /^CapEff:\s+0000000020000421$/m);
  assert.match(out, /^CapBnd:\s+0000000020000421$/m);
  assert.match(out, /^NoNewPrivs:\s+1$/m);
  assert.match(out, /^Uid:\s+0\s+0\s+0\s+0$/m);
  assert.match(out, /^fds:\n0\n1\n2\nzero=/m, out);
  assert.match(out, /^zero=4$/m);
  assert.match(out, /^fd=\/proc\/self\/fd$/m);
  assert.match(out, /^root=bin dev etc /m); // the busybox rootfs, not the host's /
  assert.not.match(out, /^root=.*\b(usr|var|work)\b/m);
  assert.match(out, /^cwd=\/$/m);
  assert.ok(r.waitingRssKb! > 0 && r.waitingRssKb! < 2560, `init RSS while waiting: ${r.waitingRssKb} kB`);
});

test('user, groups, cwd, rlimit, sysctl, masked and read-only paths, read-only root', async () => {
  const plan = basePlan(['sh', '-c', [
    'id', 'pwd', 'ulimit -n',
    'cat /proc/sys/net/ipv4/ip_forward',
    'echo kcore=$(cat /proc/kcore | wc -c)',
    'grep " /proc/sys " /proc/self/mounts | grep -q "ro," && echo sys=ro',
    'touch /x 2>/dev/null && echo root=rw || echo root=ro',
    'echo umask=$(umask)',
  ].join('; ')]);
  plan.user = { uid: 1000, gid: 1000, umask: 0o27 };
  plan.additionalGids = [10, 20];
  plan.cwd = '/home/me';
  plan.rlimits = [{ resource: 7, soft: 512n, hard: 1024n }];
  plan.sysctl = [{ key: 'net.ipv4.ip_forward', value: '1' }];
  plan.maskedPaths = ['/proc/kcore', '/proc/does-not-exist'];
  plan.readonlyPaths = ['/proc/sys'];
  plan.rootReadonly = true;
  const r = await runStub(plan);
  assert.equal(types(r), ['pid', 'ready'], JSON.stringify(r.messages));
  assert.is(r.initExit, 0, r.stderr);
  assert.match(r.stdout, /^uid=1000 gid=1000 groups=10,20$/m);
  assert.match(r.stdout, /^\/home\/me$/m);
  assert.match(r.stdout, /^512$/m);
  assert.match(r.stdout, /^1$/m);
  assert.match(r.stdout, /^kcore=0$/m);
  assert.match(r.stdout, /^sys=ro$/m);
  assert.match(r.stdout, /^root=ro$/m);
  assert.match(r.stdout, /^umask=0027$/m);
});

test('bind mount with remount flags and attributes', async () => {
  const plan = basePlan(['sh', '-c', 'grep " /mnt " /proc/self/mounts; cat /mnt/busybox >/dev/null && echo readable']);
  plan.mounts.push({ ...mount(join(rootfs, 'bin'), '/mnt', 'bind', MS_BIND | MS_REC | MS_RDONLY), attrSet: 0x2 /* nosuid */ });
  const r = await runStub(plan);
  assert.is(r.initExit, 0, JSON.stringify(r.messages) + r.stderr);
  assert.match(r.stdout, / \/mnt \S+ ro,nosuid/);
  assert.match(r.stdout, /^readable$/m);
});

test('a mount destination symlinked out of the rootfs stays inside it', async () => {
  symlinkSync(`/../../..${dir}/hostside`, join(rootfs, 'escape'));
  try {
    const plan = basePlan(['sh', '-c', `grep -c " ${dir}/hostside tmpfs" /proc/self/mounts`]);
    plan.mounts.push(mount('tmpfs', '/escape', 'tmpfs', 0));
    const r = await runStub(plan);
    assert.is(r.initExit, 0, JSON.stringify(r.messages) + r.stderr);
    assert.is(r.stdout, '1\n');
    assert.not.ok(existsSync(join(dir, 'hostside')), 'created on the host');
    assert.ok(existsSync(join(rootfs, dir, 'hostside')));
  } finally {
    rmSync(join(rootfs, 'escape'));
    rmSync(join(rootfs, 'tmp', basename(dir)), { recursive: true, force: true });
  }
});

test('a missing executable fails before ready with runc\'s message', async () => {
  const r = await runStub(basePlan(['nope']));
  assert.equal(r.messages, [
    { type: 'pid', pid: r.messages[0].pid },
    { type: 'error', msg: 'exec: "nope": executable file not found in $PATH' },
  ]);
  assert.is(r.stage0Exit, 0);
  assert.is(r.initExit, 1);
});

test('a failing mount names source, destination and errno text', async () => {
  const plan = basePlan(['true']);
  plan.mounts.push(mount('none', '/weird', 'no-such-fs', 0));
  const r = await runStub(plan);
  assert.equal(r.messages[1], { type: 'error', msg: 'mount none to /weird: no such device' });
  assert.is(r.initExit, 1);
});

test('a bad plan is refused by stage 0', async () => {
  const bad = Buffer.from('XXXX\x01\x00\x00\x00', 'latin1');
  const r = await runStub(bad);
  assert.equal(r.messages, [{ type: 'error', msg: 'plan: bad magic' }]);
  assert.is(r.stage0Exit, 1);
  const v2 = encodePlan(basePlan(['true']));
  v2.writeUInt32LE(2, 4);
  const r2 = await runStub(v2);
  assert.equal(r2.messages, [{ type: 'error', msg: 'plan: version 2 not supported (want 1)' }]);
});

test('new user namespace: the parent writes the maps on request', async () => {
  const plan = basePlan(['sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; id -u; echo pid=$$; hostname; echo null=$(echo x > /dev/null && echo ok)']);
  plan.userNsNew = true;
  plan.devices = plan.devices.map((d) => ({ ...d, how: 'bind' as const }));
  const r = await runStub(plan, { idmap: '0 100000 65536' });
  assert.equal(types(r), ['idmap', 'pid', 'ready'], JSON.stringify(r.messages) + r.stderr);
  assert.is(r.initExit, 0, r.stderr);
  const maps = r.stdout.match(/^\s*0\s+100000\s+65536$/gm) ?? [];
  assert.is(maps.length, 2, r.stdout);
  assert.match(r.stdout, /^0$/m);
  assert.match(r.stdout, /^pid=1$/m);
  assert.match(r.stdout, /^stubbox$/m);
  assert.match(r.stdout, /^null=ok$/m);
});

test('without EXEC_FIFO the process runs right after ready', async () => {
  const plan = basePlan(['echo', 'straight']);
  plan.execFifo = undefined;
  const r = await runStub(plan);
  assert.equal(types(r), ['pid', 'ready']);
  assert.is(r.stdout, 'straight\n');
});

test('--no-pivot: MS_MOVE and chroot', async () => {
  const plan = basePlan(['sh', '-c', 'echo pid=$$; echo root=$(ls /)']);
  plan.pivot = 'chroot';
  const r = await runStub(plan);
  assert.is(r.initExit, 0, JSON.stringify(r.messages) + r.stderr);
  assert.match(r.stdout, /^pid=1\nroot=bin dev etc /);
  assert.not.match(r.stdout, /\b(usr|var|work)\b/);
});

test('shared rootfs propagation: pivot works and the new / is shared', async () => {
  const plan = basePlan(['grep', '-E', '^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ / ', '/proc/self/mountinfo']);
  plan.propagation = (1 << 20) | MS_REC; // MS_SHARED
  const r = await runStub(plan);
  assert.is(r.initExit, 0, JSON.stringify(r.messages) + r.stderr);
  assert.match(r.stdout, / shared:\d+/);
});

test('time namespace offsets', async () => {
  const plan = basePlan(['cat', '/proc/uptime']);
  plan.nsUnshare |= 0x80; // CLONE_NEWTIME
  plan.timeOffsets = [{ clock: 'boottime', secs: 100000000n, nsecs: 0 }];
  const r = await runStub(plan);
  assert.is(r.initExit, 0, JSON.stringify(r.messages) + r.stderr);
  assert.ok(Number(r.stdout.split(' ')[0]) >= 100000000, r.stdout);
});

test('joining the namespaces of a waiting container (exec-like plan, no rootfs)', async () => {
  let joined: Run | undefined;
  const first = basePlan(['true']);
  const r = await runStub(first, {
    beforeStart: async (pid) => {
      const plan = basePlan(['sh', '-c', 'echo pid=$$; hostname; cat /proc/1/status | grep ^Name; echo root=$(ls /)']);
      plan.rootfs = undefined;
      plan.stateDir = undefined;
      plan.execFifo = undefined;
      plan.nsUnshare = 0;
      plan.nsJoin = (['ipc', 'uts', 'net', 'pid', 'mnt'] as const).map((type) => ({ type, path: `/proc/${pid}/ns/${type}` }));
      joined = await runStub(plan);
    },
  });
  assert.is(r.initExit, 0);
  assert.ok(joined);
  assert.equal(types(joined), ['pid', 'ready'], JSON.stringify(joined.messages));
  assert.is(joined.initExit, 0, joined.stderr);
  assert.match(joined.stdout, /^pid=2$/m);
  assert.match(joined.stdout, /^stubbox$/m);
  assert.match(joined.stdout, /^Name:\s+tsrunc-nsexec$/m); // pid 1 still waits on exec.fifo
  assert.match(joined.stdout, /^root=bin dev etc /m); // the container's mount namespace
  assert.not.match(joined.stdout, /\b(usr|var|work)\b/);
});

/** BPF: mkdir and mkdirat fail with EPERM, everything else is allowed. */
function denyMkdir(): Uint8Array {
  const insns: [number, number, number, number][] = [
    [0x20, 0, 0, 0], // ld [nr]
    [0x15, 2, 0, 83], // jeq mkdir -> deny
    [0x15, 1, 0, 258], // jeq mkdirat -> deny
    [0x06, 0, 0, 0x7fff0000], // ret ALLOW
    [0x06, 0, 0, 0x00050001], // ret ERRNO(EPERM)
  ];
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach(([code, jt, jf, k], i) => {
    buf.writeUInt16LE(code, i * 8);
    buf.writeUInt8(jt, i * 8 + 2);
    buf.writeUInt8(jf, i * 8 + 3);
    buf.writeUInt32LE(k, i * 8 + 4);
  });
  return buf;
}

for (const noNewPrivileges of [true, false]) {
  test(`seccomp filter (no_new_privs ${noNewPrivileges})`, async () => {
    const plan = basePlan(['sh', '-c', 'mkdir /tmp/d 2>&1; grep ^Seccomp: /proc/self/status']);
    plan.seccomp = denyMkdir();
    plan.noNewPrivileges = noNewPrivileges;
    const r = await runStub(plan);
    assert.is(r.initExit, 0, JSON.stringify(r.messages) + r.stderr);
    assert.match(r.stdout, /Operation not permitted/);
    assert.match(r.stdout, /^Seccomp:\s+2$/m);
  });
}

test.run();
