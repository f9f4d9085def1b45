import { action, globals, requireId } from './command.js';
import type { CommandSpec } from './flags.js';

interface KillArgs {
  id: string;
  signal: string;
  all: boolean;
}

export const command: CommandSpec<KillArgs> = {
  name: 'kill',
  describe: 'send a signal (default SIGTERM) to the container init',
  positionals: [
    { name: 'id', required: true },
    { name: 'signal', default: 'SIGTERM' },
  ],
  flags: { all: { alias: 'a', type: 'boolean', default: false, describe: 'signal every process in the container' } },
  run: action<KillArgs>(async (argv) => {
    const { parseSignal } = await import('../linux/signals.js');
    const signal = parseSignal(String(argv.signal));
    const { killContainer } = await import('../runtime/kill.js');
    killContainer(globals(argv), requireId(argv.id), signal, argv.all);
  }),
};
