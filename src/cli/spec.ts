import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, describeSystemError } from '../errors.js';
import { action } from './command.js';
import type { CommandSpec } from './flags.js';

interface SpecArgs {
  bundle: string;
  rootless: string;
}

export const command: CommandSpec<SpecArgs> = {
  name: 'spec',
  describe: 'write a default config.json into the bundle directory',
  flags: { bundle: { alias: 'b', type: 'string', default: '.', describe: 'where to write config.json' } },
  run: action<SpecArgs>(async (argv) => {
    const target = join(argv.bundle, 'config.json');
    if (existsSync(target)) throw new UserError(`file ${target} exists, remove it first`);
    const { defaultConfig } = await import('../spec/default-config.js');
    const { detectLayout } = await import('../cgroups/mountinfo.js');
    // runc's `spec --rootless` is a boolean, but the global --rootless takes a
    // value (true|false|auto) and yargs fills in its default: look at argv itself.
    const rootless = argv.rootless === 'true' || process.argv.slice(2).includes('--rootless');
    try {
      writeFileSync(target, JSON.stringify(defaultConfig({ rootless, cgroupNamespace: cgroupV2Only(detectLayout) }), null, '\t') + '\n');
    } catch (err) {
      throw new UserError(describeSystemError(`write ${target}`, err));
    }
  }),
};

/** As runc's template: a cgroup namespace only when the host is pure cgroup v2. */
function cgroupV2Only(detect: () => string): boolean {
  try {
    return detect() === 'v2';
  } catch {
    return false; // no cgroup filesystem mounted at all
  }
}
