import { action, globals, requireId } from './command.js';
import type { CommandSpec } from './flags.js';

export const command: CommandSpec<{ id: string; force: boolean }> = {
  name: 'delete',
  describe: 'delete a stopped (or, with --force, any) container',
  positionals: [{ name: 'id', required: true }],
  flags: { force: { alias: 'f', type: 'boolean', default: false, describe: 'kill the container first if it runs' } },
  run: action<{ id: string; force: boolean }>(async (argv) => {
    const { deleteContainer } = await import('../runtime/delete.js');
    deleteContainer(globals(argv), requireId(argv.id), argv.force);
  }),
};
