// Help in runc's layout (NAME, USAGE, COMMANDS, OPTIONS sections), written
// from the same command tables as the parsers. Engines and scripts read the
// first lines ("tsrunc - Open Container Initiative runtime", "tsrunc <cmd> - …"),
// and `help <unknown>` / `<unknown> -h` fail, as in runc. --version is answered here too.
import { BUILD_INFO } from '../build-info.js';
import { versionText } from './version.js';
import { GLOBAL_FLAGS, valueFlagNames, type CommandSpec, type Flags } from './flags.js';

export type HelpRequest = { kind: 'version' } | { kind: 'main' } | { kind: 'command'; spec: CommandSpec } | { kind: 'unknown'; topic: string };

const HELP_FLAGS = new Set(['-h', '--help']);

/** What help, if any, the command line asks for; undefined: not a help request. */
export function helpRequest(args: readonly string[], commands: readonly CommandSpec[]): HelpRequest | undefined {
  const find = (name: string) => commands.find((c) => c.name === name || c.aliases?.includes(name));
  const globalValues = valueFlagNames(GLOBAL_FLAGS);
  let i = 0;
  // global flags first
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return undefined;
    if (HELP_FLAGS.has(a)) return { kind: 'main' };
    if (a === '-v' || a === '--version') return { kind: 'version' };
    if (!a.startsWith('-')) break;
    if (!a.includes('=') && globalValues.has(a.replace(/^--?/, ''))) i++;
  }
  if (i >= args.length) return { kind: 'main' }; // no command: runc shows its help
  const name = args[i];
  if (name === 'help' || name === 'h') {
    const topic = args.slice(i + 1).find((a) => !a.startsWith('-'));
    if (topic === undefined) return { kind: 'main' };
    const spec = find(topic);
    return spec ? { kind: 'command', spec } : { kind: 'unknown', topic };
  }
  const spec = find(name);
  // a command's own flags, up to its first positional (exec's command may have a -h of its own)
  const values = valueFlagNames(GLOBAL_FLAGS, spec?.flags ?? {});
  for (let j = i + 1; j < args.length; j++) {
    const a = args[j];
    if (a === '--' || !a.startsWith('-')) break;
    if (HELP_FLAGS.has(a)) return spec ? { kind: 'command', spec } : { kind: 'unknown', topic: name };
    if (!a.includes('=') && values.has(a.replace(/^--?/, ''))) j++;
  }
  return undefined;
}

/** The help text, and the exit code (runc: 3 for an unknown topic). */
export function renderHelp(req: HelpRequest, commands: readonly CommandSpec[]): { text: string; code: number; toStderr: boolean } {
  if (req.kind === 'version') return { text: versionText(), code: 0, toStderr: false };
  if (req.kind === 'unknown') return { text: `No help topic for '${req.topic}'\n`, code: 3, toStderr: true };
  if (req.kind === 'command') return { text: commandHelp(req.spec), code: 0, toStderr: false };
  return { text: mainHelp(commands), code: 0, toStderr: false };
}

function mainHelp(commands: readonly CommandSpec[]): string {
  const rows: [string, string][] = commands.map((c) => [[c.name, ...(c.aliases ?? [])].join(', '), c.describe]);
  rows.push(['help, h', 'show the commands, or the help of one command']);
  const flags = flagRows(GLOBAL_FLAGS);
  flags.push(['--help, -h', 'show help'], ['--version, -v', 'print the version']);
  return [
    'NAME:',
    '   tsrunc - Open Container Initiative runtime, written in TypeScript',
    '',
    'USAGE:',
    '   tsrunc [global options] command [command options] [arguments...]',
    '',
    'VERSION:',
    `   ${BUILD_INFO.version}`,
    '',
    'DESCRIPTION:',
    '   tsrunc creates and runs containers from OCI bundles (a config.json and a',
    '   root filesystem), with the command line and state of runc.',
    '',
    'COMMANDS:',
    ...table(rows),
    '',
    'GLOBAL OPTIONS:',
    ...table(flags),
    '',
  ].join('\n');
}

function commandHelp(spec: CommandSpec): string {
  const positionals = (spec.positionals ?? []).map((p) => {
    const n = p.name === 'id' ? 'container-id' : p.name;
    const shown = p.variadic ? `${n}...` : n;
    return p.required ? `<${shown}>` : `[${shown}]`;
  });
  const lines = [
    'NAME:',
    `   tsrunc ${spec.name} - ${spec.describe}`,
    '',
    'USAGE:',
    `   tsrunc ${spec.name} [command options] ${positionals.join(' ')}`.trimEnd(),
  ];
  if (spec.aliases?.length) lines.push('', 'ALIASES:', `   ${spec.aliases.join(', ')}`);
  const flags = flagRows(spec.flags ?? {});
  if (flags.length) lines.push('', 'OPTIONS:', ...table(flags));
  lines.push('');
  return lines.join('\n');
}

function flagRows(flags: Flags): [string, string][] {
  const rows: [string, string][] = [];
  for (const [name, f] of Object.entries(flags)) {
    if (f.hidden) continue;
    const value = f.type === 'boolean' ? '' : ' value';
    const names = [`--${name}${value}`];
    if (f.alias) names.push(`${f.alias.length === 1 ? '-' : '--'}${f.alias}${value}`);
    let text = f.describe ?? '';
    if (f.choices) text += `${text ? ' ' : ''}(${f.choices.join(', ')})`;
    if (f.default !== undefined && f.type !== 'boolean' && f.default !== '') text += `${text ? ' ' : ''}(default: ${JSON.stringify(f.default)})`;
    rows.push([names.join(', '), text]);
  }
  return rows;
}

function table(rows: readonly [string, string][]): string[] {
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, r]) => `   ${l.padEnd(width)}  ${r}`.trimEnd());
}
