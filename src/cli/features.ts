import { action } from './command.js';
import type { CommandSpec } from './flags.js';
import { writeOut } from './output.js';

export const command: CommandSpec = {
  name: 'features',
  describe: 'print the features this tsrunc implements (runtime-spec features.md), as JSON',
  run: action(async () => {
    const { features } = await import('../runtime/features.js');
    // runc's layout: four-space indent, trailing newline
    writeOut(JSON.stringify(features(), null, 4) + '\n');
  }),
};
