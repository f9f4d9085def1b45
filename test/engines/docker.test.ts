// Docker end-to-end: a private dockerd knows the runtime under test as "tsrunc"
// (TSRUNC_E2E_RUNTIME, default bin/tsrunc) and runc as "runc"; every scenario
// runs with both in the same run, so a failure with tsrunc alone is tsrunc's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RUNTIME, announceRuntime, cgroupDirsAt, cleanupOnExit, describe, run, runWithTty, uniqueName } from '../containerd/lib.js';
import { DOCKERD, DOCKER_CLIENT, Dockerd } from './dockerd.js';
import { TIMINGS_ONLY, report, timeSideBySide, timingRounds } from './timings.js';

announceRuntime('docker');

const REFERENCE_RUNC = '/usr/sbin/runc';
const RUNTIMES = ['runc', 'tsrunc'] as const;
type Runtime = (typeof RUNTIMES)[number];

/**
 * Scenarios that cannot pass with tsrunc yet, and why (the gap being fixed).
 * runc still runs them, so the scenario itself stays checked.
 */
const TSRUNC_GAPS: Record<string, string> = {};

const skipReason = process.getuid?.() !== 0
  ? 'needs root'
  : !existsSync(DOCKERD)
    ? `${DOCKERD} not installed (Debian package docker.io; run scripts/setup.sh)`
    : run('sh', ['-c', `command -v ${DOCKER_CLIENT} && command -v script`]).code !== 0
      ? 'docker client or script(1) not installed (run scripts/setup.sh)'
      : !existsSync(RUNTIME)
        ? `runtime ${RUNTIME} does not exist`
        : !existsSync(REFERENCE_RUNC)
          ? `${REFERENCE_RUNC} (the reference) not installed`
          : undefined;
if (skipReason) console.log(`# docker: skipping: ${skipReason}`);

let d: Dockerd | undefined;
let scratch: string | undefined;
let setupError: Error | undefined;

