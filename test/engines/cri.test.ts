// Kubernetes through CRI, end to end: a private containerd with the CRI plugin
// has runtime handlers "runc" and "tsrunc" (TSRUNC_E2E_RUNTIME, default
// bin/tsrunc), and this test drives it the way kubelet does, with a CRI v1
// client (test/engines/cri-client.ts). Every scenario runs with both handlers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTIME, announceRuntime, cgroupDirsAt, cleanupOnExit, run, sleepMs, uniqueName } from '../containerd/lib.js';
import type { ContainerStatus, CriClient, Message } from './cri-client.js';
import { BUSYBOX_IMAGE, CNI_BIN, CriNode } from './cri-node.js';
import { TIMINGS_ONLY, report, timeSideBySide, timingRounds } from './timings.js';

announceRuntime('cri');

const REFERENCE_RUNC = '/usr/sbin/runc';
const HANDLERS = ['runc', 'tsrunc'] as const;
type Handler = (typeof HANDLERS)[number];

/** Scenarios that cannot pass with tsrunc yet, and why; runc still runs them. */
const TSRUNC_GAPS: Record<string, string> = {};

const missing = ['containerd', 'ctr', 'cc', 'ip'].filter((c) => run('sh', ['-c', `command -v ${c}`]).code !== 0);
const skipReason = process.getuid?.() !== 0
  ? 'needs root'
  : missing.length
    ? `not installed: ${missing.join(', ')} (run scripts/setup.sh)`
    : !existsSync(join(CNI_BIN, 'bridge')) || !existsSync(join(CNI_BIN, 'loopback'))
      ? `CNI plugins not in ${CNI_BIN} (Debian package containernetworking-plugins; run scripts/setup.sh)`
      : !existsSync(RUNTIME)
        ? `runtime ${RUNTIME} does not exist`
        : !existsSync(REFERENCE_RUNC)
          ? `${REFERENCE_RUNC} (the reference) not installed`
          : undefined;
if (skipReason) console.log(`# cri: skipping: ${skipReason}`);

let node: CriNode | undefined;
let setupError: Error | undefined;

cleanupOnExit(() => node?.stop());

test.before(async () => {
  if (skipReason) return;
  try {
    node = new CriNode({ runc: REFERENCE_RUNC, tsrunc: RUNTIME });
    await node.start();
  } catch (e) {
    setupError = e as Error;
  }
});
test.after(async () => {
  try {
    await node?.removeAllPods();
  } finally {
    node?.stop();
  }
});

function e2e(name: string, fn: (n: CriNode, c: CriClient) => Promise<void>): void {
  if (skipReason) {
    test.skip(`${name} (skipped: ${skipReason})`, () => {});
    return;
  }
  test(name, async () => {
    if (setupError) throw setupError;
    await fn(node!, node!.client!);
  });
}

/** One test per runtime handler: "<handler>: <name>". */
function scenario(name: string, fn: (n: CriNode, c: CriClient, h: Handler) => Promise<void>): void {
  if (TIMINGS_ONLY) return;
  for (const h of HANDLERS) {
    const gap = h === 'tsrunc' ? TSRUNC_GAPS[name] : undefined;
    if (gap && !skipReason) {
      test.skip(`${h}: ${name} (skipped: ${gap})`, () => {});
      continue;
    }
    e2e(`${h}: ${name}`, (n, c) => fn(n, c, h));
  }
}

interface Pod {
  id: string;
  uid: string;
  config: Message;
  logDir: string;
}

/** The namespaces every container of the pod shares with the sandbox, as kubelet asks by default for net/ipc and with shareProcessNamespace for pid. */
const SHARED = { network: 'POD', pid: 'POD', ipc: 'POD' };

