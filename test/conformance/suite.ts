// The runtime-tools validation suite around the shared scripts (build.sh, run.sh,
// table.sh): build once into a cache outside the repo, run it against tsrunc and
// runc one after the other, read results.tsv, compare with the expected results.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, from dist/test/conformance/. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const EXPECTED_TSRUNC = join(REPO, 'test/conformance/expected-tsrunc.tsv');

/** Statuses that count as a pass: run.sh's EMPTY_OK is how the `*_fail` tests pass. */
export const PASSING = new Set(['PASS', 'EMPTY_OK']);

export interface ResultRow {
  test: string;
  ok: number;
  notOk: number;
  skip: number;
  exit: number;
  status: string;
  note: string;
}

export interface RuntimeRun {
  name: string;
  binary: string;
  resultsTsv: string;
  rows: Map<string, ResultRow>;
}

/** The shared scripts: $CONFORMANCE_SCRIPTS, else shared/conformance beside the repository. */
export function scriptsDir(): string {
  const dir = process.env.CONFORMANCE_SCRIPTS ?? resolve(REPO, '../shared/conformance');
  for (const f of ['build.sh', 'run.sh', 'table.sh']) {
    if (!existsSync(join(dir, f))) throw new Error(`conformance scripts not found: ${join(dir, f)} (set CONFORMANCE_SCRIPTS)`);
  }
  return dir;
}

function sourceCommit(src: string): string {
  for (const args of [['-C', src, 'rev-parse', 'HEAD'], [`--git-dir=${src}`, 'rev-parse', 'HEAD']]) {
    const r = spawnSync('git', args, { encoding: 'utf8' });
    if (r.status === 0) return r.stdout.trim();
  }
  return 'unknown';
}

/** $RTT_CACHE, else /tmp/tsrunc-rtt/<hash of the source path>: the build and the latest results. */
export function cacheDir(src: string): string {
  if (!existsSync(src)) throw new Error(`RUNTIME_TOOLS_SRC does not exist: ${src}`);
  const real = realpathSync(src);
  return process.env.RTT_CACHE ?? join('/tmp/tsrunc-rtt', createHash('sha1').update(real).digest('hex').slice(0, 12));
}

/**
 * Builds runtimetest and the validation binaries into the cache dir unless a build of
 * the same commit is already there. Returns the cache dir (bin/ and results/ live in it).
 */
export function buildSuite(src: string, scripts: string): string {
  const real = realpathSync(src);
  const cache = cacheDir(src);
  const commit = sourceCommit(real);
  const stamp = join(cache, 'bin/COMMIT');
  const built = existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === commit && commit !== 'unknown';
  if (built && existsSync(join(cache, 'bin/runtimetest'))) {
    console.log(`runtime-tools ${commit}: using the build in ${cache}`);
    return cache;
  }
  if (spawnSync('go', ['version']).status !== 0) throw new Error('go not found: the suite is built from source (apt-get install golang-go)');
  console.log(`runtime-tools ${commit}: building into ${cache}`);
  mkdirSync(cache, { recursive: true });
  // every Go cache inside the cache dir: CI's repository, shared/ and the source copy may be read-only
  const goEnv = { GOCACHE: join(cache, '.gocache'), GOPATH: join(cache, '.gopath'), GOMODCACHE: join(cache, '.gopath/pkg/mod') };
  const r = spawnSync(join(scripts, 'build.sh'), [real, cache], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...goEnv },
  });
  if (r.status !== 0) throw new Error(`build.sh failed (exit ${r.status})`);
  return cache;
}

export function readResults(path: string): Map<string, ResultRow> {
  const rows = new Map<string, ResultRow>();
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const header = lines.shift()?.split('\t') ?? [];
  const col = (name: string) => header.indexOf(name);
  for (const line of lines) {
    const f = line.split('\t');
    const num = (name: string) => Number(f[col(name)] ?? 0);
    rows.set(f[col('test')], {
      test: f[col('test')],
      ok: num('ok'),
      notOk: num('not_ok'),
      skip: num('skip'),
      exit: num('exit'),
      status: f[col('status')] ?? '',
      note: col('note') >= 0 ? (f[col('note')] ?? '') : '',
    });
  }
  return rows;
}

/** The results a previous runSuite left in the cache. */
export function previousRun(cache: string, name: string, binary: string): RuntimeRun {
  const resultsTsv = join(cache, 'results', name, 'results.tsv');
  if (!existsSync(resultsTsv)) throw new Error(`no previous results: ${resultsTsv}`);
  return { name, binary, resultsTsv, rows: readResults(resultsTsv) };
}

/**
 * Runs the whole suite (or $RTT_TESTS, or `only`) against one runtime; results go to
 * <cache>/results/<name>/.
 */
