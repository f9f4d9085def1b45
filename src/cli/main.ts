// tsrunc's command line: runc's global flags and commands. A well-formed line
// is parsed by fast-parse.ts; yargs (slow to load) only sees the rest. Each
// command imports its implementation lazily, so start-up only pays for what runs.
import { COMMANDS } from './commands.js';
import { fastParse } from './fast-parse.js';
import { configureLog, log } from './log.js';
import { writeErr, writeOut } from './output.js';

// for the build's code cache only (scripts/build.mjs)
export { warmUp } from './warm-up.js';

/**
 * Runs the command line args. loadYargsCli imports yargs-cli.js, a bundle of its
 * own (bin/tsrunc knows where): it gets this module's log and commands, not copies.
 */
export async function main(args: readonly string[], loadYargsCli: () => Promise<typeof import('./yargs-cli.js')>): Promise<void> {
  const parsed = fastParse(args, COMMANDS);
  if (parsed) {
    const { argv } = parsed;
    configureLog({ file: argv.log, format: argv.logFormat, debug: argv.debug });
    await parsed.spec.run(argv);
    return;
  }
  // help in runc's layout, before yargs (whose own help is not)
  const { helpRequest, renderHelp } = await import('./help.js');
  const help = helpRequest(args, COMMANDS);
  if (help) {
    const { text, code, toStderr } = renderHelp(help, COMMANDS);
    (toStderr ? writeErr : writeOut)(text);
    process.exitCode = code;
    return;
  }
  const { buildParser } = await loadYargsCli();
  await buildParser(args, COMMANDS, {
    configureLog,
    fail: (text) => {
      log.error(text);
      process.exit(1);
    },
  }).parseAsync();
}
