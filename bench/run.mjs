#!/usr/bin/env node
// Side-by-side benchmark of tsrunc (the self-contained dist/tsrunc), its Node build
// (tsrunc-node, bin/tsrunc), runc, crun and a bare `node -e 0` in one run on the busybox
// bundle. Usage and meaning of every number: docs/performance.md.
//   node bench/run.mjs [--runs N] [--only tsrunc,tsrunc-node,runc,crun] [--sequential N] [--concurrent N] [--markdown]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseConfig, writeBundle } from './lib/bundles.mjs';
import { firstLine, run, runConcurrently } from './lib/exec.mjs';
import { addFailure, addSample, formatValue, newCell, renderResults, renderTargets } from './lib/report.mjs';
import { selectRuntimes } from './lib/runtimes.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOTFS = join(REPO, 'bundles/busybox/rootfs');
const TSRUNC_BINS = { tsrunc: join(REPO, 'dist/tsrunc'), 'tsrunc-node': join(REPO, 'bin/tsrunc') };
const MEM_LOW = 256 << 10;
const MEM_HIGH = 64 << 20;
const MEM_STEP = 16 << 10;

function parseOptions(argv) {
  const opts = { runs: 20, only: ['tsrunc', 'tsrunc-node', 'runc', 'crun'], sequential: 100, concurrent: 10, markdown: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a}: expected a positive integer`);
      return n;
    };
    if (a === '--runs') opts.runs = num();
    else if (a === '--sequential') opts.sequential = num();
    else if (a === '--concurrent') opts.concurrent = num();
    else if (a === '--only') opts.only = (argv[++i] ?? '').split(',').filter((s) => s && s !== 'node');
    else if (a === '--markdown') opts.markdown = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node bench/run.mjs [--runs N] [--only tsrunc,tsrunc-node,runc,crun] [--sequential N] [--concurrent N] [--markdown]');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

// Detached inits outlive their runtime process; a child subreaper reaps them.
if (!process.env.TSRUNC_BENCH_REAPER && existsSync('/usr/bin/tini')) {
  const r = spawnSync('/usr/bin/tini', ['-s', '-g', '--', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, TSRUNC_BENCH_REAPER: '1' },
  });
  process.exit(r.status ?? 1);
}

let opts;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (e) {
  console.error(`bench: ${e.message}`);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error('bench: needs root (containers with cgroups and namespaces)');
  process.exit(2);
}
if (!existsSync(join(ROOTFS, 'bin/busybox'))) {
  console.error(`bench: ${ROOTFS} missing; run scripts/setup.sh`);
  process.exit(2);
}

const tmp = mkdtempSync('/tmp/tsrunc-bench-');
const idPrefix = `tsb${process.pid}`;
const { picked: runtimes, skipped } = selectRuntimes(opts.only, { tmp, tsruncBins: TSRUNC_BINS });
const progress = (msg) => process.stderr.write(`${msg}\n`);
let idCounter = 0;
const nextId = (rt, kind) => `${idPrefix}-${rt.name}-${kind}-${++idCounter}`;
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

// ---- cleanup: everything under our roots, cgroups named after our ids, tmp ----
function forceDelete(rt, id) {
  run(rt.argv('delete', '--force', id), { tmp, timeoutMs: 20_000 });
}

function cleanupAll() {
  for (const rt of runtimes) {
    let ids = [];
    try {
      ids = readdirSync(rt.root);
    } catch {
      // the runtime never created its root
    }
    for (const id of ids) forceDelete(rt, id);
    rt.teardown?.();
  }
  // a runtime that failed half-way may leave its v1 cgroups (default path /<id>); rmdir only removes empty ones
  for (const ctrl of readdirSync('/sys/fs/cgroup', { withFileTypes: true })) {
    if (!ctrl.isDirectory()) continue;
    const dir = join('/sys/fs/cgroup', ctrl.name);
    let entries = [];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const e of entries.filter((n) => n.startsWith(idPrefix))) {
      try {
        rmdirSync(join(dir, e));
      } catch {
        // busy or already gone
      }
    }
  }
  rmSync(tmp, { recursive: true, force: true });
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    progress(`bench: ${sig}, cleaning up`);
    cleanupAll();
    process.exit(130);
  });
}

// ---- results ----
const results = {};
const cell = (key, name) => ((results[key] ??= {})[name] ??= newCell());
const memMin = {};

function metrics() {
  const m = [{ key: 'run', label: '`run` /bin/true', unit: 'ms' }];
  for (const op of ['create', 'start', 'state', 'kill', 'delete']) m.push({ key: op, label: `\`${op}\``, unit: 'ms' });
  m.push({ key: 'exec', label: '`exec` /bin/true into a running container', unit: 'ms' });
  m.push({ key: 'seq', label: `${opts.sequential} sequential runs (total)`, unit: 'ms' });
  m.push({ key: 'conc', label: `${opts.concurrent} concurrent runs (wall)`, unit: 'ms' });
  m.push({ key: 'initRss', label: 'init VmRSS between create and start', unit: 'KiB' });
  for (const op of ['run', 'create', 'start', 'state', 'kill', 'delete']) {
    m.push({ key: `rss_${op}`, label: `CLI peak RSS: \`${op}\``, unit: 'KiB' });
  }
  m.push({ key: 'memMin', label: 'smallest memory limit for `echo it works`', unit: 'B' });
  return m;
}

