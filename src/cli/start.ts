import type { CommandModule } from 'yargs';
import { action, globals, requireId, type GlobalArgs } from './command.js';

export const command: CommandModule<GlobalArgs, { id: string } & GlobalArgs> = {
  command: 'start <id>',
  describe: 'start a created container',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true }),
  handler: action<{ id: string }>(async (argv) => {
    const { startContainer } = await import('../runtime/start.js');
    startContainer(globals(argv), requireId(argv.id));
  }),
};