async function runPod(n: CriNode, c: CriClient, h: Handler): Promise<Pod> {
  const name = uniqueName(`pod-${h}`);
  const uid = uniqueName('uid');
  const logDir = join(n.logDir, uid);
  const config = {
    metadata: { name, uid, namespace: 'tsrunc-e2e', attempt: 0 },
    hostname: `pod-${h}`,
    log_directory: logDir,
    linux: { cgroup_parent: n.cgroupParent(uid), security_context: { namespace_options: SHARED } },
  };
  const res = await c.call<{ pod_sandbox_id: string }>('RunPodSandbox', { config, runtime_handler: h }, 120_000);
  return { id: res.pod_sandbox_id, uid, config, logDir };
}

async function removePod(c: CriClient, pod: Pod): Promise<void> {
  await c.call('StopPodSandbox', { pod_sandbox_id: pod.id });
  await c.call('RemovePodSandbox', { pod_sandbox_id: pod.id });
}

/** A pod for fn, stopped and removed afterwards whatever fn did. */
async function withPod(n: CriNode, c: CriClient, h: Handler, fn: (pod: Pod) => Promise<void>): Promise<void> {
  const pod = await runPod(n, c, h);
  try {
    await fn(pod);
  } finally {
    await removePod(c, pod);
  }
}

interface ContainerOpts {
  resources?: Message;
  logPath?: string;
  runAsUser?: number;
}

async function createContainer(c: CriClient, pod: Pod, name: string, command: string[], opts: ContainerOpts = {}): Promise<string> {
  const config = {
    metadata: { name, attempt: 0 },
    image: { image: BUSYBOX_IMAGE },
    command,
    log_path: opts.logPath ?? `${name}.log`,
    linux: {
      resources: opts.resources ?? {},
      security_context: {
        namespace_options: SHARED,
        ...(opts.runAsUser !== undefined ? { run_as_user: { value: opts.runAsUser } } : {}),
      },
    },
  };
  const res = await c.call<{ container_id: string }>('CreateContainer', { pod_sandbox_id: pod.id, config, sandbox_config: pod.config }, 120_000);
  return res.container_id;
}

async function startContainer(c: CriClient, pod: Pod, name: string, command: string[], opts: ContainerOpts = {}): Promise<string> {
  const id = await createContainer(c, pod, name, command, opts);
  await c.call('StartContainer', { container_id: id }, 120_000);
  return id;
}

async function waitState(c: CriClient, id: string, want: ContainerStatus['state'], ms = 30_000): Promise<ContainerStatus> {
  const deadline = Date.now() + ms;
  let st = await c.containerStatus(id);
  while (st.state !== want && Date.now() < deadline) {
    sleepMs(100);
    st = await c.containerStatus(id);
  }
  assert.is(st.state, want, `container ${id}: ${JSON.stringify(st)}`);
  return st;
}

/** The host pid CRI's verbose status reports (of a container or a sandbox). */
function pidOf(info: Record<string, string>): number {
  const pid = (JSON.parse(info.info ?? '{}') as { pid?: number }).pid;
  assert.ok(pid && pid > 0, `pid in verbose info: ${info.info}`);
  return pid!;
}

