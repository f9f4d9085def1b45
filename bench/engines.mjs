#!/usr/bin/env node
// Docker and Kubernetes (CRI) timings of runc and tsrunc side by side, as ratios:
// runs the engine end-to-end suites (dist/test/engines/) for their timing tests
// only, each with its own private daemon. Meaning of the numbers: docs/performance.md.
//   [TSRUNC_BIN=path] node bench/engines.mjs [--rounds N] [--markdown]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SUITES = ['docker', 'cri'];

let rounds = 10;
let markdown = false;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--rounds') {
    rounds = Number(argv[++i]);
    if (!Number.isInteger(rounds) || rounds < 1) {
      console.error('bench: --rounds: expected a positive integer');
      process.exit(2);
    }
  } else if (argv[i] === '--markdown') markdown = true;
  else {
    console.error('usage: node bench/engines.mjs [--rounds N] [--markdown]');
    process.exit(2);
  }
}
if (process.getuid?.() !== 0) {
  console.error('bench: needs root (private dockerd and containerd)');
  process.exit(2);
}

// The binary under test, as test/run.mjs picks it: TSRUNC_BIN, default dist/tsrunc (the self-contained build).
const bin = resolve(process.env.TSRUNC_E2E_RUNTIME ?? process.env.TSRUNC_BIN ?? join(REPO, 'dist/tsrunc'));
if (!existsSync(bin)) {
  console.error(`bench: ${bin} missing; run npm run build`);
  process.exit(2);
}
process.stderr.write(`bench: tsrunc is ${bin}\n`);

const tmp = mkdtempSync(join(tmpdir(), 'tsrunc-bench-engines-'));
const file = join(tmp, 'timings.jsonl');
for (const suite of SUITES) {
  const script = join(REPO, 'dist/test/engines', `${suite}.test.js`);
  if (!existsSync(script)) {
    console.error(`bench: ${script} missing; run npm run build`);
    process.exit(2);
  }
  process.stderr.write(`bench: ${suite} (${rounds} rounds per runtime)\n`);
  const r = spawnSync(process.execPath, [script], {
    encoding: 'utf8',
    env: { ...process.env, TSRUNC_BIN: bin, TSRUNC_ENGINE_TIMINGS: file, TSRUNC_ENGINE_TIMINGS_ONLY: '1', TSRUNC_ENGINE_TIMING_ROUNDS: String(rounds) },
    timeout: 20 * 60 * 1000,
  });
  if (r.status !== 0) process.stderr.write(`bench: ${suite} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}\n`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (xs) => (xs?.length ? `${median(xs).toFixed(0)} ms [${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}]` : '—');
const rows = (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []).map((l) => {
  const t = JSON.parse(l);
  const { runc, tsrunc } = t.samples;
  const ratio = runc?.length && tsrunc?.length ? `${(median(tsrunc) / median(runc)).toFixed(2)}×` : '—';
  return [t.operation, ms(runc), ms(tsrunc), ratio];
});
rmSync(tmp, { recursive: true, force: true });

const head = ['operation', 'runc (median [min–max])', 'tsrunc', 'tsrunc ÷ runc'];
if (markdown) {
  console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
} else {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
}
process.exit(rows.length === SUITES.length ? 0 : 1);
