// Which hooks run at which step, with which state (runtime-spec runtime.md,
// "Lifecycle"). Statuses are what runtime-tools' validation/hooks_stdin checks
// (prestart sees "created", poststart "running", poststop "stopped"); the rest
// follow runc: createRuntime and createContainer see "creating",
// startContainer "created". Hooks in the container namespace see the init's
// pid in its own pid namespace, the others its host pid.
import { readFileSync } from 'node:fs';
import { hookState, type ContainerRecord } from '../state/container-state.js';
import { runHooks, runHooksWarn } from './run.js';

export type HookedContainer = Pick<ContainerRecord, 'id' | 'pid' | 'bundle' | 'config'>;

/**
 * create, when the init asks (message "hooks", after its mounts, before
 * pivot_root): prestart then createRuntime in the runtime namespace. Throws on
 * the first failure; otherwise returns the reply for the init, which carries
 * the states for its createContainer and startContainer hooks.
 */
export function runCreateHooks(c: HookedContainer): Buffer {
  const hooks = c.config.hooks;
  runHooks(hooks?.prestart, hookState(c, 'created'), 'prestart');
  runHooks(hooks?.createRuntime, hookState(c, 'creating'), 'createRuntime');
  const inside = { ...c, pid: containerPid(c.pid) };
  return hookReply(hookState(inside, 'creating'), hookState(inside, 'created'));
}

/** start, after the user process was executed: failures are warnings (as runtime-tools' poststart_fail expects). */
export function runPoststartHooks(c: HookedContainer, warn: (msg: string) => void): void {
  runHooksWarn(c.config.hooks?.poststart, hookState(c, 'running'), 'poststart', warn);
}

/** delete (and a create that failed after its hooks began), once the container is stopped: failures are warnings. */
export function runPoststopHooks(c: HookedContainer, warn: (msg: string) => void): void {
  runHooksWarn(c.config.hooks?.poststop, hookState(c, 'stopped'), 'poststop', warn);
}

/**
 * The parent's answer to "hooks" (docs/plan-format.md): 'H', then the
 * createContainer state and the startContainer state, each as a u32
 * little-endian length and that many bytes of JSON.
 */
export function hookReply(createState: object, startState: object): Buffer {
  const parts: Buffer[] = [Buffer.from('H', 'latin1')];
  for (const state of [createState, startState]) {
    const json = Buffer.from(JSON.stringify(state), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(json.length);
    parts.push(len, json);
  }
  return Buffer.concat(parts);
}

/** The pid as the process's innermost pid namespace sees it (last NSpid field). */
export function containerPid(hostPid: number, status?: string): number {
  const text = status ?? readFileSync(`/proc/${hostPid}/status`, 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('NSpid:'));
  const last = line?.trim().split(/\s+/).pop();
  const pid = Number(last);
  return line && Number.isSafeInteger(pid) && pid > 0 ? pid : hostPid;
}