// ---- measurements ----
const node = { name: 'node', argv: () => [process.execPath, '-e', '0'] };

function measureRun(rt, bundle, { rss = false } = {}) {
  if (rt === node) return run(node.argv(), { tmp, rss });
  const id = nextId(rt, 'run');
  const r = run(rt.argv('run', '--bundle', bundle, id), { tmp, rss });
  if (r.code !== 0) forceDelete(rt, id);
  return r;
}

function waitStopped(rt, id) {
  for (let i = 0; i < 400; i++) {
    const r = run(rt.argv('state', id), { tmp });
    if (r.code !== 0) return;
    try {
      if (JSON.parse(r.stdout).status === 'stopped') return;
    } catch {
      return;
    }
    sleep(5);
  }
}

function vmRssKiB(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** create → state (+ init RSS) → start → kill KILL → (wait stopped) → delete, each timed or RSS-measured. */
function lifecycle(rt, bundle, { rss }) {
  const id = nextId(rt, 'lc');
  const key = (op) => (rss ? `rss_${op}` : op);
  const ops = ['create', 'state', 'start', 'kill', 'delete'];
  const record = (op, r) => {
    if (r.code === 0) addSample(cell(key(op), rt.name), rss ? r.maxRssKB : r.ms);
    else addFailure(cell(key(op), rt.name), firstLine(r));
    return r.code === 0;
  };
  const abandon = (from) => {
    for (const op of ops.slice(ops.indexOf(from) + 1)) addFailure(cell(key(op), rt.name), `${from} failed`);
    forceDelete(rt, id);
  };
  if (!record('create', run(rt.argv('create', '--bundle', bundle, id), { tmp, rss }))) return abandon('create');
  const st = run(rt.argv('state', id), { tmp, rss });
  if (record('state', st) && !rss) {
    let pid;
    try {
      pid = JSON.parse(st.stdout).pid;
    } catch {
      // a state that is not JSON is already recorded as a sample; RSS stays unmeasured
    }
    const kib = pid ? vmRssKiB(pid) : undefined;
    if (kib !== undefined) addSample(cell('initRss', rt.name), kib);
    else addFailure(cell('initRss', rt.name), `no VmRSS for state pid ${pid}`);
  }
  if (!record('start', run(rt.argv('start', id), { tmp, rss }))) return abandon('start');
  if (!record('kill', run(rt.argv('kill', id, 'KILL'), { tmp, rss }))) return abandon('kill');
  waitStopped(rt, id);
  if (!record('delete', run(rt.argv('delete', id), { tmp, rss }))) forceDelete(rt, id);
}

/** `exec /bin/true` into one running container, runs times. */
function execRuns(rt, bundle) {
  const c = cell('exec', rt.name);
  const id = nextId(rt, 'exec');
  const r = run(rt.argv('run', '--detach', '--bundle', bundle, id), { tmp });
  if (r.code !== 0) return addFailure(c, firstLine(r));
  for (let i = 0; i < opts.runs; i++) {
    const e = run(rt.argv('exec', id, '/bin/true'), { tmp });
    if (e.code === 0) addSample(c, e.ms);
    else addFailure(c, firstLine(e));
  }
  forceDelete(rt, id);
}

function sequentialRuns(rt, bundle) {
  const c = cell('seq', rt.name);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < opts.sequential; i++) {
    const r = measureRun(rt, bundle);
    if (r.code !== 0) return addFailure(c, `${firstLine(r)} (run ${i + 1})`);
  }
  addSample(c, Number(process.hrtime.bigint() - t0) / 1e6);
}

async function concurrentRuns(rt, bundle) {
  const c = cell('conc', rt.name);
  const ids = [];
  const argvs = [];
  for (let i = 0; i < opts.concurrent; i++) {
    if (rt === node) argvs.push(node.argv());
    else {
      const id = nextId(rt, 'conc');
      ids.push(id);
      argvs.push(rt.argv('run', '--bundle', bundle, id));
    }
  }
  const { wallMs, results: rs } = await runConcurrently(argvs, { tmp });
  const bad = rs.find((r) => r.code !== 0);
  if (bad) {
    addFailure(c, firstLine(bad));
    for (const id of ids) forceDelete(rt, id);
  } else addSample(c, wallMs);
}

function memoryProbe(rt, limit) {
  const bundle = writeBundle(tmp, `mem-${rt.name}`, base, { args: ['/bin/echo', 'it works'], rootfs: ROOTFS, memoryLimit: limit });
  const id = nextId(rt, 'mem');
  const r = run(rt.argv('run', '--bundle', bundle, id), { tmp, timeoutMs: 30_000 });
  forceDelete(rt, id);
  return { ok: r.code === 0 && r.stdout.trim() === 'it works', r };
}

