import type { Argv, CommandModule } from 'yargs';
import { action, globals, requireId, type GlobalArgs } from './command.js';

export interface CreateArgs {
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot: boolean;
  noNewKeyring: boolean;
  preserveFds: number;
}

/** Flags shared by create and run. */
export function createFlags<T>(y: Argv<T>) {
  return y
    .positional('id', { type: 'string', describe: 'container id', demandOption: true })
    .option('bundle', { alias: 'b', type: 'string', default: '.', describe: 'path to the bundle directory' })
    .option('pid-file', { type: 'string', describe: 'file to write the init pid to' })
    .option('console-socket', { type: 'string', describe: 'unix socket to receive the pty master' })
    .option('no-pivot', { type: 'boolean', default: false, describe: 'use MS_MOVE + chroot instead of pivot_root' })
    .option('no-new-keyring', { type: 'boolean', default: false, describe: 'do not create a new session keyring' })
    .option('preserve-fds', { type: 'number', default: 0, describe: 'pass N extra fds (from 3) to the container' });
}

export function createOptions(argv: CreateArgs) {
  return {
    id: requireId(argv.id),
    bundle: argv.bundle,
    pidFile: argv.pidFile,
    consoleSocket: argv.consoleSocket,
    noPivot: argv.noPivot,
    noNewKeyring: argv.noNewKeyring,
    preserveFds: argv.preserveFds,
  };
}

export const command: CommandModule<GlobalArgs, CreateArgs & GlobalArgs> = {
  command: 'create <id>',
  describe: 'create a container (its init waits for start)',
  builder: (y) => createFlags(y) as unknown as Argv<CreateArgs & GlobalArgs>,
  handler: action<CreateArgs>(async (argv) => {
    const { createContainer } = await import('../runtime/create.js');
    await createContainer(globals(argv), createOptions(argv));
  }),
};
