import { UserError } from '../errors.js';
import { globals, requireId } from './command.js';
import { GLOBAL_FLAGS, valueFlagNames, type Args, type CommandSpec, type Flags } from './flags.js';
import { log } from './log.js';
import { writeErr } from './output.js';

interface ExecArgs {
  id: string;
  command?: string[];
  consoleSocket?: string;
  pidfdSocket?: string;
  cwd?: string;
  env?: string | string[];
  tty: boolean;
  user?: string;
  additionalGids?: string | string[];
  process?: string;
  detach: boolean;
  pidFile?: string;
  processLabel?: string;
  apparmor?: string;
  noNewPrivs?: boolean;
  cap?: string | string[];
  preserveFds: number;
  cgroup?: string | string[];
  ignorePaused: boolean;
}

/** exec's flags, with their one-letter aliases (runc 1.1's set); those with values require one. */
const FLAGS: Flags = {
  tty: { alias: 't', type: 'boolean', default: false, describe: 'allocate a pseudo-terminal' },
  detach: { alias: 'd', type: 'boolean', default: false, describe: 'do not wait for the process' },
  'no-new-privs': { type: 'boolean', describe: 'set no_new_privs for the process' },
  'ignore-paused': { type: 'boolean', default: false, describe: 'allow exec in a paused container' },
  'console-socket': { type: 'string', requiresArg: true, describe: 'unix socket to receive the pty master' },
  'pidfd-socket': { type: 'string', requiresArg: true, describe: 'unix socket to receive a pidfd of the process (SCM_RIGHTS)' },
  cwd: { type: 'string', requiresArg: true, describe: 'working directory in the container' },
  env: { alias: 'e', type: 'string', requiresArg: true, describe: 'set an environment variable (KEY=value); repeatable' },
  user: { alias: 'u', type: 'string', requiresArg: true, describe: 'uid[:gid]' },
  'additional-gids': { alias: 'g', type: 'string', requiresArg: true, describe: 'an additional gid; repeatable' },
  process: { alias: 'p', type: 'string', requiresArg: true, describe: 'path to a process.json (then the command is not used)' },
  'pid-file': { type: 'string', requiresArg: true, describe: 'file to write the process pid to' },
  'process-label': { type: 'string', requiresArg: true, describe: 'selinux label for the process' },
  apparmor: { type: 'string', requiresArg: true, describe: 'apparmor profile for the process' },
  cap: {
    alias: 'c',
    type: 'string',
    requiresArg: true,
    describe: 'add a capability to the bounding, effective and permitted sets; repeatable',
  },
  'preserve-fds': { type: 'number', default: 0, requiresArg: true, describe: 'pass N extra fds (from 3) to the process' },
  cgroup: { type: 'string', requiresArg: true, describe: 'join a sub-cgroup: path, or controller[,controller]:path; repeatable' },
};

const takesValue = valueFlagNames(GLOBAL_FLAGS, FLAGS);

/** Whether a flag token consumes the next argument. */
function consumesNext(arg: string): boolean {
  if (arg.includes('=')) return false;
  if (arg.startsWith('--')) return takesValue.has(arg.slice(2));
  return takesValue.has(arg.slice(-1)); // -e, or grouped -de
}

/**
 * Like runc, flags end at the container id: `exec <id> sh -c 'echo hi'` runs
 * `sh -c 'echo hi'` and -c is not --cap. yargs has no such mode, so a `--` is
 * put after the id before yargs parses the line. Other commands are untouched.
 */
export function separateExecCommand(args: readonly string[]): string[] {
  let i = 0;
  let seenCommand = false;
  while (i < args.length) {
    const a = args[i];
    if (a === '--') break;
    if (a.startsWith('-') && a !== '-') {
      i += consumesNext(a) ? 2 : 1;
      continue;
    }
    if (!seenCommand) {
      if (a !== 'exec') break;
      seenCommand = true;
      i++;
      continue;
    }
    // a is the container id
    if (i + 1 < args.length) return [...args.slice(0, i + 1), '--', ...args.slice(i + 1)];
    break;
  }
  return [...args];
}

function list(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function gids(v: string | string[] | undefined): number[] {
  return list(v).map((g) => {
    if (!/^-?\d+$/.test(String(g))) throw new UserError(`--additional-gids: ${JSON.stringify(g)} is not a number`);
    return Number(g);
  });
}

export const command: CommandSpec<ExecArgs> = {
  name: 'exec',
  describe: 'run a new process in a running container',
  positionals: [
    { name: 'id', required: true, describe: 'container id' },
    { name: 'command', variadic: true, describe: 'the command and its arguments' },
  ],
  flags: FLAGS,
  run: async (argv) => {
    // runc: every exec failure is "exec failed: …" with exit status 255; otherwise the process's status
    try {
      process.exitCode = await execFromArgs(argv);
    } catch (err) {
      log.error(`exec failed: ${err instanceof Error ? err.message : String(err)}`);
      if (argv.debug && !(err instanceof UserError) && err instanceof Error && err.stack) writeErr(err.stack + '\n');
      process.exitCode = 255;
    }
  },
};

async function execFromArgs(a: Args<ExecArgs>): Promise<number> {
  const { execInContainer } = await import('../runtime/exec.js');
  // after the `--` separateExecCommand added, yargs leaves the command in `_` (after "exec")
  const cmd = [...(a.command ?? []), ...a._.slice(1).map(String)];
  return execInContainer(globals(a), {
    id: requireId(a.id),
    processFile: a.process,
    args: cmd,
    tty: a.tty,
    consoleSocket: a.consoleSocket,
    pidfdSocket: a.pidfdSocket,
    detach: a.detach,
    pidFile: a.pidFile,
    cwd: a.cwd,
    env: list(a.env),
    user: a.user,
    additionalGids: gids(a.additionalGids),
    caps: list(a.cap),
    noNewPrivileges: a.noNewPrivs,
    apparmorProfile: a.apparmor,
    selinuxLabel: a.processLabel,
    preserveFds: a.preserveFds,
    cgroups: list(a.cgroup),
    ignorePaused: a.ignorePaused,
  });
}
