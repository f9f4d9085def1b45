// checkpoint and restore with CRIU, runc's flags (runc v1.1.5 checkpoint.go, restore.go).
import { resolve } from 'node:path';
import { action, globals, requireId } from './command.js';
import type { CommandSpec, Flags } from './flags.js';
import type { CriuFlags } from '../criu/options.js';
import { hostFacts } from '../runtime/rootless-mode.js';
import { log } from './log.js';

/** runc's warning (it prints "checkpoint" for restore too): CRIU as a user or in a user namespace is untested. */
function warnIfRootless(): void {
  const facts = hostFacts();
  if (facts.euid !== 0 || facts.inUserNs()) log.warn('tsrunc checkpoint is untested with rootless containers');
}

/** The CRIU flags runc's checkpoint and restore share. */
const CRIU_FLAGS: Flags = {
  'image-path': { type: 'string', describe: 'path for saving criu image files (default: ./checkpoint)' },
  'work-path': { type: 'string', describe: 'path for saving work files and logs (default: the image path)' },
  'tcp-established': { type: 'boolean', default: false, describe: 'allow open tcp connections' },
  'ext-unix-sk': { type: 'boolean', default: false, describe: 'allow external unix sockets' },
  'shell-job': { type: 'boolean', default: false, describe: 'allow shell jobs' },
  'file-locks': { type: 'boolean', default: false, describe: 'handle file locks, for safety' },
  'manage-cgroups-mode': { type: 'string', describe: "cgroups mode: 'soft' (default), 'full', 'strict' or 'ignore'" },
  'empty-ns': { type: 'string', describe: "create a namespace, but don't restore its properties (network)" },
  'auto-dedup': { type: 'boolean', default: false, describe: 'enable auto deduplication of memory images' },
  'lazy-pages': { type: 'boolean', default: false, describe: 'use userfaultfd to lazily restore memory pages' },
};

interface CriuArgs {
  id: string;
  imagePath?: string;
  workPath?: string;
  tcpEstablished: boolean;
  extUnixSk: boolean;
  shellJob: boolean;
  fileLocks: boolean;
  manageCgroupsMode?: string;
  emptyNs?: string;
  autoDedup: boolean;
  lazyPages: boolean;
  criu?: string;
}

interface CheckpointArgs extends CriuArgs {
  leaveRunning: boolean;
  parentPath?: string;
  preDump: boolean;
  pageServer?: string;
  statusFd?: number;
}

interface RestoreArgs extends CriuArgs {
  bundle: string;
  detach: boolean;
  pidFile?: string;
  consoleSocket?: string;
  noSubreaper: boolean;
  noPivot: boolean;
}

function criuFlags(a: CriuArgs): CriuFlags {
  return {
    imagePath: resolve(a.imagePath || 'checkpoint'),
    workPath: a.workPath ? resolve(a.workPath) : undefined,
    tcpEstablished: a.tcpEstablished,
    extUnixSk: a.extUnixSk,
    shellJob: a.shellJob,
    fileLocks: a.fileLocks,
    manageCgroupsMode: a.manageCgroupsMode,
    emptyNs: a.emptyNs,
    autoDedup: a.autoDedup,
    lazyPages: a.lazyPages,
  };
}

export const checkpoint: CommandSpec<CheckpointArgs> = {
  name: 'checkpoint',
  describe: 'checkpoint a running container with CRIU',
  positionals: [{ name: 'id', required: true }],
  flags: {
    ...CRIU_FLAGS,
    'leave-running': { type: 'boolean', default: false, describe: 'leave the process running after checkpointing' },
    'parent-path': { type: 'string', describe: 'path for previous criu image files in pre-dump (relative to the image path)' },
    'pre-dump': { type: 'boolean', default: false, describe: "dump container's memory information only, leave the container running after this" },
    'page-server': { type: 'string', describe: 'ADDRESS:PORT of the page server' },
    'status-fd': { type: 'number', describe: 'criu writes \\0 to this FD once lazy-pages is ready' },
  },
  run: action<CheckpointArgs>(async (argv) => {
    const id = requireId(argv.id);
    warnIfRootless();
    const { setCriuPath } = await import('../criu/swrk.js');
    const { checkpointContainer } = await import('../runtime/checkpoint.js');
    setCriuPath(argv.criu);
    checkpointContainer(globals(argv), id, {
      ...criuFlags(argv),
      leaveRunning: argv.leaveRunning,
      parentPath: argv.parentPath,
      preDump: argv.preDump,
      pageServer: argv.pageServer,
      statusFd: argv.statusFd,
    });
  }),
};

export const restore: CommandSpec<RestoreArgs> = {
  name: 'restore',
  describe: 'restore a container from a CRIU checkpoint; wait for it unless --detach',
  positionals: [{ name: 'id', required: true }],
  flags: {
    ...CRIU_FLAGS,
    bundle: { type: 'string', alias: 'b', default: '.', describe: 'path to the root of the bundle directory' },
    detach: { type: 'boolean', alias: 'd', default: false, describe: 'detach from the container' },
    'pid-file': { type: 'string', describe: 'file to write the process id to' },
    'console-socket': { type: 'string', describe: 'unix socket that receives the pty master' },
    'no-subreaper': { type: 'boolean', default: false, describe: 'disable the use of the subreaper (accepted, as runc)' },
    'no-pivot': { type: 'boolean', default: false, describe: 'accepted, as runc (CRIU restores the mounts)' },
  },
  run: action<RestoreArgs>(async (argv) => {
    const id = requireId(argv.id);
    warnIfRootless();
    const { setCriuPath } = await import('../criu/swrk.js');
    const { restoreContainer } = await import('../runtime/restore.js');
    setCriuPath(argv.criu);
    return restoreContainer(globals(argv), {
      ...criuFlags(argv),
      id,
      bundle: argv.bundle,
      detach: argv.detach,
      pidFile: argv.pidFile,
      consoleSocket: argv.consoleSocket,
      noPivot: argv.noPivot,
    });
  }),
};
