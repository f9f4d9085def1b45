// The full command line through yargs, built from the command tables: help,
// --version, and every invocation the fast parser leaves to it (errors included).
import yargs, { type Argv, type CommandModule, type Options, type PositionalOptions } from 'yargs';
import type { LogConfig } from './log.js';
import { separateExecCommand } from './exec.js';
import { markPsArgs } from './ps.js';
import { versionText } from './version.js';
import { GLOBAL_FLAGS, type Args, type CommandSpec, type Flag, type GlobalArgs } from './flags.js';


function option(f: Flag): Options {
  const o: Options = {};
  if (f.alias) o.alias = f.alias;
  // a typed option with choices would show "[string]" in help as well
  if (f.choices) o.choices = [...f.choices];
  else o.type = f.type;
  if (f.default !== undefined) o.default = f.default;
  if (f.describe) o.describe = f.describe;
  if (f.hidden) o.hidden = true;
  if (f.requiresArg) o.requiresArg = true;
  if (f.nargs !== undefined) o.nargs = f.nargs;
  return o;
}

function yargsCommand(spec: CommandSpec): CommandModule<GlobalArgs, GlobalArgs> {
  const positionals = spec.positionals ?? [];
  const usage = positionals.map((p) => {
    const n = p.variadic ? `${p.name}..` : p.name;
    return p.required ? `<${n}>` : `[${n}]`;
  });
  return {
    command: [spec.name, ...usage].join(' '),
    aliases: spec.aliases ? [...spec.aliases] : undefined,
    describe: spec.describe,
    builder: (y) => {
      let b = y as Argv<GlobalArgs>;
      for (const p of positionals) {
        const o: PositionalOptions = { type: 'string' };
        if (p.describe) o.describe = p.describe;
        if (p.required) o.demandOption = true;
        if (p.variadic) o.array = true;
        if (p.default !== undefined) o.default = typeof p.default === 'string' ? p.default : [...p.default];
        b = b.positional(p.name, o) as unknown as Argv<GlobalArgs>;
      }
      for (const [name, f] of Object.entries(spec.flags ?? {})) b = b.option(name, option(f)) as unknown as Argv<GlobalArgs>;
      return b;
    },
    handler: (argv) => spec.run(argv as unknown as Args<object>),
  };
}

export interface ParserHooks {
  configureLog(c: LogConfig): void;
  /** gets the one-line error (the CLI logs it and exits 1) */
  fail(text: string): void;
}

/** A yargs parser of args running commands. */
export function buildParser(args: readonly string[], commands: readonly CommandSpec[], hooks: ParserHooks): Argv<GlobalArgs> {
  // ps and exec pass what follows the container id on untouched, as runc does
  const line = separateExecCommand(markPsArgs(args));
  let parser = yargs(line)
    .scriptName('tsrunc')
    // runc's flags --no-pivot and --no-new-keyring are names, not negations.
    .parserConfiguration({ 'boolean-negation': false })
    .usage('$0 [global options] <command> [options]') as unknown as Argv<GlobalArgs>;
  for (const [name, f] of Object.entries(GLOBAL_FLAGS)) {
    // a repeated global flag (--root a --root b) takes the last value, as in runc
    const last = f.type === 'string' ? { coerce: (v: unknown) => (Array.isArray(v) ? v[v.length - 1] : v) } : {};
    parser = parser.option(name, { ...option(f), global: true, ...last }) as unknown as Argv<GlobalArgs>;
  }
  parser = parser
    .middleware((argv) => hooks.configureLog({ file: argv.log, format: argv.logFormat, debug: argv.debug }), true)
    .version(false)
    .option('version', { alias: 'v', type: 'boolean', describe: 'print the version' })
    .middleware((argv) => {
      if (argv.version) {
        process.stdout.write(versionText());
        process.exit(0);
      }
    }, true)
    .help('help')
    .alias('help', 'h')
    .strict()
    .demandCommand(1, 'a command is required (see tsrunc --help)')
    .fail((msg, err) => {
      // yargs counts positionals before it looks for unknown flags; a bad flag that
      // swallowed the id deserves the blame, as in runc ("flag provided but not defined").
      const unknown = unknownFlag(line, (parser as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key);
      hooks.fail(err ? err.message : unknown ? `unknown flag: ${unknown}` : oneLine(msg));
    });
  for (const c of commands) parser = parser.command(yargsCommand(c));
  return parser;
}

/** yargs' message on one line: a heading ending in ':' keeps its details ("invalid values: argument: ..."). */
function oneLine(msg: string): string {
  const lines = msg.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const kept = lines[0]?.endsWith(':') ? lines : lines.slice(0, 1);
  return kept.join(' ').toLowerCase();
}

function unknownFlag(args: readonly string[], known: Record<string, unknown>): string | undefined {
  for (const arg of args) {
    if (arg === '--') break;
    const m = arg.match(/^--?([^=]+)/);
    if (!m) continue;
    const name = m[1];
    const camel = name.replace(/-([a-z])/g, (_x, c: string) => c.toUpperCase());
    if (!(name in known) && !(camel in known) && name.length > 1) return arg.replace(/=.*/, '');
  }
  return undefined;
}
