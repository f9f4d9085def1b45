import { UserError } from '../errors.js';
import { action, globals, requireId } from './command.js';
import { GLOBAL_FLAGS, valueFlagNames, type CommandSpec, type Flags } from './flags.js';
import { writeOut } from './output.js';

interface PsArgs {
  id: string;
  psArgs: string[];
  format: string;
}

const FLAGS: Flags = { format: { alias: 'f', type: 'string', default: 'table', describe: 'table or json' } };

export const command: CommandSpec<PsArgs> = {
  name: 'ps',
  describe: 'display the processes running inside a container',
  positionals: [
    { name: 'id', required: true },
    { name: 'psArgs', variadic: true, default: [], describe: 'options for ps (default -ef)' },
  ],
  flags: FLAGS,
  run: action<PsArgs>(async (argv) => {
    const format = String(argv.format);
    if (format !== 'table' && format !== 'json') throw new UserError('invalid format option');
    const { containerPids, psTable } = await import('../runtime/ps.js');
    const pids = containerPids(globals(argv), requireId(argv.id));
    // after the "--" markPsArgs adds, yargs leaves them in argv._ (behind the command name)
    const psArgs = [...(argv.psArgs ?? []), ...argv._.slice(1)].map(String);
    // runc prints Go's nil slice as null; containerd's shim accepts both
    if (format === 'json') writeOut(JSON.stringify(pids.length ? pids : null) + '\n');
    else writeOut(psTable(pids, psArgs));
  }),
};

const TAKES_VALUE = new Set([...valueFlagNames(GLOBAL_FLAGS, FLAGS)].map((n) => (n.length === 1 ? `-${n}` : `--${n}`)));

/**
 * runc stops parsing flags after ps's container id: the rest is for ps(1) (`ps <id> -o pid`).
 * yargs has no such switch per command, so a "--" is put right after the id.
 */
export function markPsArgs(args: readonly string[]): string[] {
  let seenPs = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    if (a.startsWith('-')) {
      if (TAKES_VALUE.has(a)) i++;
      continue;
    }
    if (!seenPs) {
      if (a !== 'ps') break;
      seenPs = true;
      continue;
    }
    if (i + 1 < args.length && args[i + 1] !== '--') return [...args.slice(0, i + 1), '--', ...args.slice(i + 1)];
    break;
  }
  return [...args];
}