function teardown(): void {
  try {
    d?.stop();
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
cleanupOnExit(teardown);

// A failing before-hook would hide its error in uvu; keep it and fail every test with it.
test.before(() => {
  if (skipReason) return;
  try {
    scratch = mkdtempSync('/tmp/tsrunc-e2e-docker-files-');
    d = new Dockerd({ runc: REFERENCE_RUNC, tsrunc: RUNTIME });
    d.start();
    d.importBusybox();
  } catch (e) {
    setupError = e as Error;
  }
});
test.after(teardown);

function e2e(name: string, fn: (d: Dockerd) => void | Promise<void>): void {
  if (skipReason) {
    test.skip(`${name} (skipped: ${skipReason})`, () => {});
    return;
  }
  test(name, async () => {
    if (setupError) throw setupError;
    await fn(d!);
  });
}

/** One test per runtime: "<runtime>: <name>". */
function scenario(name: string, fn: (d: Dockerd, rt: Runtime) => void): void {
  if (TIMINGS_ONLY) return;
  for (const rt of RUNTIMES) {
    const gap = rt === 'tsrunc' ? TSRUNC_GAPS[name] : undefined;
    if (gap && !skipReason) {
      test.skip(`${rt}: ${name} (skipped: ${gap})`, () => {});
      continue;
    }
    e2e(`${rt}: ${name}`, (d) => fn(d, rt));
  }
}

/** `docker run --rm --runtime rt [flags] IMAGE args...` */
function dockerRun(d: Dockerd, rt: Runtime, flags: string[], args: string[], input?: string) {
  const argv = ['run', '--rm', '--runtime', rt, ...flags, d.image, ...args];
  return { argv, r: d.docker(argv, { input, timeoutMs: 90_000 }) };
}

/** stdout of a `docker run --rm` that must succeed. */
function output(d: Dockerd, rt: Runtime, flags: string[], args: string[], input?: string): string {
  const { argv, r } = dockerRun(d, rt, flags, args, input);
  assert.is(r.code, 0, describe('docker', argv, r));
  return r.stdout;
}

/** A detached `sleep 600` for fn; force-removed afterwards whatever fn did. */
function withContainer(d: Dockerd, rt: Runtime, flags: string[], fn: (name: string) => void): void {
  const name = uniqueName(`e2e-${rt}`);
  const argv = ['run', '-d', '--name', name, '--runtime', rt, ...flags, d.image, 'sleep', '600'];
  const r = d.docker(argv);
  assert.is(r.code, 0, describe('docker', argv, r));
  try {
    fn(name);
  } finally {
    d.docker(['rm', '-f', name]);
  }
}

function waitStatus(d: Dockerd, name: string, want: string, ms = 10_000): string {
  const deadline = Date.now() + ms;
  let st = d.inspect(name, '{{.State.Status}}');
  while (st !== want && Date.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    st = d.inspect(name, '{{.State.Status}}');
  }
  return st;
}

/** Reads a cgroup file inside the container under its v1 name or, failing that, its v2 name. */
const cgroupFile = (v1: string, v2: string) => `cat /sys/fs/cgroup/${v1} 2>/dev/null || cat /sys/fs/cgroup/${v2}`;

/** "frozen" or "thawed", from the freezer of a process's cgroup (v1 freezer.state, else v2 cgroup.events). */
function freezerState(pid: string): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const v1 = lines.map((l) => l.split(':')).find((f) => f[1]?.split(',').includes('freezer'))?.[2];
  if (v1 !== undefined) {
    return readFileSync(join('/sys/fs/cgroup/freezer', v1, 'freezer.state'), 'utf8').trim() === 'FROZEN' ? 'frozen' : 'thawed';
  }
  const v2 = lines.find((l) => l.startsWith('0::'))?.slice(3) ?? '';
  return /^frozen 1$/m.test(readFileSync(join('/sys/fs/cgroup', v2, 'cgroup.events'), 'utf8')) ? 'frozen' : 'thawed';
}

/** Whether bit n of a CapEff hex mask is set. */
const hasCap = (capEff: string, n: number) => ((BigInt(`0x${capEff}`) >> BigInt(n)) & 1n) === 1n;
const capEffOf = (status: string) => status.match(/^CapEff:\s*([0-9a-f]+)$/m)?.[1] ?? '';
const CAP_NET_RAW = 13;
const CAP_SYS_ADMIN = 21;

scenario('run --rm: output, stderr and exit codes', (d, rt) => {
  const { argv, r } = dockerRun(d, rt, [], ['sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 7']);
  assert.is(r.code, 7, describe('docker', argv, r));
  assert.is(r.stdout, 'to-stdout\n');
  assert.match(r.stderr, /to-stderr/);
  assert.is(output(d, rt, [], ['echo', 'hello']), 'hello\n');
  const missing = dockerRun(d, rt, [], ['/no/such/binary']);
  assert.is(missing.r.code, 127, describe('docker', missing.argv, missing.r));
});

scenario('env, workdir, user and hostname', (d, rt) => {
  const out = output(d, rt, ['-e', 'FOO=bar baz', '-w', '/tmp', '-u', '1000:1000', '-h', 'e2e-host'],
    ['sh', '-c', 'echo "$FOO|$(pwd)|$(id -u):$(id -g)|$(hostname)|$HOME"']);
  // HOME comes from the image's /etc/passwd entry of uid 1000.
  assert.is(out, 'bar baz|/tmp|1000:1000|e2e-host|/home/test\n');
});

scenario('--read-only root with a writable --tmpfs', (d, rt) => {
  const out = output(d, rt, ['--read-only', '--tmpfs', '/scratch:size=1m'],
    ['sh', '-c', 'touch /x 2>/dev/null && echo root-writable || echo root-ro; touch /scratch/x && echo tmpfs-rw; grep " /scratch " /proc/mounts']);
  assert.match(out, /^root-ro\ntmpfs-rw\ntmpfs \/scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k/);
});

scenario('bind mounts: read-write and read-only', (d, rt) => {
  const dir = mkdtempSync(join(scratch!, 'bind-'));
  writeFileSync(join(dir, 'from-host'), 'host data\n');
  const out = output(d, rt, ['-v', `${dir}:/rw`, '-v', `${dir}:/ro:ro`],
    ['sh', '-c', 'cat /rw/from-host; echo container data > /rw/from-container; echo x > /ro/nope 2>/dev/null && echo ro-writable || echo ro-ok']);
  assert.is(out, 'host data\nro-ok\n');
  assert.is(readFileSync(join(dir, 'from-container'), 'utf8'), 'container data\n');
  assert.not.ok(existsSync(join(dir, 'nope')));
});

scenario('--cap-drop and --cap-add', (d, rt) => {
  const dflt = capEffOf(output(d, rt, [], ['cat', '/proc/self/status']));
  assert.ok(hasCap(dflt, CAP_NET_RAW) && !hasCap(dflt, CAP_SYS_ADMIN), `default CapEff ${dflt}`);
  const dropped = capEffOf(output(d, rt, ['--cap-drop', 'NET_RAW'], ['cat', '/proc/self/status']));
  assert.not.ok(hasCap(dropped, CAP_NET_RAW), `CapEff with --cap-drop NET_RAW: ${dropped}`);
  const added = capEffOf(output(d, rt, ['--cap-add', 'SYS_ADMIN'], ['cat', '/proc/self/status']));
  assert.ok(hasCap(added, CAP_SYS_ADMIN), `CapEff with --cap-add SYS_ADMIN: ${added}`);
  assert.is(BigInt(`0x${added}`) & ~(1n << BigInt(CAP_SYS_ADMIN)), BigInt(`0x${dflt}`), 'only SYS_ADMIN added');
});

scenario("Docker's default seccomp profile is in force", (d, rt) => {
  // unshare(CLONE_NEWUSER) is allowed to root by the kernel but denied by the profile.
  const script = 'grep "^Seccomp:" /proc/self/status; unshare -U true 2>/dev/null && echo unshare-allowed || echo unshare-denied';
  assert.is(output(d, rt, [], ['sh', '-c', script]), 'Seccomp:\t2\nunshare-denied\n');
  assert.is(output(d, rt, ['--security-opt', 'seccomp=unconfined'], ['sh', '-c', script]), 'Seccomp:\t0\nunshare-allowed\n');
});

scenario('--memory: the OOM kill is reported (OOMKilled true, exit 137)', (d, rt) => {
  const name = uniqueName(`oom-${rt}`);
  const argv = ['run', '--name', name, '--runtime', rt, '--memory', '32m', '--memory-swap', '32m', d.image,
    'sh', '-c', 'x=a; while true; do x=$x$x; done'];
  try {
    const r = d.docker(argv, { timeoutMs: 120_000 });
    assert.is(r.code, 137, describe('docker', argv, r));
    assert.is(d.inspect(name, '{{.State.OOMKilled}} {{.State.ExitCode}}'), 'true 137');
  } finally {
    d.docker(['rm', '-f', name]);
  }
});

scenario('--pids-limit', (d, rt) => {
  const { argv, r } = dockerRun(d, rt, ['--pids-limit', '10'], ['sh', '-c',
    `${cgroupFile('pids/pids.max', 'pids.max')}; i=0; while [ $i -lt 20 ]; do sleep 30 & i=$((i+1)); done; echo started`]);
  assert.is(r.stdout.split('\n')[0], '10', describe('docker', argv, r));
  assert.match(r.stderr, /can't fork|Resource temporarily unavailable/, describe('docker', argv, r));
});

scenario('--cpus and --ulimit', (d, rt) => {
  const quota = output(d, rt, ['--cpus', '0.5'], ['sh', '-c', `${cgroupFile('cpu/cpu.cfs_quota_us', 'cpu.max')}`]);
  assert.is(quota.trim().split(/\s+/)[0], '50000');
  assert.is(output(d, rt, ['--ulimit', 'nofile=100:200'], ['sh', '-c', 'ulimit -n; ulimit -Hn']), '100\n200\n');
});

scenario('run -i with a non-root --user reads stdin and writes stdout/stderr', (d, rt) => {
  const { argv, r } = dockerRun(d, rt, ['-i', '--user', '1000'], ['sh', '-c', 'cat; id -u; echo to-stderr >&2'], 'piped in\n');
  assert.is(r.code, 0, describe('docker', argv, r));
  assert.is(r.stdout, 'piped in\n1000\n');
  assert.match(r.stderr, /to-stderr/);
  // Reopening the engine's pipes by path needs them to belong to the container's user.
  const reopen = dockerRun(d, rt, ['-i', '--user', '1000'], ['sh', '-c', 'cat /dev/stdin; echo out > /dev/stdout; echo err > /dev/stderr'], 'by path\n');
  assert.is(reopen.r.code, 0, describe('docker', reopen.argv, reopen.r));
  assert.is(reopen.r.stdout, 'by path\nout\n');
  assert.match(reopen.r.stderr, /err/);
});

scenario('run -it gives the container a terminal', (d, rt) => {
  const argv = d.argv(['run', '--rm', '-it', '--runtime', rt, d.image, 'sh', '-c', 'tty; [ -t 0 ] && [ -t 1 ] && echo "tty-ok $TERM"; exit 3']);
  const r = runWithTty(argv, { env: d.env(), timeoutMs: 90_000 });
  assert.is(r.code, 3, describe('script', argv, r));
  const out = r.stdout.replace(/\r/g, '').replace(/\^@|\0/g, '');
  assert.match(out, /^\/dev\/pts\/\d+$/m);
  assert.match(out, /^tty-ok xterm$/m);
});

scenario('exec: plain, -i, -t and -u', (d, rt) => withContainer(d, rt, [], (name) => {
  const plain = d.docker(['exec', name, 'sh', '-c', 'echo exec-out; echo exec-err >&2; cat /proc/1/cmdline; exit 4']);
  assert.is(plain.code, 4, describe('docker exec', [name], plain));
  assert.is(plain.stdout, 'exec-out\nsleep\0' + '600\0');
  assert.match(plain.stderr, /exec-err/);
  const piped = d.docker(['exec', '-i', name, 'sh', '-c', 'cat; echo done'], { input: 'to exec\n' });
  assert.is(piped.code, 0, describe('docker exec -i', [name], piped));
  assert.is(piped.stdout, 'to exec\ndone\n');
  const userIn = d.docker(['exec', '-i', '-u', '1000', name, 'sh', '-c', 'cat /dev/stdin; echo out > /dev/stdout'], { input: 'as 1000\n' });
  assert.is(userIn.code, 0, describe('docker exec -i -u 1000', [name], userIn));
  assert.is(userIn.stdout, 'as 1000\nout\n');
  const user = d.docker(['exec', '-u', '1000:1000', name, 'id']);
  assert.is(user.code, 0, describe('docker exec -u', [name], user));
  assert.match(user.stdout, /^uid=1000\(\w+\) gid=1000\(/);
  const ttyArgv = d.argv(['exec', '-it', name, 'sh', '-c', 'tty; exit 5']);
  const tty = runWithTty(ttyArgv, { env: d.env() });
  assert.is(tty.code, 5, describe('script', ttyArgv, tty));
  assert.match(tty.stdout.replace(/\r/g, ''), /\/dev\/pts\/\d+/);
}));

scenario('top and stats', (d, rt) => withContainer(d, rt, [], (name) => {
  // The runtime asked for made it: the shim drives its binary, which keeps the container's state.
  const id = d.inspect(name, '{{.Id}}');
  assert.is(d.runtimeBinary(id), d.expectedBinary(rt));
  assert.ok(d.runtimeState().includes(id), `${id} in the runtime root: ${d.runtimeState().join(', ')}`);
  const top = d.ok(['top', name]);
  assert.match(top, /sleep 600/);
  const hostPid = d.inspect(name, '{{.State.Pid}}');
  assert.ok(top.split('\n').slice(1).some((l) => l.trim().split(/\s+/)[1] === hostPid), `top lists init pid ${hostPid}:\n${top}`);
  const stats = d.ok(['stats', '--no-stream', '--format', '{{.PIDs}}|{{.MemUsage}}', name]).trim();
  const [pids, mem] = stats.split('|');
  assert.is(pids, '1', `stats: ${stats}`);
  assert.not.match(mem ?? '', /^0B \//, `stats memory: ${stats}`);
}));

scenario('pause and unpause', (d, rt) => withContainer(d, rt, [], (name) => {
  d.ok(['pause', name]);
  assert.is(waitStatus(d, name, 'paused'), 'paused');
  const hostPid = d.inspect(name, '{{.State.Pid}}');
  assert.is(freezerState(hostPid), 'frozen', 'the container cgroup is frozen');
  d.ok(['unpause', name]);
  assert.is(waitStatus(d, name, 'running'), 'running');
  assert.is(freezerState(hostPid), 'thawed');
  assert.is(d.docker(['exec', name, 'true']).code, 0);
}));

scenario('update: memory and cpu limits of a running container', (d, rt) => withContainer(d, rt, ['--memory', '128m'], (name) => {
  d.ok(['update', '--memory', '64m', '--memory-swap', '64m', '--cpus', '0.3', '--pids-limit', '50', name]);
  const out = d.ok(['exec', name, 'sh', '-c', [
    cgroupFile('memory/memory.limit_in_bytes', 'memory.max'),
    cgroupFile('cpu/cpu.cfs_quota_us', 'cpu.max'),
    cgroupFile('pids/pids.max', 'pids.max'),
  ].join('; ')]);
  const [mem, cpu, pids] = out.trim().split('\n').map((l) => l.trim().split(/\s+/)[0]);
  assert.equal([mem, cpu, pids], ['67108864', '30000', '50'], out);
  assert.is(d.inspect(name, '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}'), '67108864 300000000');
}));

scenario('logs and cp', (d, rt) => withContainer(d, rt, [], (name) => {
  const logged = uniqueName(`logs-${rt}`);
  try {
    d.ok(['run', '--name', logged, '--runtime', rt, d.image, 'sh', '-c', 'echo out-line; echo err-line >&2']);
    const logs = d.docker(['logs', logged]);
    assert.is(logs.stdout, 'out-line\n');
    assert.is(logs.stderr, 'err-line\n');
  } finally {
    d.docker(['rm', '-f', logged]);
  }
  const src = join(scratch!, `cp-in-${rt}`);
  writeFileSync(src, 'copied in\n');
  d.ok(['cp', src, `${name}:/tmp/cp-in`]);
  assert.is(d.ok(['exec', name, 'cat', '/tmp/cp-in']), 'copied in\n');
  d.ok(['exec', name, 'sh', '-c', 'echo made inside > /tmp/cp-out']);
  const dst = join(scratch!, `cp-out-${rt}`);
  d.ok(['cp', `${name}:/tmp/cp-out`, dst]);
  assert.is(readFileSync(dst, 'utf8'), 'made inside\n');
}));

scenario('stop, start, restart, kill and rm -f', (d, rt) => withContainer(d, rt, [], (name) => {
  const pid1 = d.inspect(name, '{{.State.Pid}}');
  // pid 1 ignores SIGTERM (no handler), so stop kills it after the timeout.
  d.ok(['stop', '-t', '1', name]);
  assert.is(d.inspect(name, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 137');
  d.ok(['start', name]);
  assert.is(waitStatus(d, name, 'running'), 'running');
  const pid2 = d.inspect(name, '{{.State.Pid}}');
  assert.is.not(pid2, pid1, 'start runs a new init');
  d.ok(['restart', '-t', '1', name]);
  assert.is(waitStatus(d, name, 'running'), 'running');
  const pid3 = d.inspect(name, '{{.State.Pid}}');
  assert.is.not(pid3, pid2, 'restart runs a new init');
  assert.is(d.docker(['exec', name, 'true']).code, 0);
  d.ok(['kill', '-s', 'KILL', name]);
  assert.is(waitStatus(d, name, 'exited'), 'exited');
  assert.is(d.inspect(name, '{{.State.ExitCode}}'), '137');
  d.ok(['start', name]);
  assert.is(waitStatus(d, name, 'running'), 'running');
  d.ok(['rm', '-f', name]);
  assert.not.ok(d.docker(['inspect', name]).code === 0, 'removed');
}));

scenario('--network none: only lo', (d, rt) => {
  assert.is(output(d, rt, ['--network', 'none'], ['sh', '-c', 'ip -o link | cut -d: -f2']), ' lo\n');
});

scenario('--network none: lo is up', (d, rt) => {
  const out = output(d, rt, ['--network', 'none'], ['sh', '-c', 'ip -o link show lo; ping -c1 -W2 127.0.0.1 >/dev/null && echo ping-ok']);
  assert.match(out, /<LOOPBACK,UP,LOWER_UP>/);
  assert.match(out, /ping-ok/);
});

scenario('joins the namespaces of another container', (d, rt) => withContainer(d, rt, ['--ipc', 'shareable'], (donor) => {
  const ns = 'for k in net pid ipc; do readlink /proc/self/ns/$k; done';
  const want = d.ok(['exec', donor, 'sh', '-c', ns]);
  const got = output(d, rt, ['--network', `container:${donor}`, '--pid', `container:${donor}`, '--ipc', `container:${donor}`],
    ['sh', '-c', `${ns}; cat /proc/1/cmdline`]);
  assert.is(got, want + 'sleep\0' + '600\0');
}));

scenario('host namespaces: --network host --pid host --ipc host --uts host', (d, rt) => {
  const kinds = ['net', 'pid', 'ipc', 'uts'];
  const got = output(d, rt, ['--network', 'host', '--pid', 'host', '--ipc', 'host', '--uts', 'host'],
    ['sh', '-c', `for k in ${kinds.join(' ')}; do readlink /proc/self/ns/$k; done; hostname`]);
  assert.is(got, kinds.map((k) => readlinkSync(`/proc/self/ns/${k}`)).join('\n') + `\n${hostname()}\n`);
});

e2e('timing: docker run --rm true, runc and tsrunc side by side', async (d) => {
  const t = await timeSideBySide('docker run --rm true', [...RUNTIMES], timingRounds(5), (rt) => {
    const r = d.docker(['run', '--rm', '--runtime', rt, d.image, 'true']);
    assert.is(r.code, 0, describe('docker run', [rt], r));
  });
  report(t);
});

e2e('nothing is left behind: containers, runtime state, rootfs mounts, cgroups', (d) => {
  assert.equal(d.containers(), [], 'containers left');
  assert.equal(d.runtimeState(), [], 'runtime state dirs left');
  assert.equal(d.rootfsMounts(), [], 'rootfs mounts left');
  for (const dir of cgroupDirsAt(d.cgroupParent)) {
    const children = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    assert.equal(children, [], `container cgroups left in ${dir}`);
  }
});

test.run();
