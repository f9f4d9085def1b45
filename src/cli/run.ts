import { action, globals } from './command.js';
import { CREATE_FLAGS, ID, createOptions, type CreateArgs } from './create.js';
import type { CommandSpec } from './flags.js';

interface RunArgs extends CreateArgs {
  detach: boolean;
  keep: boolean;
}

export const command: CommandSpec<RunArgs> = {
  name: 'run',
  describe: 'create and start a container; wait for it unless --detach',
  positionals: [ID],
  flags: {
    ...CREATE_FLAGS,
    detach: { alias: 'd', type: 'boolean', default: false, describe: 'do not wait for the container' },
    keep: { type: 'boolean', default: false, describe: 'do not delete the container after it exits' },
  },
  run: action<RunArgs>(async (argv) => {
    const { runContainer } = await import('../runtime/run.js');
    return runContainer(globals(argv), { ...createOptions(argv), detach: argv.detach, keep: argv.keep });
  }),
};
