import { action, globals } from './command.js';
import type { CommandSpec } from './flags.js';
import { writeOut } from './output.js';

interface ListArgs {
  format: 'table' | 'json';
  quiet: boolean;
}

export const command: CommandSpec<ListArgs> = {
  name: 'list',
  aliases: ['ps-all'],
  describe: 'list containers in the root directory',
  flags: {
    format: { alias: 'f', type: 'string', choices: ['table', 'json'], default: 'table' },
    quiet: { alias: 'q', type: 'boolean', default: false, describe: 'print only ids' },
  },
  run: action<ListArgs>(async (argv) => {
    const { listContainers } = await import('../runtime/state.js');
    const { formatTable } = await import('./table.js');
    const all = listContainers(globals(argv));
    if (argv.quiet) for (const c of all) writeOut(c.id + '\n');
    else if (argv.format === 'json') writeOut(JSON.stringify(all.length ? all : null) + '\n');
    else
      writeOut(
        formatTable(
          ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
          all.map((c) => [c.id, String(c.pid), c.status, c.bundle, c.created, c.owner]),
        ),
      );
  }),
};
