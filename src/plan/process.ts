// config.json "process" → the plan fields that set up the process itself
// (limits, credentials, cwd, env, argv). Shared by create (compile.ts) and
// exec (exec.ts); the caller has checked args and cwd.
import type { Process } from '../spec/config.js';
import { compileCaps } from './capabilities.js';
import { compileRlimits } from './rlimits.js';
import type { Plan } from './types.js';

/** runc's umask for the container process when process.user.umask is absent. */
export const DEFAULT_UMASK = 0o022;

export type ProcessPlan = Pick<Plan, 'rlimits' | 'noNewPrivileges' | 'caps' | 'user' | 'additionalGids' | 'cwd' | 'env' | 'args'>;

export function compileProcess(proc: Process, warn: (msg: string) => void): ProcessPlan {
  const user = proc.user ?? { uid: 0, gid: 0 };
  return {
    rlimits: compileRlimits(proc.rlimits),
    noNewPrivileges: proc.noNewPrivileges ?? false,
    caps: compileCaps(proc.capabilities, warn),
    user: { uid: user.uid, gid: user.gid, umask: user.umask ?? DEFAULT_UMASK },
    additionalGids: user.additionalGids ?? [],
    cwd: proc.cwd,
    env: proc.env ?? [],
    args: proc.args,
  };
}