async function exec(c: CriClient, id: string, script: string): Promise<string> {
  const r = await c.execSync(id, ['sh', '-c', script]);
  assert.is(r.exit_code, 0, `exec ${script}: exit ${r.exit_code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout.toString();
}

const SLEEP = ['sleep', '600'];
/** Reads a cgroup file inside the container under its v1 name or, failing that, its v2 name. */
const cgroupFile = (v1: string, v2: string) => `cat /sys/fs/cgroup/${v1} 2>/dev/null || cat /sys/fs/cgroup/${v2}`;

scenario('RunPodSandbox: a ready pod with an address; containers join its pid/ipc/uts/net namespaces', async (n, c, h) => {
  await withPod(n, c, h, async (pod) => {
    const st = await c.podStatus(pod.id);
    assert.is(st.state, 'SANDBOX_READY');
    assert.is(st.runtime_handler, h);
    assert.match(st.network?.ip ?? '', /^10\.213\.0\.\d+$/, `pod ip: ${JSON.stringify(st.network)}`);
    const id = await startContainer(c, pod, 'app', SLEEP);
    // The handler's binary made both: its state dir (the handler's Root) has them.
    for (const x of [pod.id, id]) assert.ok(n.runtimeState(h).includes(x), `${x} in ${h}'s state: ${n.runtimeState(h).join(', ')}`);
    const sandboxPid = pidOf((await c.call<{ info: Record<string, string> }>('PodSandboxStatus', { pod_sandbox_id: pod.id, verbose: true })).info);
    const appPid = pidOf((await c.call<{ info: Record<string, string> }>('ContainerStatus', { container_id: id, verbose: true })).info);
    for (const ns of ['pid', 'ipc', 'uts', 'net']) {
      assert.is(readlinkSync(`/proc/${appPid}/ns/${ns}`), readlinkSync(`/proc/${sandboxPid}/ns/${ns}`), `${ns} namespace shared`);
    }
    assert.is.not(readlinkSync(`/proc/${appPid}/ns/mnt`), readlinkSync(`/proc/${sandboxPid}/ns/mnt`), 'own mount namespace');
    const out = await exec(c, id, 'cat /proc/1/cmdline; echo; hostname; ip -o -4 addr show eth0 | tr -s " " | cut -d" " -f4; ip -o link show lo');
    const [init, hostname, addr, lo] = out.split('\n');
    assert.is(init, '/pause\0', 'pid 1 is the sandbox\'s pause');
    assert.is(hostname, `pod-${h}`);
    assert.is(addr, `${st.network!.ip}/24`);
    assert.match(lo ?? '', /<LOOPBACK,UP,LOWER_UP>/);
  });
});

scenario('Create, Start, Stop and Remove a container', async (n, c, h) => {
  await withPod(n, c, h, async (pod) => {
    const id = await createContainer(c, pod, 'lifecycle', SLEEP);
    assert.is((await c.containerStatus(id)).state, 'CONTAINER_CREATED');
    await c.call('StartContainer', { container_id: id });
    await waitState(c, id, 'CONTAINER_RUNNING');
    // In the shared pid namespace pid 1 is pause, so sleep dies of SIGTERM (143), or of the SIGKILL after the timeout (137).
    await c.call('StopContainer', { container_id: id, timeout: 2 });
    const st = await waitState(c, id, 'CONTAINER_EXITED');
    assert.ok([143, 137].includes(st.exit_code), `exit code after StopContainer: ${st.exit_code}`);
    await c.call('RemoveContainer', { container_id: id });
    const list = await c.call<{ containers: { id: string }[] }>('ListContainers', { filter: { pod_sandbox_id: pod.id } });
    assert.not.ok(list.containers.some((x) => x.id === id), 'removed');
    assert.not.ok(n.runtimeState(h).includes(id), 'runtime state removed');
  });
});

scenario('ExecSync: output, stderr and exit code', async (n, c, h) => {
  await withPod(n, c, h, async (pod) => {
    const id = await startContainer(c, pod, 'exec', SLEEP);
    const r = await c.execSync(id, ['sh', '-c', 'echo exec-out; echo exec-err >&2; exit 5']);
    assert.is(r.exit_code, 5);
    assert.is(r.stdout.toString(), 'exec-out\n');
    assert.is(r.stderr.toString(), 'exec-err\n');
    const ok = await c.execSync(id, ['id', '-u']);
    assert.is(ok.exit_code, 0);
    assert.is(ok.stdout.toString(), '0\n');
  });
});

scenario('container logs are written to the CRI log path', async (n, c, h) => {
  await withPod(n, c, h, async (pod) => {
    const id = await startContainer(c, pod, 'logger', ['sh', '-c', 'echo out-line; echo err-line >&2'], { logPath: 'logger/0.log' });
    const st = await waitState(c, id, 'CONTAINER_EXITED');
    assert.is(st.exit_code, 0);
    assert.is(st.log_path, join(pod.logDir, 'logger/0.log'));
    const lines = readFileSync(st.log_path, 'utf8').trim().split('\n').map((l) => l.split(' ').slice(1).join(' ')).sort();
    assert.equal(lines, ['stderr F err-line', 'stdout F out-line']);
  });
});

