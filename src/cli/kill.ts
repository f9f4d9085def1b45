import type { CommandModule } from 'yargs';
import { action, globals, requireId, type GlobalArgs } from './command.js';

interface KillArgs {
  id: string;
  signal: string;
  all: boolean;
}

export const command: CommandModule<GlobalArgs, KillArgs & GlobalArgs> = {
  command: 'kill <id> [signal]',
  describe: 'send a signal (default SIGTERM) to the container init',
  builder: (y) =>
    y
      .positional('id', { type: 'string', demandOption: true })
      .positional('signal', { type: 'string', default: 'SIGTERM' })
      .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'signal every process in the container' }),
  handler: action<KillArgs>(async (argv) => {
    const { parseSignal } = await import('../linux/signals.js');
    const signal = parseSignal(String(argv.signal));
    const { killContainer } = await import('../runtime/kill.js');
    killContainer(globals(argv), requireId(argv.id), signal, argv.all);
  }),
};
