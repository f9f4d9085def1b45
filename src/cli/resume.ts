import { action, globals, requireId } from './command.js';
import type { CommandSpec } from './flags.js';

export const command: CommandSpec<{ id: string }> = {
  name: 'resume',
  describe: 'resume all processes that were paused',
  positionals: [{ name: 'id', required: true }],
  run: action<{ id: string }>(async (argv) => {
    const { resumeContainer } = await import('../runtime/pause.js');
    resumeContainer(globals(argv), requireId(argv.id));
  }),
};