scenario('a non-root container (run_as_user 1000) writes its log through /dev/stdout and /dev/stderr', async (n, c, h) => {
  await withPod(n, c, h, async (pod) => {
    const id = await startContainer(c, pod, 'nonroot', ['sh', '-c', 'id -u > /dev/stdout; echo err-line > /dev/stderr'], { runAsUser: 1000 });
    const st = await waitState(c, id, 'CONTAINER_EXITED');
    assert.is(st.exit_code, 0, JSON.stringify(st));
    const lines = readFileSync(st.log_path, 'utf8').trim().split('\n').map((l) => l.split(' ').slice(1).join(' ')).sort();
    assert.equal(lines, ['stderr F err-line', 'stdout F 1000']);
  });
});

scenario('ContainerStats: cpu and memory of the container', async (n, c, h) => {
  await withPod(n, c, h, async (pod) => {
    const id = await startContainer(c, pod, 'stats', ['sh', '-c', 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exec sleep 600']);
    await exec(c, id, 'true');
    sleepMs(500);
    const s = (await c.call<{ stats: { attributes: { id: string }; cpu: { usage_core_nano_seconds: { value: number } | null }; memory: { working_set_bytes: { value: number } | null } } }>(
      'ContainerStats', { container_id: id })).stats;
    assert.is(s.attributes.id, id);
    assert.ok((s.cpu.usage_core_nano_seconds?.value ?? 0) > 0, `cpu: ${JSON.stringify(s.cpu)}`);
    assert.ok((s.memory.working_set_bytes?.value ?? 0) > 0, `memory: ${JSON.stringify(s.memory)}`);
  });
});

scenario('UpdateContainerResources: memory and cpu limits of a running container', async (n, c, h) => {
  await withPod(n, c, h, async (pod) => {
    const id = await startContainer(c, pod, 'update', SLEEP, { resources: { memory_limit_in_bytes: 128 << 20 } });
    await c.call('UpdateContainerResources', {
      container_id: id,
      linux: { memory_limit_in_bytes: 64 << 20, cpu_period: 100_000, cpu_quota: 30_000, cpu_shares: 512 },
    });
    const out = await exec(c, id, [
      cgroupFile('memory/memory.limit_in_bytes', 'memory.max'),
      cgroupFile('cpu/cpu.cfs_quota_us', 'cpu.max'),
    ].join('; '));
    assert.equal(out.trim().split('\n').map((l) => l.trim().split(/\s+/)[0]), [String(64 << 20), '30000'], out);
  });
});

scenario('two containers of a pod share the network: one reaches the other on localhost', async (n, c, h) => {
  await withPod(n, c, h, async (pod) => {
    const server = await startContainer(c, pod, 'server', ['sh', '-c',
      'mkdir -p /tmp/www && echo hello-from-server > /tmp/www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /tmp/www']);
    const client = await startContainer(c, pod, 'client', SLEEP);
    let got = '';
    for (let i = 0; i < 50 && got !== 'hello-from-server\n'; i++) {
      const r = await c.execSync(client, ['wget', '-qO-', 'http://127.0.0.1:8080/']);
      got = r.stdout.toString();
      if (r.exit_code !== 0) sleepMs(100);
    }
    assert.is(got, 'hello-from-server\n');
    assert.is((await c.containerStatus(server)).state, 'CONTAINER_RUNNING');
  });
});

scenario('a container that exits non-zero: its code in ContainerStatus', async (n, c, h) => {
  await withPod(n, c, h, async (pod) => {
    const id = await startContainer(c, pod, 'fails', ['sh', '-c', 'exit 3']);
    const st = await waitState(c, id, 'CONTAINER_EXITED');
    assert.is(st.exit_code, 3);
    assert.is(st.reason, 'Error');
  });
});

scenario('OOM is reported as reason OOMKilled', async (n, c, h) => {
  await withPod(n, c, h, async (pod) => {
    const id = await startContainer(c, pod, 'oom', ['sh', '-c', 'x=a; while true; do x=$x$x; done'],
      { resources: { memory_limit_in_bytes: 32 << 20, memory_swap_limit_in_bytes: 32 << 20 } });
    const st = await waitState(c, id, 'CONTAINER_EXITED', 60_000);
    assert.is(st.reason, 'OOMKilled', JSON.stringify(st));
    assert.is(st.exit_code, 137);
  });
});

scenario('StopPodSandbox and RemovePodSandbox leave nothing behind', async (n, c, h) => {
  const pod = await runPod(n, c, h);
  const ids = [await startContainer(c, pod, 'one', SLEEP), await startContainer(c, pod, 'two', SLEEP)];
  const sandboxPid = pidOf((await c.call<{ info: Record<string, string> }>('PodSandboxStatus', { pod_sandbox_id: pod.id, verbose: true })).info);
  const netns = readlinkSync(`/proc/${sandboxPid}/ns/net`);
  await c.call('StopPodSandbox', { pod_sandbox_id: pod.id });
  assert.is((await c.podStatus(pod.id)).state, 'SANDBOX_NOTREADY');
  for (const id of ids) assert.is((await c.containerStatus(id)).state, 'CONTAINER_EXITED');
  await c.call('RemovePodSandbox', { pod_sandbox_id: pod.id });
  const pods = await c.call<{ items: { id: string }[] }>('ListPodSandbox');
  assert.not.ok(pods.items.some((p) => p.id === pod.id), 'pod removed');
  const containers = await c.call<{ containers: { id: string }[] }>('ListContainers', { filter: { pod_sandbox_id: pod.id } });
  assert.equal(containers.containers, []);
  for (const id of [pod.id, ...ids]) assert.not.ok(n.runtimeState(h).includes(id), `runtime state of ${id} removed`);
  assert.not.ok(n.containerd.ok(['task', 'ls', '-q']).split('\n').some((t) => [pod.id, ...ids].includes(t)), 'no tasks left');
  assert.not.ok(n.leftoverMounts().some((m) => [pod.id, ...ids].some((id) => m.includes(id))), `mounts left: ${n.leftoverMounts().join(', ')}`);
  assert.not.ok(existsSync(`/proc/${sandboxPid}/ns/net`) && readlinkSync(`/proc/${sandboxPid}/ns/net`) === netns, 'pause exited');
  for (const dir of cgroupDirsAt(n.cgroupParent(pod.uid))) {
    const left = run('find', [dir, '-mindepth', '1', '-type', 'd']).stdout.trim();
    assert.is(left, '', `container cgroups left under ${dir}`);
  }
});

e2e('timing: CRI pod start (RunPodSandbox + CreateContainer + StartContainer), runc and tsrunc side by side', async (n, c) => {
  const pods: Pod[] = [];
  try {
    const t = await timeSideBySide('CRI pod start (RunPodSandbox + CreateContainer + StartContainer)', [...HANDLERS], timingRounds(3), async (h) => {
      const pod = await runPod(n, c, h as Handler);
      pods.push(pod);
      await startContainer(c, pod, 'timed', SLEEP);
    });
    report(t);
  } finally {
    for (const pod of pods) await removePod(c, pod);
  }
});

e2e('nothing is left behind: pods, containers, runtime state, netns and rootfs mounts', async (n, c) => {
  assert.equal((await c.call<{ items: unknown[] }>('ListPodSandbox')).items, []);
  assert.equal((await c.call<{ containers: unknown[] }>('ListContainers')).containers, []);
  for (const h of HANDLERS) assert.equal(n.runtimeState(h), [], `${h} state dirs left`);
  assert.equal(n.leftoverMounts(), [], 'netns or rootfs mounts left');
  for (const dir of cgroupDirsAt(n.runName)) {
    assert.is(run('find', [dir, '-mindepth', '2', '-type', 'd']).stdout.trim(), '', `container cgroups left under ${dir}`);
  }
});

test.run();
