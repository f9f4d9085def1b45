// Running OCI hooks in the runtime namespace (runtime-spec config.md,
// "POSIX-platform Hooks"): the container state as JSON on stdin, exactly the
// configured args and env (the runtime's own env when none is configured),
// and a timeout after which the hook is killed.
// Hooks run synchronously: the operation that runs them waits for each one.
import { closeSync, openSync, readSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError, errnoText } from '../errors.js';
import type { Hook } from '../spec/config.js';

// child_process and crypto cost start and delete ~5 ms to load: only when a hook runs.
const nodeRequire = createRequire(import.meta.url);

/** How much of a failed hook's output goes into the error message. */
const OUTPUT_PEEK = 4096;

/** Runs the hooks in order; the first failure throws a UserError naming the hook. */
export function runHooks(hooks: readonly Hook[] | undefined, state: object, kind: string): void {
  (hooks ?? []).forEach((hook, i) => {
    const failure = runHook(hook, state);
    if (failure) throw new UserError(hookFailure(kind, i, hook, failure));
  });
}

/** Runs every hook even when some fail (poststart, poststop); each failure goes to warn. */
export function runHooksWarn(hooks: readonly Hook[] | undefined, state: object, kind: string, warn: (msg: string) => void): void {
  (hooks ?? []).forEach((hook, i) => {
    const failure = runHook(hook, state);
    if (failure) warn(hookFailure(kind, i, hook, failure));
  });
}

export function hookFailure(kind: string, index: number, hook: Hook, reason: string): string {
  return `${kind}: error running hook #${index} (${hook.path}): ${reason}`;
}

/** A hook's env list as the object spawn wants; a later duplicate wins, an entry without "=" gets an empty value. */
export function envObject(env: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of env ?? []) {
    const eq = entry.indexOf('=');
    if (eq < 0) out[entry] = '';
    else out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

/** argv as execv gets it: args as configured, or just the path when there are none (as runc). */
export function hookArgv(hook: Hook): string[] {
  return hook.args && hook.args.length > 0 ? hook.args : [hook.path];
}

/** Runs one hook; returns why it failed, or undefined. */
function runHook(hook: Hook, state: object): string | undefined {
  // Output goes to unlinked files rather than pipes: a hook that leaves a
  // daemon behind holding its stdout must not keep us waiting.
  const out = anonymousFile();
  const err = anonymousFile();
  try {
    const argv = hookArgv(hook);
    const { spawnSync } = nodeRequire('node:child_process') as typeof import('node:child_process');
    const r = spawnSync(hook.path, argv.slice(1), {
      argv0: argv[0],
      // Without env a hook inherits the runtime's environment, as runc's do.
      env: hook.env === undefined ? process.env : envObject(hook.env),
      input: JSON.stringify(state),
      stdio: ['pipe', out, err],
      timeout: hook.timeout !== undefined ? hook.timeout * 1000 : undefined,
      killSignal: 'SIGKILL',
    });
    const e = r.error as NodeJS.ErrnoException | undefined;
    if (e?.code === 'ETIMEDOUT') return `did not finish within ${hook.timeout}s and was killed`;
    // A hook that exits without reading its stdin is fine: only a failed start counts.
    if (e && e.code !== 'EPIPE') return `cannot run: ${errnoText(e.code ?? String(e.message))}`;
    if (r.signal) return `killed by signal ${r.signal}`;
    if (r.status !== 0) {
      const line = firstLine(err) || firstLine(out);
      return `exited with status ${r.status}${line ? `: ${line}` : ''}`;
    }
    return undefined;
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

function anonymousFile(): number {
  const { randomBytes } = nodeRequire('node:crypto') as typeof import('node:crypto');
  const path = join(tmpdir(), `tsrunc-hook-${randomBytes(8).toString('hex')}`);
  const fd = openSync(path, 'wx+', 0o600);
  unlinkSync(path);
  return fd;
}

function firstLine(fd: number): string {
  const buf = Buffer.alloc(OUTPUT_PEEK);
  const n = readSync(fd, buf, 0, buf.length, 0);
  return buf
    .subarray(0, n)
    .toString('utf8')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0) ?? '';
}
