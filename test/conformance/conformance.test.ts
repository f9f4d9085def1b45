// runtime-tools validation suite against tsrunc and runc side by side; fails when a
// test that test/conformance/expected-tsrunc.tsv says passes does not pass any more,
// also when run again alone (a pass on that retry is reported as flaky, not a failure).
// Needs RUNTIME_TOOLS_SRC (a copy of opencontainers/runtime-tools) and go; see docs/conformance.md.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { EXPECTED_TSRUNC, PASSING, compare, readResults, retryAlone, runBoth, sideBySide, summary } from './suite.js';
import type { Retried, RuntimeRun } from './suite.js';

const src = process.env.RUNTIME_TOOLS_SRC;

if (!src) {
  console.log('skipped: RUNTIME_TOOLS_SRC not set (path to a copy of opencontainers/runtime-tools)');
  test.skip('conformance suite (RUNTIME_TOOLS_SRC not set)', () => {});
} else {
  let runs: RuntimeRun[] = [];
  let cache = '';
  let scripts = '';
  let setupError: unknown;
  try {
    const done = runBoth(src);
    ({ runs, cache, scripts } = done);
    console.log(`\n${sideBySide(done.scripts, runs)}`);
    for (const r of runs) console.log(summary(r));
  } catch (e) {
    setupError = e;
  }

  test('the suite builds and runs against tsrunc and runc', () => {
    if (setupError) throw setupError;
    assert.ok(runs.length >= 1);
  });

  const tsrunc = runs.find((r) => r.name === 'tsrunc');
  if (tsrunc && !existsSync(EXPECTED_TSRUNC)) {
    test('expected results exist', () => {
      assert.unreachable(`${EXPECTED_TSRUNC} missing (node test/conformance/update-expected.mjs)`);
    });
  } else if (tsrunc) {
    const expected = readResults(EXPECTED_TSRUNC);
    const cmp = compare(expected, tsrunc.rows);
    if (cmp.improvements.length) {
      console.log(`now passing, not yet expected (run test/conformance/update-expected.mjs): ${cmp.improvements.join(', ')}`);
    }
    if (cmp.notRun.length) console.log(`not run this time: ${cmp.notRun.length} expected tests`);
    const { flaky, failed } = cmp.regressions.length ? retryAlone(cache, scripts, tsrunc, cmp.regressions) : { flaky: [], failed: [] };
    const first = (r: Retried) => `${r.first.status}: ${r.first.note || '—'}`;
    for (const r of flaky) console.log(`${r.test}: flaky: passed on retry (first run ${first(r)})`);
    for (const r of failed) {
      console.log(`${r.test}: REGRESSION: failed twice (first run ${first(r)}; alone ${r.retry?.status ?? 'no result'}: ${r.retry?.note || '—'})`);
    }
    // one test per expected pass, so a regression names itself
    for (const [name, exp] of expected) {
      if (!PASSING.has(exp.status) || !tsrunc.rows.has(name)) continue;
      test(`${name} still passes`, () => {
        const bad = failed.find((r) => r.test === name);
        assert.not.ok(bad, bad && `${name}: ${first(bad)}, alone ${bad.retry?.status ?? 'no result'}: ${bad.retry?.note ?? ''} (expected ${exp.status})`);
      });
    }
  }
}

test.run();
