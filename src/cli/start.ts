import { action, globals, requireId } from './command.js';
import type { CommandSpec } from './flags.js';

export const command: CommandSpec<{ id: string }> = {
  name: 'start',
  describe: 'start a created container',
  positionals: [{ name: 'id', required: true }],
  run: action<{ id: string }>(async (argv) => {
    const { startContainer } = await import('../runtime/start.js');
    startContainer(globals(argv), requireId(argv.id));
  }),
};
