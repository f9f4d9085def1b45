// tsrunc's command line: runc's global flags and commands. Each command module
// imports its implementation lazily, so start-up only pays for what runs.
import yargs, { type Argv, type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { configureLog, log } from './log.js';
import type { GlobalArgs } from './command.js';
import { command as create } from './create.js';
import { command as run } from './run.js';
import { command as start } from './start.js';
import { command as state } from './state.js';
import { command as kill } from './kill.js';
import { command as del } from './delete.js';
import { command as list } from './list.js';
import { command as spec } from './spec.js';
import { command as exec, separateExecCommand } from './exec.js';
import { command as features } from './features.js';
import { command as pause } from './pause.js';
import { command as resume } from './resume.js';
import { command as ps, markPsArgs } from './ps.js';
import { command as update } from './update.js';
import { command as events } from './events.js';

const VERSION = '0.1.0';
const SPEC_VERSION = '1.3.0';

const commands = [create, run, start, state, kill, del, list, spec, pause, resume, ps, update, events, exec, features] as unknown as CommandModule<GlobalArgs, GlobalArgs>[];

// ps and exec pass what follows the container id on untouched, as runc does
const args = separateExecCommand(markPsArgs(hideBin(process.argv)));
const parser = yargs(args)
  .scriptName('tsrunc')
  // runc's flags --no-pivot and --no-new-keyring are names, not negations.
  .parserConfiguration({ 'boolean-negation': false })
  .usage('$0 [global options] <command> [options]')
  .option('root', { type: 'string', default: '/run/tsrunc', describe: 'directory for container state', global: true })
  .option('log', { type: 'string', describe: 'log file (default: stderr)', global: true })
  .option('log-format', { choices: ['text', 'json'] as const, default: 'text' as const, global: true })
  .option('debug', { type: 'boolean', default: false, describe: 'log debug output', global: true })
  .option('systemd-cgroup', { type: 'boolean', default: false, describe: 'use the systemd cgroup driver', global: true })
  .option('rootless', { type: 'string', default: 'auto', describe: 'true, false or auto', global: true })
  .option('criu', { type: 'string', hidden: true, global: true })
  .middleware((argv) => configureLog({ file: argv.log, format: argv.logFormat, debug: argv.debug }), true)
  .version('version', 'print the version', `tsrunc version ${VERSION}\nspec: ${SPEC_VERSION}`)
  .alias('version', 'v')
  .help('help')
  .alias('help', 'h')
  .strict()
  .demandCommand(1, 'a command is required (see tsrunc --help)')
  .fail((msg, err) => {
    // yargs counts positionals before it looks for unknown flags; a bad flag that
    // swallowed the id deserves the blame, as in runc ("flag provided but not defined").
    const unknown = unknownFlag((parser as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key);
    const text = err ? err.message : unknown ? `unknown flag: ${unknown}` : msg.replace(/\n[\s\S]*/, '').toLowerCase();
    log.error(text);
    process.exit(1);
  }) as unknown as Argv<GlobalArgs>;
function unknownFlag(known: Record<string, unknown>): string | undefined {
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

for (const c of commands) parser.command(c);
await parser.parseAsync();
