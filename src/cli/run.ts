import type { Argv, CommandModule } from 'yargs';
import { action, globals, type GlobalArgs } from './command.js';
import { createFlags, createOptions, type CreateArgs } from './create.js';

interface RunArgs extends CreateArgs {
  detach: boolean;
}

export const command: CommandModule<GlobalArgs, RunArgs & GlobalArgs> = {
  command: 'run <id>',
  describe: 'create and start a container; wait for it unless --detach',
  builder: (y) => createFlags(y).option('detach', { alias: 'd', type: 'boolean', default: false }) as unknown as Argv<RunArgs & GlobalArgs>,
  handler: action<RunArgs>(async (argv) => {
    const { runContainer } = await import('../runtime/run.js');
    return runContainer(globals(argv), { ...createOptions(argv), detach: argv.detach });
  }),
};
