import { action, globals, requireId } from './command.js';
import type { CommandSpec, Flags, Positional } from './flags.js';
import type { CreateOptions } from '../runtime/create.js';

/** What the flags below parse into: the runtime's options minus what only code sets. */
export type CreateArgs = Omit<CreateOptions, 'stdio' | 'detach'>;

export const ID: Positional = { name: 'id', required: true, describe: 'container id' };

/** Flags shared by create and run. */
export const CREATE_FLAGS: Flags = {
  bundle: { alias: 'b', type: 'string', default: '.', describe: 'path to the bundle directory' },
  'pid-file': { type: 'string', describe: 'file to write the init pid to' },
  'console-socket': { type: 'string', describe: 'unix socket to receive the pty master' },
  'pidfd-socket': { type: 'string', describe: 'unix socket to receive a pidfd of the container init (SCM_RIGHTS)' },
  'no-pivot': { type: 'boolean', default: false, describe: 'use MS_MOVE + chroot instead of pivot_root' },
  'no-new-keyring': { type: 'boolean', default: false, describe: 'do not create a new session keyring' },
  'preserve-fds': { type: 'number', default: 0, describe: 'pass N extra fds (from 3) to the container' },
};

export function createOptions(argv: CreateArgs) {
  return {
    id: requireId(argv.id),
    bundle: argv.bundle,
    pidFile: argv.pidFile,
    consoleSocket: argv.consoleSocket,
    pidfdSocket: argv.pidfdSocket,
    noPivot: argv.noPivot,
    noNewKeyring: argv.noNewKeyring,
    preserveFds: argv.preserveFds,
  };
}

export const command: CommandSpec<CreateArgs> = {
  name: 'create',
  describe: 'create a container (its init waits for start)',
  positionals: [ID],
  flags: CREATE_FLAGS,
  run: action<CreateArgs>(async (argv) => {
    const { createContainer } = await import('../runtime/create.js');
    await createContainer(globals(argv), createOptions(argv));
  }),
};
