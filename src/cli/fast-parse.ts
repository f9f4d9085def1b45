// A parser for well-formed command lines, driven by the same tables as yargs
// (flags.ts), so that most invocations never load yargs (~80 ms of start-up).
// It accepts only forms whose yargs result it reproduces exactly; for anything
// else (help, version, unknown or repeated flags, missing or extra positionals,
// `--`, grouped short flags, values that start with "-") it returns undefined
// and the caller hands the line to yargs, which parses or reports it.
import { camelCase, GLOBAL_FLAGS, type Args, type CommandSpec, type Flag, type Flags } from './flags.js';

export interface ParsedCommand {
  spec: CommandSpec;
  argv: Args<Record<string, unknown>>;
}

function findFlag(name: string, tables: readonly Flags[]): [string, Flag] | undefined {
  for (const t of tables) {
    if (Object.hasOwn(t, name)) return [name, t[name]];
    for (const [long, f] of Object.entries(t)) if (f.alias === name) return [long, f];
  }
  return undefined;
}

function set(argv: Record<string, unknown>, long: string, f: Flag, value: unknown): void {
  argv[long] = value;
  argv[camelCase(long)] = value;
  if (f.alias) {
    argv[f.alias] = value;
    argv[camelCase(f.alias)] = value;
  }
}

function setDefaults(argv: Record<string, unknown>, flags: Flags): void {
  for (const [long, f] of Object.entries(flags)) if (f.default !== undefined) set(argv, long, f, f.default);
}

export function fastParse(args: readonly string[], commands: readonly CommandSpec[]): ParsedCommand | undefined {
  const argv: Record<string, unknown> & { _: string[] } = { _: [] };
  setDefaults(argv, GLOBAL_FLAGS);
  let spec: CommandSpec | undefined;
  const tables: Flags[] = [GLOBAL_FLAGS];
  const given = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    // runc stops parsing flags after the fixed positionals of exec and ps (the
    // container id): the rest is the command or ps(1)'s arguments, as is
    const variadic = spec?.positionals?.find((p) => p.variadic);
    if (spec && variadic && positionals.length === spec.positionals!.filter((p) => !p.variadic).length && positionals.length > 0) {
      // as yargs leaves them after the "--" that separateExecCommand/markPsArgs insert
      if (a === '--') return undefined;
      argv._.push(...args.slice(i));
      break;
    }
    if (!a.startsWith('-')) {
      if (a === '') return undefined;
      if (spec) {
        positionals.push(a);
        continue;
      }
      spec = commands.find((c) => c.name === a || c.aliases?.includes(a));
      if (!spec) return undefined;
      argv._.push(a);
      if (spec.flags) {
        tables.push(spec.flags);
        setDefaults(argv, spec.flags);
      }
      continue;
    }
    let name: string;
    let value: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (eq >= 0) value = a.slice(eq + 1);
    } else if (a.length === 2) name = a[1];
    else return undefined;
    // a command's own flags only after its name; yargs' help and version are not in the tables
    const found = findFlag(name, tables);
    if (!found || given.has(found[0])) return undefined;
    const [long, f] = found;
    given.add(long);
    if (f.type === 'boolean') {
      const next = args[i + 1];
      if (value !== undefined || next === 'true' || next === 'false') return undefined;
      set(argv, long, f, true);
      continue;
    }
    if (value === undefined) value = args[++i];
    if (value === undefined || value === '' || value.startsWith('-')) return undefined;
    if (f.choices && !f.choices.includes(value)) return undefined;
    if (f.type === 'number') {
      if (!/^\d+$/.test(value)) return undefined;
      set(argv, long, f, Number(value));
    } else set(argv, long, f, value);
  }
  if (!spec) return undefined;
  const declared = spec.positionals ?? [];
  if (positionals.length > declared.filter((p) => !p.variadic).length) return undefined;
  declared.forEach((p, k) => {
    if (k < positionals.length) argv[p.name] = positionals[k];
    else if (p.default !== undefined) argv[p.name] = typeof p.default === 'string' ? p.default : [...p.default];
    else if (p.variadic) argv[p.name] = []; // as yargs fills an empty variadic
  });
  if (declared.some((p, k) => p.required && k >= positionals.length)) return undefined;
  return { spec, argv: argv as unknown as Args<Record<string, unknown>> };
}
