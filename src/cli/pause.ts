import type { CommandModule } from 'yargs';
import { action, globals, requireId, type GlobalArgs } from './command.js';

export const command: CommandModule<GlobalArgs, { id: string } & GlobalArgs> = {
  command: 'pause <id>',
  describe: 'suspend all processes inside the container',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true }),
  handler: action<{ id: string }>(async (argv) => {
    const { pauseContainer } = await import('../runtime/pause.js');
    pauseContainer(globals(argv), requireId(argv.id));
  }),
};