export function runSuite(cache: string, scripts: string, name: string, binary: string, only?: string[]): RuntimeRun {
  const out = join(cache, 'results', name);
  rmSync(out, { recursive: true, force: true });
  console.log(`\n== runtime-tools against ${name} (${binary}); logs in ${out}/logs`);
  const env: NodeJS.ProcessEnv = { ...process.env, RTT_BIN: join(cache, 'bin'), RTT_ISOLATE: '1' };
  if (only) env.RTT_TESTS = only.join(' ');
  const r = spawnSync(join(scripts, 'run.sh'), [binary, out], { stdio: ['ignore', 'inherit', 'inherit'], env });
  const resultsTsv = join(out, 'results.tsv');
  if (r.status !== 0 || !existsSync(resultsTsv)) throw new Error(`run.sh ${name} failed (exit ${r.status})`);
  return { name, binary, resultsTsv, rows: readResults(resultsTsv) };
}

export interface Retried {
  test: string;
  /** the status and note of the first run */
  first: { status: string; note: string };
  /** the status and note of the run alone; undefined when it did not produce a row */
  retry?: { status: string; note: string };
}

/**
 * Runs each regression once more, alone, into <cache>/results/<name>-retry/<test>/: a
 * test that passes then is flaky (timing, leftovers of an earlier test), not a regression.
 */
export function retryAlone(cache: string, scripts: string, run: RuntimeRun, regressions: Comparison['regressions']): { flaky: Retried[]; failed: Retried[] } {
  const flaky: Retried[] = [];
  const failed: Retried[] = [];
  for (const reg of regressions) {
    const first = { status: reg.status, note: reg.note };
    let retry: Retried['retry'];
    try {
      const again = runSuite(cache, scripts, `${run.name}-retry/${reg.test}`, run.binary, [reg.test]).rows.get(reg.test);
      if (again) retry = { status: again.status, note: again.note };
    } catch (e) {
      retry = { status: 'RETRY_ERROR', note: e instanceof Error ? e.message : String(e) };
    }
    (retry && PASSING.has(retry.status) ? flaky : failed).push({ test: reg.test, first, retry });
  }
  return { flaky, failed };
}

/** Runs tsrunc and runc (when installed) in one go. */
export function runBoth(src: string): { cache: string; scripts: string; runs: RuntimeRun[] } {
  const scripts = scriptsDir();
  const cache = buildSuite(src, scripts);
  // TSRUNC_BIN: another build of tsrunc, e.g. a snapshot that a concurrent `npm run build` cannot disturb
  const runs = [runSuite(cache, scripts, 'tsrunc', process.env.TSRUNC_BIN ?? join(REPO, 'bin/tsrunc'))];
  if (existsSync('/usr/sbin/runc')) runs.push(runSuite(cache, scripts, 'runc', '/usr/sbin/runc'));
  else console.log('runc not installed: no side-by-side column');
  return { cache, scripts, runs };
}

/** Markdown table by the shared table.sh, one column per runtime. */
export function sideBySide(scripts: string, runs: RuntimeRun[]): string {
  return execFileSync(join(scripts, 'table.sh'), runs.map((r) => `${r.name}=${r.resultsTsv}`), { encoding: 'utf8' });
}

export function summary(run: RuntimeRun): string {
  let ok = 0, notOk = 0, skip = 0, pass = 0;
  for (const r of run.rows.values()) {
    ok += r.ok;
    notOk += r.notOk;
    skip += r.skip;
    if (PASSING.has(r.status)) pass += 1;
  }
  return `${run.name}: ${pass} of ${run.rows.size} tests pass (PASS or EMPTY_OK); TAP ${ok} ok / ${notOk} not ok / ${skip} skip`;
}

export interface Comparison {
  /** expected to pass, did not */
  regressions: { test: string; status: string; note: string }[];
  /** not expected to pass, now passes: time to update the expected file */
  improvements: string[];
  /** in the expected file but not run (e.g. RTT_TESTS subset) */
  notRun: string[];
}

export function compare(expected: Map<string, ResultRow>, actual: Map<string, ResultRow>): Comparison {
  const c: Comparison = { regressions: [], improvements: [], notRun: [] };
  for (const [test, exp] of expected) {
    const got = actual.get(test);
    if (!got) {
      c.notRun.push(test);
      continue;
    }
    if (PASSING.has(exp.status) && !PASSING.has(got.status)) c.regressions.push({ test, status: got.status, note: got.note });
  }
  for (const [test, got] of actual) {
    const exp = expected.get(test);
    if (PASSING.has(got.status) && (!exp || !PASSING.has(exp.status))) c.improvements.push(test);
  }
  return c;
}
