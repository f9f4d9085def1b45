// Runs every uvu test file (dist/test/<suite>/*.test.js) in its own process and
// prints one closing line: "N passed, N failed, N skipped".
// Usage: node test/run.mjs [unit|integration|integration-node|containerd|engines|conformance|guest ...] [-f filter]
// Every suite drives TSRUNC_BIN (default dist/tsrunc, the self-contained binary);
// integration-node runs the integration suite again against the Node build, bin/tsrunc.
// Integration tests create detached containers, so the run happens under a
// child subreaper (tini -s) that reaps their inits once they exit.
// The guest suite (dist/test/guest) runs inside a cgroup v2 + systemd QEMU guest, all its
// files in one boot (test/guest-vm.mjs); its per-file results are counted here like the others.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { guestFiles, runGuestSuite } from './guest-vm.mjs';

const argv = process.argv.slice(2);
if (!process.env.TSRUNC_TEST_REAPER && existsSync('/usr/bin/tini')) {
  const r = spawnSync('/usr/bin/tini', ['-s', '-g', '--', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, TSRUNC_TEST_REAPER: '1' },
  });
  process.exit(r.status ?? 1);
}

const ALL = ['unit', 'integration', 'integration-node', 'containerd', 'engines', 'conformance', 'guest'];
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Suites that are another suite's files run against another binary. */
const ALIASES = { 'integration-node': { dir: 'integration', bin: 'bin/tsrunc' } };
const defaultBin = resolve(process.env.TSRUNC_BIN ?? 'dist/tsrunc');
const fIdx = argv.indexOf('-f');
const filter = fIdx >= 0 ? argv[fIdx + 1] : undefined;
const suites = argv.filter((a, i) => ALL.includes(a) && (fIdx < 0 || i !== fIdx + 1));
const chosen = suites.length ? suites : ALL;

let passed = 0, failed = 0, skipped = 0;
const failures = [];
// Adds one file's uvu output and exit status to the totals.
function count(suite, file, out, status) {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const num = (label) => {
    const m = plain.match(new RegExp(`${label}:\\s+(\\d+)`));
    return m ? Number(m[1]) : undefined;
  };
  const total = num('Total'), ok = num('Passed'), skip = num('Skipped') ?? 0;
  if (total === undefined || ok === undefined) {
    failed += 1;
    failures.push(`${suite}/${file}: crashed (exit ${status})`);
    return;
  }
  passed += ok;
  skipped += skip;
  const bad = total - ok - skip;
  // uvu counts a whole suite as one failure when a hook throws; the exit code is the truth.
  const badCount = bad > 0 ? bad : status !== 0 ? 1 : 0;
  failed += badCount;
  if (badCount) failures.push(`${suite}/${file}: ${badCount} failed`);
}

function guest() {
  const files = guestFiles(REPO).filter((f) => !filter || f.includes(filter));
  if (!files.length) return;
  console.log(`\n# guest: ${files.length} file(s) in one boot of the cgroup v2 + systemd guest`);
  const r = runGuestSuite(REPO, files);
  if (r.skipped) {
    console.log(`# guest: skipped (${r.skipped})`);
    skipped += files.length;
    return;
  }
  if (r.error) {
    console.log(`# guest: FAILED: ${r.error}`);
    failed += 1;
    failures.push(`guest: ${r.error.split('\n')[0]}`);
    return;
  }
  console.log(r.info.replace(/^/gm, '# '));
  for (const { file, out, status, seconds } of r.files) {
    console.log(`\n# guest/${file} (${seconds || '?'} s in the guest)`);
    process.stdout.write(out);
    count('guest', file, out, status === null ? 'none: the job stopped before it' : status);
  }
}

for (const suite of chosen) {
  if (suite === 'guest') {
    console.log(`\n## guest (${process.env.TSRUNC_GUEST_BIN ?? 'dist/tsrunc'}, inside the VM)`);
    guest();
    continue;
  }
  const alias = ALIASES[suite];
  const dir = join('dist', 'test', alias?.dir ?? suite);
  const bin = alias ? resolve(alias.bin) : defaultBin;
  console.log(`\n## ${suite} (${bin})`);
  if (!existsSync(dir)) continue;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort()) {
    if (filter && !file.includes(filter)) continue;
    const path = join(dir, file);
    console.log(`\n# ${suite}/${file}`);
    const r = spawnSync(process.execPath, [path], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', TSRUNC_BIN: bin }, maxBuffer: 64 << 20, timeout: 20 * 60 * 1000 });
    const out = (r.stdout ?? '') + (r.stderr ?? '');
    process.stdout.write(out);
    count(suite, file, out, r.status ?? r.signal);
  }
}
if (failures.length) console.log('\nFailures:\n  ' + failures.join('\n  '));
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
