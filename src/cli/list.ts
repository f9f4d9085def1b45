import type { CommandModule } from 'yargs';
import { action, globals, type GlobalArgs } from './command.js';

interface ListArgs {
  format: 'table' | 'json';
  quiet: boolean;
}

export const command: CommandModule<GlobalArgs, ListArgs & GlobalArgs> = {
  command: 'list',
  aliases: ['ps-all'],
  describe: 'list containers in the root directory',
  builder: (y) =>
    y
      .option('format', { alias: 'f', choices: ['table', 'json'] as const, default: 'table' as const })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print only ids' }),
  handler: action<ListArgs>(async (argv) => {
    const { listContainers } = await import('../runtime/state.js');
    const { formatTable } = await import('./table.js');
    const all = listContainers(globals(argv));
    if (argv.quiet) for (const c of all) process.stdout.write(c.id + '\n');
    else if (argv.format === 'json') process.stdout.write(JSON.stringify(all.length ? all : null) + '\n');
    else
      process.stdout.write(
        formatTable(
          ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
          all.map((c) => [c.id, String(c.pid), c.status, c.bundle, c.created, c.owner]),
        ),
      );
  }),
};
