import { readFileSync } from 'node:fs';
import { UserError, describeSystemError } from '../errors.js';
import type { LinuxResources } from '../spec/config.js';
import { action, globals, requireId } from './command.js';
import type { CommandSpec, Flags } from './flags.js';
import type { UpdateFlags } from './update-flags.js';
import { log } from './log.js';

type UpdateArgs = UpdateFlags & { id: string; resources?: string };

// runc's flags; all strings so a bad number gets a message naming the flag
const FLAGS: Flags = {
  resources: {
    alias: 'r',
    type: 'string',
    nargs: 1, // or yargs takes "-" for a positional
    describe: "JSON file with the linux.resources fields to change, or '-' for stdin (the other flags are then ignored)",
  },
  'blkio-weight': { type: 'string', describe: 'per cgroup block IO weight, 10 to 1000' },
  'cpu-period': { type: 'string', describe: 'CPU CFS period in usecs (0: system default)' },
  'cpu-quota': { type: 'string', describe: 'CPU CFS hard limit in usecs per period' },
  'cpu-burst': { type: 'string', describe: 'CPU CFS burst in usecs per period' },
  'cpu-share': { type: 'string', describe: 'CPU shares (relative weight)', alias: 'cpu-shares' },
  'cpu-rt-period': { type: 'string', describe: 'CPU realtime period in usecs' },
  'cpu-rt-runtime': { type: 'string', describe: 'CPU realtime runtime in usecs per period' },
  'cpuset-cpus': { type: 'string', describe: 'CPUs to use (e.g. 0-2,4)' },
  'cpuset-mems': { type: 'string', describe: 'memory nodes to use' },
  'cpu-idle': { type: 'string', describe: '1: SCHED_IDLE for the cgroup, 0: default' },
  memory: { type: 'string', describe: 'memory limit (bytes, or with k/m/g suffix; -1: unlimited)' },
  'memory-reservation': { type: 'string', describe: 'memory soft limit' },
  'memory-swap': { type: 'string', describe: 'memory+swap limit; -1: unlimited swap' },
  'kernel-memory': { type: 'string', describe: 'ignored (obsolete)', hidden: true },
  'kernel-memory-tcp': { type: 'string', describe: 'ignored (obsolete)', hidden: true },
  'pids-limit': { type: 'string', describe: 'maximum number of pids (-1: unlimited)' },
  'l3-cache-schema': { type: 'string', describe: 'Intel RDT/CAT L3 cache schema' },
  'mem-bw-schema': { type: 'string', describe: 'Intel RDT/MBA memory bandwidth schema' },
};

export const command: CommandSpec<UpdateArgs> = {
  name: 'update',
  describe: 'update container resource constraints',
  positionals: [{ name: 'id', required: true }],
  flags: FLAGS,
  run: action<UpdateArgs>(async (argv) => {
    const id = requireId(argv.id);
    let resources: LinuxResources;
    if (argv.resources !== undefined && argv.resources !== '') resources = await readResources(argv.resources);
    else {
      const { resourcesFromFlags } = await import('./update-flags.js');
      resources = resourcesFromFlags(argv, (m) => log.warn(m));
    }
    const { updateContainer } = await import('../runtime/update.js');
    // as runc: these apply with --resources too
    updateContainer(globals(argv), id, resources, { l3CacheSchema: argv.l3CacheSchema, memBwSchema: argv.memBwSchema });
  }),
};

async function readResources(path: string): Promise<LinuxResources> {
  const file = path === '-' ? 'stdin' : path;
  let text: string;
  try {
    text = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(describeSystemError(`read ${file}`, err));
  }
  const { parseJson } = await import('../spec/load.js');
  const { checkResources } = await import('../spec/validate.js');
  const doc = parseJson(text, file);
  const problems = checkResources(doc, file);
  if (problems.length) throw new UserError(problems.join('\n'));
  return doc as LinuxResources;
}
