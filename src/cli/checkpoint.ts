// checkpoint and restore: runc's flags are accepted so that an engine calling
// them gets a clear answer: tsrunc has no CRIU support.
import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { UserError } from '../errors.js';
import { action, requireId } from './command.js';
import type { CommandSpec, Flags } from './flags.js';

/** The CRIU flags runc's checkpoint and restore share. */
const CRIU_FLAGS: Flags = {
  'image-path': { type: 'string', describe: 'path for saving criu image files' },
  'work-path': { type: 'string', describe: 'path for saving work files and logs' },
  'tcp-established': { type: 'boolean', default: false },
  'ext-unix-sk': { type: 'boolean', default: false },
  'shell-job': { type: 'boolean', default: false },
  'file-locks': { type: 'boolean', default: false },
  'manage-cgroups-mode': { type: 'string' },
  'empty-ns': { type: 'string' },
  'auto-dedup': { type: 'boolean', default: false },
  'lazy-pages': { type: 'boolean', default: false },
};

interface CriuArgs {
  id: string;
  imagePath?: string;
  parentPath?: string;
}

/** The arguments are checked first, as runc does, so a bad one is named even here. */
function notSupported(what: string) {
  return action<CriuArgs>((argv) => {
    requireId(argv.id);
    if (argv.parentPath !== undefined) checkParentPath(argv.parentPath, argv.imagePath ?? 'checkpoint');
    throw new UserError(`${what} is not supported by tsrunc (no CRIU support)`);
  });
}

/** runc: the pre-dump's images, relative to --image-path (CRIU follows a symlink there). */
function checkParentPath(parent: string, imagePath: string): void {
  if (isAbsolute(parent)) throw new UserError(`--parent-path ${parent}: must be relative (to --image-path)`);
  const dir = join(imagePath, parent);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new UserError(`invalid --parent-path ${parent}: ${dir} is not a directory`);
}

export const checkpoint: CommandSpec<CriuArgs> = {
  name: 'checkpoint',
  describe: 'checkpoint a running container (not supported: reports so)',
  positionals: [{ name: 'id', required: true }],
  flags: {
    ...CRIU_FLAGS,
    'leave-running': { type: 'boolean', default: false },
    'parent-path': { type: 'string' },
    'pre-dump': { type: 'boolean', default: false },
    'page-server': { type: 'string' },
    'status-fd': { type: 'number' },
  },
  run: notSupported('checkpoint'),
};

export const restore: CommandSpec<CriuArgs> = {
  name: 'restore',
  describe: 'restore a container from a checkpoint (not supported: reports so)',
  positionals: [{ name: 'id', required: true }],
  flags: {
    ...CRIU_FLAGS,
    bundle: { type: 'string', alias: 'b', default: '.' },
    detach: { type: 'boolean', alias: 'd', default: false },
    'pid-file': { type: 'string' },
    'console-socket': { type: 'string' },
    'no-subreaper': { type: 'boolean', default: false },
    'no-pivot': { type: 'boolean', default: false },
  },
  run: notSupported('restore'),
};
