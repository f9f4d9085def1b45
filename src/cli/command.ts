// Shared pieces of the command modules: global options and error handling.
import { UserError } from '../errors.js';
import type { GlobalOptions } from '../runtime/options.js';
import { hostFacts, prepareXdgRoot, rootlessCgroups } from '../runtime/rootless-mode.js';
import type { Args, GlobalArgs } from './flags.js';
import { log } from './log.js';
import { writeErr } from './output.js';

export type { Args, GlobalArgs } from './flags.js';

export function globals(argv: GlobalArgs): GlobalOptions {
  const facts = hostFacts();
  const rootless = rootlessCgroups(argv.rootless, facts, argv.systemdCgroup);
  prepareXdgRoot(argv.root, facts);
  return { root: argv.root, systemdCgroup: argv.systemdCgroup, rootless, debug: argv.debug };
}

/** Wraps a handler: expected errors become one line and exit 1; bugs show a stack only with --debug. */
export function action<T>(fn: (argv: Args<T>) => Promise<number | void> | number | void) {
  return async (argv: Args<T>): Promise<void> => {
    try {
      const code = await fn(argv);
      process.exitCode = typeof code === 'number' ? code : 0;
    } catch (err) {
      if (err instanceof UserError) log.error(err.message);
      else {
        log.error(err instanceof Error ? err.message : String(err));
        if (argv.debug && err instanceof Error && err.stack) writeErr(err.stack + '\n');
      }
      process.exitCode = 1;
    }
  };
}

export function requireId(id: unknown): string {
  if (typeof id !== 'string' || id === '') throw new UserError('container id cannot be empty');
  return id;
}
