import { action, globals, requireId } from './command.js';
import type { CommandSpec } from './flags.js';
import { writeOut } from './output.js';

export const command: CommandSpec<{ id: string }> = {
  name: 'state',
  describe: 'print the state of a container as JSON',
  positionals: [{ name: 'id', required: true }],
  run: action<{ id: string }>(async (argv) => {
    const { containerState } = await import('../runtime/state.js');
    writeOut(JSON.stringify(containerState(globals(argv), requireId(argv.id)), null, 2) + '\n');
  }),
};
