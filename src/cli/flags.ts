// Commands and flags declared once, as data: yargs-cli.ts builds yargs from these
// tables and fast-parse.ts parses well-formed command lines with them.
import { defaultRoot, hostFacts } from '../runtime/rootless-mode.js';

export type FlagType = 'string' | 'boolean' | 'number';

export interface Flag {
  type: FlagType;
  alias?: string;
  default?: string | boolean | number;
  describe?: string;
  choices?: readonly string[];
  hidden?: boolean;
  /** yargs: a value must follow (exec's flags) */
  requiresArg?: boolean;
  /** yargs: take exactly this many values (update's -r, so "-" is a value) */
  nargs?: number;
}

/** Keyed by the long name, as typed: `pid-file`. */
export type Flags = Readonly<Record<string, Flag>>;

export interface Positional {
  name: string;
  required?: boolean;
  /** takes the rest of the line (exec's command, ps's arguments) */
  variadic?: boolean;
  default?: string | readonly string[];
  describe?: string;
}

export interface GlobalArgs {
  root: string;
  log?: string;
  logFormat: 'text' | 'json';
  debug: boolean;
  systemdCgroup: boolean;
  rootless: string;
}

/** What a command's run gets: yargs' parsed argv (camelCase keys) or the fast parser's equivalent. */
export type Args<T> = T & GlobalArgs & { _: (string | number)[] };

export interface CommandSpec<T = object> {
  name: string;
  aliases?: readonly string[];
  describe: string;
  positionals?: readonly Positional[];
  flags?: Flags;
  run(argv: Args<T>): Promise<void>;
}

/** runc's global flags; they may come before or after the command name. */
export const GLOBAL_FLAGS: Flags = {
  // runc's rule: $XDG_RUNTIME_DIR/tsrunc for a non-root caller that has it
  root: { type: 'string', default: defaultRoot(hostFacts()), describe: 'directory for container state' },
  log: { type: 'string', describe: 'log file (default: stderr)' },
  'log-format': { type: 'string', choices: ['text', 'json'], default: 'text' },
  debug: { type: 'boolean', default: false, describe: 'log debug output' },
  'systemd-cgroup': { type: 'boolean', default: false, describe: 'use the systemd cgroup driver' },
  rootless: { type: 'string', default: 'auto', describe: 'true, false or auto' },
  criu: { type: 'string', describe: 'path to the criu binary used for checkpoint and restore (default: criu in PATH)' },
};

export function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Flag names and aliases (without dashes) that consume the next argument. */
export function valueFlagNames(...tables: Flags[]): Set<string> {
  const out = new Set<string>();
  for (const t of tables) {
    for (const [name, f] of Object.entries(t)) {
      if (f.type === 'boolean') continue;
      out.add(name);
      if (f.alias) out.add(f.alias);
    }
  }
  return out;
}
