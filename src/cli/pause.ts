import { action, globals, requireId } from './command.js';
import type { CommandSpec } from './flags.js';

export const command: CommandSpec<{ id: string }> = {
  name: 'pause',
  describe: 'suspend all processes inside the container',
  positionals: [{ name: 'id', required: true }],
  run: action<{ id: string }>(async (argv) => {
    const { pauseContainer } = await import('../runtime/pause.js');
    pauseContainer(globals(argv), requireId(argv.id));
  }),
};
