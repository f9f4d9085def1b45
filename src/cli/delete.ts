import type { CommandModule } from 'yargs';
import { action, globals, requireId, type GlobalArgs } from './command.js';

export const command: CommandModule<GlobalArgs, { id: string; force: boolean } & GlobalArgs> = {
  command: 'delete <id>',
  describe: 'delete a stopped (or, with --force, any) container',
  builder: (y) =>
    y
      .positional('id', { type: 'string', demandOption: true })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'kill the container first if it runs' }),
  handler: action<{ id: string; force: boolean }>(async (argv) => {
    const { deleteContainer } = await import('../runtime/delete.js');
    deleteContainer(globals(argv), requireId(argv.id), argv.force);
  }),
};
