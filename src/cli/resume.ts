import type { CommandModule } from 'yargs';
import { action, globals, requireId, type GlobalArgs } from './command.js';

export const command: CommandModule<GlobalArgs, { id: string } & GlobalArgs> = {
  command: 'resume <id>',
  describe: 'resume all processes that were paused',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true }),
  handler: action<{ id: string }>(async (argv) => {
    const { resumeContainer } = await import('../runtime/pause.js');
    resumeContainer(globals(argv), requireId(argv.id));
  }),
};
