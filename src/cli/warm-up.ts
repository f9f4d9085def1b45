// Run by the build (scripts/build.mjs) just before it writes the V8 code cache of the
// CLI script: V8 compiles a function on its first call, and the cache holds only what
// was compiled by then. Going once through the pure part of the common commands
// (parsing, config validation, plan compilation, cgroup paths) puts their bytecode
// in the cache, so `create` and `run` do not compile it at every start.
// No side effects: nothing is written, no process or container is started.
// Modules are imported dynamically, as the commands do, so that a normal start
// does not evaluate them.
import { COMMANDS } from './commands.js';
import { fastParse } from './fast-parse.js';

// A hybrid host as this project's machines have it (/proc/self/mountinfo, /proc/self/cgroup).
const MOUNTINFO = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '25 27 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec - tmpfs tmpfs ro,mode=755',
  '26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw',
  '27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,xattr,name=systemd',
  '28 25 0:26 / /sys/fs/cgroup/cpu rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpu',
  '29 25 0:27 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory',
  '30 25 0:28 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,devices',
  '31 25 0:29 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,freezer',
  '',
].join('\n');
const PROC_CGROUP = '5:freezer:/\n4:devices:/\n3:memory:/\n2:cpu:/\n1:name=systemd:/\n0::/\n';

export async function warmUp(): Promise<void> {
  const bundle = '/nonexistent/bundle';
  for (const line of [
    ['--root', '/nonexistent/root', 'run', '--bundle', bundle, 'warm'],
    ['create', '--bundle', bundle, '--pid-file', '/nonexistent/pid', 'warm'],
    ['start', 'warm'],
    ['state', 'warm'],
    ['kill', 'warm', 'KILL'],
    ['delete', '--force', 'warm'],
  ]) {
    fastParse(line, COMMANDS);
  }
  // the module graphs of run (create, start, delete) and the short commands
  await Promise.all([
    import('../runtime/run.js'),
    import('../runtime/state.js'),
    import('../runtime/kill.js'),
    import('../cli/state.js'),
  ]);
  const { defaultConfig } = await import('../spec/default-config.js');
  const { parseConfig } = await import('../spec/load.js');
  const { compilePlan } = await import('../plan/compile.js');
  const { expandCgroupMounts } = await import('../plan/cgroup-mounts.js');
  const { cgroupJoins } = await import('../plan/cgroup-join.js');
  const { encodePlan } = await import('../plan/encode.js');
  const { cgroupManager } = await import('../cgroups/index.js');
  const { rfc3339Now } = await import('../state/container-state.js');
  const { procStat } = await import('../linux/proc.js');

  const config = { ...defaultConfig({ rootless: false }), root: { path: 'rootfs', readonly: true } };
  const spec = parseConfig(JSON.stringify(config));
  const plan = compilePlan(spec, { bundle, stateDir: '/nonexistent/root/warm', noPivot: false, execFifo: 'exec.fifo' });
  const cgroup = cgroupManager({ id: 'warm', systemd: false, mountinfo: MOUNTINFO, procCgroup: PROC_CGROUP, warn: () => {} });
  const host = {
    version: 1 as const,
    hierarchies: Object.values(cgroup.dirs).map((dir) => ({ mountpoint: dir.slice(0, dir.lastIndexOf('/')), containerDir: dir })),
  };
  const expanded = expandCgroupMounts(plan, host, { cgroupns: true, userns: false });
  expanded.cgroupJoin = cgroupJoins(cgroup.dirs, expanded);
  encodePlan(expanded);
  JSON.stringify({ created: rfc3339Now(), stat: procStat(process.pid), config: spec });
}
