import type { CommandModule } from 'yargs';
import { action, type GlobalArgs } from './command.js';

export const command: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'features',
  describe: 'print the features this tsrunc implements (runtime-spec features.md), as JSON',
  builder: (y) => y,
  handler: action(async () => {
    const { features } = await import('../runtime/features.js');
    // runc's layout: four-space indent, trailing newline
    process.stdout.write(JSON.stringify(features(), null, 4) + '\n');
  }),
};
