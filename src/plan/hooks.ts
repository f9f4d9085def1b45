// The hook part of the plan: whether the init must stop before pivot_root so
// the parent can run prestart/createRuntime hooks, and the createContainer and
// startContainer hooks the init runs itself. Poststart and poststop hooks
// never reach the stub (src/hooks/lifecycle.ts runs them).
import type { Hooks } from '../spec/config.js';
import { hookArgv } from '../hooks/run.js';
import type { PlanHook } from './types.js';

const INIT_KINDS = ['createContainer', 'startContainer'] as const;

/**
 * A hook without `env` inherits its runner's environment (as runc's hooks,
 * Go's exec.Cmd with a nil Env): for these the runner is the init, whose
 * environment runc has set to process.env by then, so that is what they get.
 * An `env: []` stays empty.
 */
export function compileHooks(hooks: Hooks | undefined, processEnv: readonly string[]): { hookHandshake: boolean; containerHooks: PlanHook[] } {
  const containerHooks = INIT_KINDS.flatMap((kind) =>
    (hooks?.[kind] ?? []).map((h) => ({ kind, path: h.path, timeout: h.timeout ?? 0, args: hookArgv(h), env: h.env ?? [...processEnv] })),
  );
  const runtimeSide = (hooks?.prestart?.length ?? 0) + (hooks?.createRuntime?.length ?? 0);
  // The init also needs the handshake for its own hooks: the reply carries their state.
  return { hookHandshake: runtimeSide > 0 || containerHooks.length > 0, containerHooks };
}
