// v2 device rules for real: the eBPF filter attached to a cgroup in the v2 tree (the hybrid
// host's unified mount, forced 'v2') decides which device nodes a process in it may open.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupManager, type CgroupManager } from '../../src/cgroups/index.js';
import { loadCgroupDeviceProgram } from '../../src/linux/bpf.js';
import type { LinuxResources } from '../../src/spec/config.js';

const UNIFIED = '/sys/fs/cgroup/unified';
const hasV2 = existsSync(join(UNIFIED, 'cgroup.controllers'));
const unique = (what: string): string => `/tsrunc-test-dev-${what}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const warn = (msg: string): void => console.error('warn:', msg);

/** One line per check: "<name> ok" or "<name> denied". */
// `true`, not `:`: a failed redirection on a special builtin would end the shell
const PROBE = [
  'probe() { if eval "$2" 2>/dev/null; then echo "$1 ok"; else echo "$1 denied"; fi; }',
  'probe zero-read "head -c1 /dev/zero >/dev/null"',
  'probe zero-write "true >/dev/zero"',
  'probe zero-rdwr "true <>/dev/zero"',
  'probe null-rw "true <>/dev/null"',
  'probe kmsg-read "true </dev/kmsg"',
  'probe mknod "mknod $DIR/n c 1 11"',
].join('\n');

/**
 * Runs PROBE in a shell that waits on stdin until `enter` (if given) has moved it into the
 * cgroup, so every open happens inside. Returns check name → ok/denied.
 */
async function probe(enter?: (pid: number) => void): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'tsrunc-dev-'));
  try {
    const child = spawn('sh', ['-c', `read go; ${PROBE}`], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, DIR: dir } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      enter?.(child.pid as number);
    } finally {
      child.stdin.end('\n');
    }
    await exited;
    return Object.fromEntries(out.trim().split('\n').map((l) => l.split(' ') as [string, string]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A v2 cgroup with the rules applied, the probe run inside it, the cgroup removed. */
async function probeIn(resources: LinuxResources, specPaths: string[]): Promise<{ result: Record<string, string>; applyMs: number }> {
  const m: CgroupManager = cgroupManager({ cgroupsPath: unique('v2'), id: 'dev', systemd: false, layout: 'v2', v2Root: UNIFIED, warn });
  try {
    m.create();
    const t0 = process.hrtime.bigint();
    m.apply(resources, specPaths.map((path) => ({ path })));
    const applyMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const result = await probe((pid) => m.addProcess(pid));
    return { result, applyMs };
  } finally {
    m.destroy();
    assert.not.ok(m.exists(), 'cgroup removed after the process exited');
  }
}

test('control: outside any filter every probe succeeds', async () => {
  assert.equal(await probe(), { 'zero-read': 'ok', 'zero-write': 'ok', 'zero-rdwr': 'ok', 'null-rw': 'ok', 'kmsg-read': 'ok', mknod: 'ok' });
});

test('allow all but /dev/zero read (linux.devices names /dev/zero, so no default rule re-allows it)', async () => {
  if (!hasV2) return;
  const { result, applyMs } = await probeIn(
    { devices: [{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 5, access: 'r' }] },
    ['/dev/zero'],
  );
  console.log(`apply (compile + BPF_PROG_LOAD + BPF_PROG_ATTACH): ${applyMs.toFixed(2)} ms`);
  assert.equal(result, { 'zero-read': 'denied', 'zero-write': 'ok', 'zero-rdwr': 'denied', 'null-rw': 'ok', 'kmsg-read': 'ok', mknod: 'ok' });
});

test("runc's baseline: deny all, then the default allow list (mknod of anything, /dev/null, /dev/zero …)", async () => {
  if (!hasV2) return;
  const { result } = await probeIn({ devices: [{ allow: false, access: 'rwm' }] }, []);
  assert.equal(result, { 'zero-read': 'ok', 'zero-write': 'ok', 'zero-rdwr': 'ok', 'null-rw': 'ok', 'kmsg-read': 'denied', mknod: 'ok' });
});

test('no linux.resources.devices at all: still the baseline, as on v1', async () => {
  if (!hasV2) return;
  const { result } = await probeIn({}, []);
  assert.is(result['kmsg-read'], 'denied');
  assert.is(result['null-rw'], 'ok');
});

test('a rule punching a hole in a wildcard is refused, naming the rule', () => {
  if (!hasV2) return;
  const m = cgroupManager({ cgroupsPath: unique('hole'), id: 'dev', systemd: false, layout: 'v2', v2Root: UNIFIED, warn });
  try {
    m.create();
    assert.throws(
      () => m.apply({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 5, access: 'r' }] }),
      /^config\.json: \/linux\/resources\/devices\/2: c 1:5 r cannot be denied inside the allowed wildcard c \*:\* rwm$/,
    );
  } finally {
    m.destroy();
  }
});

test('a program the kernel refuses: the verifier says why', () => {
  const noExit = Buffer.from('b400000000000000', 'hex'); // r0 = 0, and no exit
  assert.throws(() => loadCgroupDeviceProgram(noExit, 'Apache', 'tsrunc_test'), /^BPF_PROG_LOAD: invalid argument \(verifier: last insn is not an exit or jmp\)$/);
});

test.run();
