// Side-by-side timings of one engine operation with runc and tsrunc: printed as
// a comment line of the test output, never asserted. When TSRUNC_ENGINE_TIMINGS
// names a file, each measurement is appended to it as one JSON line (bench/engines.mjs).
import { appendFileSync } from 'node:fs';

/** bench/engines.mjs runs the suites for their timings only (scenarios not registered). */
export const TIMINGS_ONLY = process.env.TSRUNC_ENGINE_TIMINGS_ONLY === '1';

/** Samples per runtime: a few in the test suite, more when bench/engines.mjs asks. */
export function timingRounds(dflt: number): number {
  const n = Number(process.env.TSRUNC_ENGINE_TIMING_ROUNDS);
  return Number.isInteger(n) && n > 0 ? n : dflt;
}

export interface Timing {
  /** What was timed, e.g. "docker run --rm true". */
  operation: string;
  /** Runtime name -> wall-clock samples in milliseconds. */
  samples: Record<string, number[]>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Calls fn(runtime) rounds times per runtime, alternating runtimes, and records wall times. */
export async function timeSideBySide(
  operation: string, runtimes: string[], rounds: number, fn: (runtime: string) => void | Promise<void>,
): Promise<Timing> {
  const samples: Record<string, number[]> = {};
  for (let i = 0; i < rounds; i++) {
    for (const rt of runtimes) {
      const t0 = process.hrtime.bigint();
      await fn(rt);
      (samples[rt] ??= []).push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  return { operation, samples };
}

/** One line per operation: median of each runtime and tsrunc's ratio to runc. */
export function report(t: Timing): string {
  const cols = Object.entries(t.samples).map(([rt, xs]) => `${rt} ${median(xs).toFixed(0)} ms`);
  const runc = t.samples.runc, ts = t.samples.tsrunc;
  const ratio = runc?.length && ts?.length ? ` (tsrunc ÷ runc ${(median(ts) / median(runc)).toFixed(2)})` : '';
  const line = `# timing: ${t.operation}, median of ${Object.values(t.samples)[0]?.length ?? 0}: ${cols.join(', ')}${ratio}`;
  console.log(line);
  const file = process.env.TSRUNC_ENGINE_TIMINGS;
  if (file) appendFileSync(file, JSON.stringify(t) + '\n');
  return line;
}
