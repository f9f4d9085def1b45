import type { CommandModule } from 'yargs';
import { action, globals, requireId, type GlobalArgs } from './command.js';

export const command: CommandModule<GlobalArgs, { id: string } & GlobalArgs> = {
  command: 'state <id>',
  describe: 'print the state of a container as JSON',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true }),
  handler: action<{ id: string }>(async (argv) => {
    const { containerState } = await import('../runtime/state.js');
    process.stdout.write(JSON.stringify(containerState(globals(argv), requireId(argv.id)), null, 2) + '\n');
  }),
};
