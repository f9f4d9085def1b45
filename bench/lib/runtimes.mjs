// The runtimes under test: how to call each with its own --root, and whether it
// can run here at all.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function versionLine(argv) {
  const r = spawnSync(argv[0], [...argv.slice(1), '--version'], { encoding: 'utf8', timeout: 10_000 });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  return text.split('\n')[0] || `exit ${r.status}`;
}

/**
 * Debian's crun 1.8.1 refuses hybrid cgroups. It runs when the cgroup2 mount at
 * /sys/fs/cgroup/unified is absent, so every crun command enters one persistent
 * private mount namespace (bind-mounted on a file) where it is unmounted.
 * nsenter execs crun without forking; its setns+exec cost is part of crun's numbers.
 */
function crunNamespace(tmp) {
  const nsFile = join(tmp, 'crun-mntns');
  writeFileSync(nsFile, '');
  const r = spawnSync('unshare', [`--mount=${nsFile}`, '--propagation', 'private', 'sh', '-c',
    'if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi'], { encoding: 'utf8' });
  if (r.status !== 0) return { error: `private mount namespace: ${(r.stderr || '').trim().split('\n')[0]}` };
  return { nsFile, teardown: () => spawnSync('umount', [nsFile]) };
}

/**
 * Returns [{ name, argv(...args) → full command line, version, note?, teardown? }]
 * for the requested runtimes, plus skipped: [{ name, reason }].
 */
export function selectRuntimes(names, { tmp, tsruncBins }) {
  const picked = [];
  const skipped = [];
  for (const name of names) {
    const root = join(tmp, name, 'root');
    mkdirSync(join(tmp, name), { recursive: true });
    if (name in tsruncBins) {
      const tsruncBin = tsruncBins[name];
      if (!existsSync(tsruncBin)) { skipped.push({ name, reason: `${tsruncBin} not found (npm run build)` }); continue; }
      const base = [tsruncBin];
      picked.push({ name, root, version: versionLine(base), argv: (...a) => [...base, '--root', root, ...a] });
    } else if (name === 'runc') {
      const bin = existsSync('/usr/sbin/runc') ? '/usr/sbin/runc' : which('runc');
      if (!bin) { skipped.push({ name, reason: 'runc not installed' }); continue; }
      picked.push({ name, root, version: versionLine([bin]), argv: (...a) => [bin, '--root', root, ...a] });
    } else if (name === 'crun') {
      const bin = which('crun');
      if (!bin) { skipped.push({ name, reason: 'crun not installed (apt-get install crun)' }); continue; }
      const ns = crunNamespace(tmp);
      if (ns.error) { skipped.push({ name, reason: ns.error }); continue; }
      const base = ['nsenter', `--mount=${ns.nsFile}`, bin];
      picked.push({
        name, root, version: versionLine(base), teardown: ns.teardown,
        note: 'crun runs via nsenter into a private mount namespace without /sys/fs/cgroup/unified (hybrid cgroups workaround); bundles say ociVersion 1.0.2',
        argv: (...a) => [...base, '--root', root, ...a],
      });
    } else {
      skipped.push({ name, reason: 'unknown runtime' });
    }
  }
  return { picked, skipped };
}
