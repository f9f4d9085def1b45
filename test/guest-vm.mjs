// The guest suite's host side (node test/run.mjs guest): the tests in test/guest/ need a
// cgroup v2-only host with systemd as PID 1, which these machines are not, so they run
// inside a QEMU guest (../shared/vm: Debian 12, kernel 6.1, systemd, pure cgroup v2).
// One boot runs every chosen file: this module builds the guest image when missing,
// assembles the share (the self-contained dist/tsrunc, the guest test files bundled for
// the guest's Node 18, the busybox rootfs, test/guest/job.sh), boots the guest with
// run-in-vm.sh and hands back each file's output and exit code for run.mjs to count.
//
// Environment:
//   TSRUNC_GUEST=skip     do not boot (local runs): the suite is reported as skipped.
//                         Without it a guest that cannot be built or booted is a failure.
//   TSRUNC_VM_SCRIPTS     directory of make-vm.sh and run-in-vm.sh (default ../shared/vm
//                         beside the checkout or its main worktree, then /work/shared/vm)
//   TSRUNC_GUEST_VMDIR    where the guest image lives (default /var/tmp/tsrunc-guest-<hash>)
//   TSRUNC_GUEST_BIN      the binary the guest tests drive (default dist/tsrunc)
//   TSRUNC_GUEST_KEEP=DIR also copy the guest's results (journal, console) to DIR
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

// Packages of the guest image: make-vm.sh's own list plus Node (Debian's 18) for the test
// files and containerd (containerd-systemd.test.ts). A change of the list gives a new
// image directory, so nobody boots a stale image.
const GUEST_PKGS = [
  'systemd', 'systemd-sysv', 'dbus', 'udev', 'kmod', 'procps', 'iproute2', 'util-linux', 'criu', 'runc',
  'busybox-static', 'uidmap', 'jq', 'libseccomp2', 'linux-image-amd64', 'nodejs', 'containerd',
  // CRIU locks a network namespace it dumps with iptables; python3 receives a pty master (checkpoint.test.ts)
  'iptables', 'python3',
  // a user's session bus, where rootless --systemd-cgroup finds the user's systemd (rootless.test.ts)
  'dbus-user-session',
].join(',');
// Boot + the whole job; the guest's own limit for job.sh is 30 min.
const VM_TIMEOUT_S = 1800;

function vmScripts(repo) {
  const candidates = [process.env.TSRUNC_VM_SCRIPTS, join(repo, '../shared/vm')];
  // a git worktree (/work/wt/<name>) finds the shared dir beside its main checkout
  const common = spawnSync('git', ['-C', repo, 'rev-parse', '--path-format=absolute', '--git-common-dir'], { encoding: 'utf8' });
  if (common.status === 0) candidates.push(join(dirname(common.stdout.trim()), '../shared/vm'));
  candidates.push('/work/shared/vm');
  return candidates.find((d) => d && existsSync(join(d, 'run-in-vm.sh')) && existsSync(join(d, 'make-vm.sh')));
}

/**
 * Runs the chosen guest test files (names like "x.test.js" in dist/test/guest) in one boot.
 * Returns { skipped: reason } | { error: message } | { files: [{ file, out, status }], info }.
 */
export function runGuestSuite(repo, files) {
  if (process.env.TSRUNC_GUEST === 'skip') return { skipped: 'TSRUNC_GUEST=skip' };
  if (process.getuid?.() !== 0) return { error: 'the guest suite needs root (QEMU, image build)' };
  const scripts = vmScripts(repo);
  if (!scripts) return { error: 'no make-vm.sh/run-in-vm.sh found (set TSRUNC_VM_SCRIPTS)' };
  const bin = resolve(repo, process.env.TSRUNC_GUEST_BIN ?? 'dist/tsrunc');
  if (!existsSync(bin)) return { error: `${bin} does not exist (npm run build makes it)` };
  const rootfs = join(repo, 'bundles/busybox/rootfs');
  if (!existsSync(join(rootfs, 'bin/sh'))) return { error: `${rootfs} is missing (scripts/setup.sh makes it)` };

  const hash = createHash('sha256').update(GUEST_PKGS).update(readFileSync(join(scripts, 'make-vm.sh'))).digest('hex').slice(0, 10);
  const vmdir = process.env.TSRUNC_GUEST_VMDIR ?? `/var/tmp/tsrunc-guest-${hash}`;
  const env = { ...process.env, VMDIR: vmdir, PKGS: GUEST_PKGS };
  if (!existsSync(join(vmdir, 'rootfs.img'))) console.log(`# guest: building the image in ${vmdir} (once, ~2 min)`);
  // one builder at a time (make-vm.sh starts by removing its work directory)
  const made = spawnSync('flock', [`${vmdir}.lock`, join(scripts, 'make-vm.sh')], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (made.status !== 0) return { error: `make-vm.sh failed (exit ${made.status ?? made.signal}):\n${tail(made.stdout + made.stderr)}` };

  const work = mkdtempSync('/tmp/tsrunc-guest-');
  try {
    const share = join(work, 'in');
    mkdirSync(join(share, 'dist/test/guest'), { recursive: true });
    cpSync(bin, join(share, 'dist/tsrunc'));
    // the bundled test files are ES modules
    writeFileSync(join(share, 'package.json'), '{ "type": "module" }\n');
    for (const f of files) cpSync(join(repo, 'dist/test/guest', f), join(share, 'dist/test/guest', f));
    mkdirSync(join(share, 'bundles/busybox'), { recursive: true });
    cpSync(rootfs, join(share, 'bundles/busybox/rootfs'), { recursive: true, verbatimSymlinks: true });
    const out = join(work, 'out');
    const t0 = Date.now();
    const r = spawnSync(join(scripts, 'run-in-vm.sh'), [join(repo, 'test/guest/job.sh'), out], {
      env: { ...env, SHARE_IN: share, TIMEOUT: String(VM_TIMEOUT_S) },
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const seconds = Math.round((Date.now() - t0) / 1000);
    if (process.env.TSRUNC_GUEST_KEEP) cpSync(out, process.env.TSRUNC_GUEST_KEEP, { recursive: true });
    const results = join(out, 'results');
    const read = (p) => (existsSync(p) ? readFileSync(p, 'utf8') : '');
    const info = `${read(join(out, 'guest-info.txt')).trim()}\nboot + job: ${seconds} s\n${read(join(out, 'timings.txt')).trim()}`;
    if (!existsSync(results) || r.status === 255 || r.status === null) {
      return {
        error: `the guest did not run the job (run-in-vm.sh exit ${r.status ?? r.signal}):\n${tail(r.stdout + r.stderr)}\n` +
          `job stderr:\n${tail(read(join(out, 'stderr')))}\nconsole:\n${tail(read(join(out, 'console.log')))}`,
      };
    }
    if (r.status !== 0) return { error: `job.sh failed in the guest (exit ${r.status}):\n${tail(read(join(out, 'stdout')) + read(join(out, 'stderr')))}` };
    return {
      info,
      files: files.map((file) => {
        const base = join(results, file.replace(/\.test\.js$/, ''));
        const rc = read(`${base}.rc`).trim();
        return { file, out: read(`${base}.out`), status: rc === '' ? null : Number(rc), seconds: read(`${base}.seconds`).trim() };
      }),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function tail(text, lines = 40) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function guestFiles(repo) {
  const dir = join(repo, 'dist/test/guest');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort() : [];
}