/** Bisection for the smallest memory.limit that still runs `echo it works`. */
function memoryFloor(rt) {
  const c = cell('memMin', rt.name);
  const high = memoryProbe(rt, MEM_HIGH);
  if (!high.ok) {
    c.text = `failed at ${formatValue(MEM_HIGH, 'B')}: ${firstLine(high.r)}`;
    return;
  }
  if (memoryProbe(rt, MEM_LOW).ok) {
    // an upper bound: the search does not go below MEM_LOW
    addSample(c, MEM_LOW);
    c.text = `≤ ${formatValue(MEM_LOW, 'B')}`;
    memMin[rt.name] = MEM_LOW;
    return;
  }
  let lo = MEM_LOW; // fails
  let hi = MEM_HIGH; // works
  while (hi - lo > MEM_STEP) {
    const mid = Math.floor((lo + hi) / 2 / 4096) * 4096;
    if (memoryProbe(rt, mid).ok) hi = mid;
    else lo = mid;
  }
  addSample(c, hi);
  memMin[rt.name] = hi;
}

const rotate = (list, n) => list.map((_, i) => list[(i + n) % list.length]);

let base;
try {
  base = baseConfig(tmp, existsSync('/usr/sbin/runc') ? ['/usr/sbin/runc'] : [TSRUNC_BINS.tsrunc]);
  const trueBundle = writeBundle(tmp, 'true', base, { args: ['/bin/true'], rootfs: ROOTFS });
  const sleepBundle = writeBundle(tmp, 'sleep', base, { args: ['/bin/sleep', '3600'], rootfs: ROOTFS });
  const all = [node, ...runtimes];

  progress(`bench: ${opts.runs} runs of run/lifecycle for ${all.map((r) => r.name).join(', ')}`);
  for (let i = 0; i < opts.runs; i++) {
    // rotating the order keeps any drift (caches, timers) from favouring one runtime
    for (const rt of rotate(all, i)) {
      const r = measureRun(rt, trueBundle);
      if (r.code === 0) addSample(cell('run', rt.name), r.ms);
      else addFailure(cell('run', rt.name), firstLine(r));
      if (rt !== node) lifecycle(rt, sleepBundle, { rss: false });
    }
  }
  progress(`bench: ${opts.runs} execs`);
  for (const rt of runtimes) execRuns(rt, sleepBundle);
  progress(`bench: ${opts.sequential} sequential runs`);
  for (const rt of all) sequentialRuns(rt, trueBundle);
  const concRepeats = Math.min(opts.runs, 5);
  progress(`bench: ${opts.concurrent} concurrent runs ×${concRepeats}`);
  for (let i = 0; i < concRepeats; i++) for (const rt of rotate(all, i)) await concurrentRuns(rt, trueBundle);
  const rssRepeats = Math.min(opts.runs, 3);
  progress(`bench: peak RSS (/usr/bin/time) ×${rssRepeats}`);
  for (let i = 0; i < rssRepeats; i++) {
    for (const rt of all) {
      const r = measureRun(rt, trueBundle, { rss: true });
      if (r.code === 0 && r.maxRssKB !== undefined) addSample(cell('rss_run', rt.name), r.maxRssKB);
      else addFailure(cell('rss_run', rt.name), firstLine(r));
      if (rt === node) for (const op of ['create', 'start', 'state', 'kill', 'delete']) addSample(cell(`rss_${op}`, 'node'), r.maxRssKB);
      else lifecycle(rt, sleepBundle, { rss: true });
    }
  }
  progress('bench: memory limit bisection');
  for (const rt of runtimes) memoryFloor(rt);
  // node -e 0 is the reference for every per-command time
  for (const op of ['create', 'start', 'state', 'kill', 'delete', 'exec']) (results[op] ??= {}).node = results.run?.node;

  const columns = all.map((r) => r.name);
  const md = opts.markdown;
  const header = [
    `date: ${new Date().toISOString()}; kernel ${release()}; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}); node ${process.version}`,
    ...runtimes.map((rt) => `${rt.name}: ${rt.version}`),
    `runs: ${opts.runs} (run, create…delete), ${concRepeats} (concurrent), ${rssRepeats} (peak RSS); spread is p10–p90 with ≥10 samples, else min–max`,
    ...runtimes.filter((rt) => rt.note).map((rt) => `note: ${rt.note}`),
    ...skipped.map((s) => `skipped ${s.name}: ${s.reason}`),
    'ratios are to runc (and to node -e 0, the floor of the Node build); CLI peak RSS is wait4 ru_maxrss of the command (for `run` it includes the reaped container processes)',
  ];
  console.log(md ? header.map((h) => `- ${h}`).join('\n') : header.join('\n'));
  console.log('');
  console.log(renderResults(metrics(), results, columns, md));
  if (runtimes.some((rt) => rt.name === 'tsrunc')) {
    console.log('');
    console.log(renderTargets(results, md));
  }
} finally {
  cleanupAll();
}
