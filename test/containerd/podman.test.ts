// podman end-to-end: `podman --runtime <runtime under test>` with private storage,
// an image loaded from the same offline busybox OCI archive as the containerd test.
// Skips (printing why) when podman cannot run containers here even with runc.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import {
  Podman, RUNTIME, announceRuntime, buildBusyboxOciArchive, cleanupOnExit, describe, missingExecutableError, run, uniqueName,
} from './lib.js';

announceRuntime('podman');

const REFERENCE_RUNC = '/usr/sbin/runc';

let imageDir: string | undefined;
let archive = '';
let p: Podman | undefined;
let setupError: Error | undefined;

function teardown(): void {
  try {
    p?.cleanup();
  } finally {
    if (imageDir) rmSync(imageDir, { recursive: true, force: true });
  }
}
cleanupOnExit(teardown);

/** Why podman cannot be tested here for reasons outside the runtime, or undefined. */
function environmentProblem(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  const missing = ['podman', 'conmon'].filter((c) => run('sh', ['-c', `command -v ${c}`]).code !== 0);
  if (missing.length) return `not installed: ${missing.join(', ')} (run scripts/setup.sh)`;
  if (!existsSync(RUNTIME)) return `runtime ${RUNTIME} does not exist`;
  imageDir = mkdtempSync('/tmp/tsrunc-e2e-image-');
  archive = buildBusyboxOciArchive(imageDir);
  // Podman with the reference runtime must work, or the problem is podman's, not the runtime's.
  if (!existsSync(REFERENCE_RUNC)) return undefined;
  const ref = new Podman(REFERENCE_RUNC);
  try {
    ref.load(archive);
    const r = ref.podman(['run', '--rm', ...ref.runFlags(), ref.image, 'echo', 'preflight-ok']);
    if (r.code !== 0 || r.stdout !== 'preflight-ok\n') {
      return `podman cannot run a container with ${REFERENCE_RUNC} either: ${(r.stderr || r.stdout).trim()}`;
    }
  } catch (e) {
    return `podman does not work here: ${(e as Error).message.split('\n').slice(0, 3).join(' ')}`;
  } finally {
    ref.cleanup();
  }
  return undefined;
}

let skipReason: string | undefined;
try {
  skipReason = environmentProblem();
} catch (e) {
  setupError = e as Error;
}
if (skipReason) console.log(`# podman: skipping: ${skipReason}`);

// A failing before-hook would hide its error in uvu; keep it and fail every test with it.
test.before(() => {
  if (skipReason || setupError) return;
  try {
    p = new Podman();
    p.load(archive);
  } catch (e) {
    setupError = e as Error;
  }
});
test.after(teardown);

function e2e(name: string, fn: (p: Podman) => void): void {
  if (skipReason) {
    test.skip(`${name} (skipped: ${skipReason})`, () => {});
    return;
  }
  test(name, () => {
    if (setupError) throw setupError;
    fn(p!);
  });
}

e2e('podman run --rm prints the container output', (p) => {
  const args = ['run', '--rm', ...p.runFlags(), p.image, 'sh', '-c', 'echo hello from podman; cat /etc/hostname >/dev/null; id -u'];
  const r = p.podman(args);
  assert.is(r.code, 0, describe('podman', args, r));
  assert.is(r.stdout, 'hello from podman\n0\n');
});

e2e('podman run propagates a non-zero exit code', (p) => {
  const args = ['run', '--rm', ...p.runFlags(), p.image, 'sh', '-c', 'exit 3'];
  const r = p.podman(args);
  assert.is(r.code, 3, describe('podman', args, r));
});

e2e('podman exec on a detached container', (p) => {
  const name = uniqueName('pd');
  const args = ['run', '-d', '--name', name, ...p.runFlags(), p.image, 'sleep', '600'];
  const r = p.podman(args);
  assert.is(r.code, 0, describe('podman', args, r));
  const id = r.stdout.trim();
  try {
    const ex = p.podman(['exec', name, 'sh', '-c', 'echo exec-out; cat /proc/1/cmdline; exit 6']);
    assert.is(ex.code, 6, describe('podman exec', [name], ex));
    assert.is(ex.stdout, 'exec-out\nsleep\0' + '600\0');
    const ok = p.podman(['exec', name, 'true']);
    assert.is(ok.code, 0, describe('podman exec', [name, 'true'], ok));
    const state = p.ok(['inspect', '--format', '{{.State.Status}}', name]).trim();
    assert.is(state, 'running');
  } finally {
    const rm = p.podman(['rm', '--force', '--time', '0', name]);
    assert.is(rm.code, 0, describe('podman rm', [name], rm));
  }
  // The runtime (at its default --root) no longer knows the container.
  const list = run(p.runtime, ['list', '--quiet']);
  assert.is(list.code, 0, describe(p.runtime, ['list', '--quiet'], list));
  assert.not.ok(list.stdout.split('\n').includes(id), `${id} still in runtime list`);
});

e2e('a failing create shows the runtime error through podman', (p) => {
  const args = ['run', '--rm', ...p.runFlags(), p.image, 'no-such-binary-e2e'];
  const r = p.podman(args);
  assert.is.not(r.code, 0, describe('podman', args, r));
  assert.match(r.stderr, missingExecutableError(), `runtime message expected in podman's error:\n${r.stderr}`);
  // podman maps "executable file not found in"/"no such file or directory" to 127, like runc gives.
  if (r.code !== 127) console.log(`# podman: exit code for a missing executable was ${r.code}, not 127`);
});

test.run();
