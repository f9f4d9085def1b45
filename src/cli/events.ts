import { UserError } from '../errors.js';
import { action, globals, requireId } from './command.js';
import type { CommandSpec } from './flags.js';

interface EventsArgs {
  id: string;
  interval: string;
  stats: boolean;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("5s", "250ms", "1m30s", "0"), as runc's --interval takes it, in milliseconds. */
export function parseDuration(text: string): number {
  const bad = () => new UserError(`invalid value ${JSON.stringify(text)} for flag -interval: parse error`);
  const m = /^([-+]?)(.*)$/.exec(text)!;
  if (m[2] === '0') return 0;
  const parts = [...m[2].matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== m[2]) throw bad();
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]], 0);
  return m[1] === '-' ? -ms : ms;
}

export const command: CommandSpec<EventsArgs> = {
  name: 'events',
  describe: 'display container events: OOM notices and cpu, memory, pids and IO statistics',
  positionals: [{ name: 'id', required: true }],
  flags: {
    interval: { type: 'string', default: '5s', describe: 'stats collection interval' },
    stats: { type: 'boolean', default: false, describe: "display the container's stats then exit" },
  },
  run: action<EventsArgs>(async (argv) => {
    const intervalMs = parseDuration(String(argv.interval));
    const { streamEvents } = await import('../runtime/events.js');
    await streamEvents(globals(argv), requireId(argv.id), {
      intervalMs,
      statsOnly: argv.stats,
      write: (line) => process.stdout.write(line),
    });
  }),
};
