// Timed runs of one command line. Output goes through files, never pipes:
// a detached container's init inherits stdio and would keep a pipe open.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

let seq = 0;

function outFiles(dir) {
  seq += 1;
  const out = join(dir, `out-${seq}`);
  return { out, err: `${out}.err`, rss: `${out}.rss` };
}

function collect(files, code, ms) {
  const read = (p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  const stdout = read(files.out);
  const stderr = read(files.err);
  const rssText = read(files.rss);
  for (const p of Object.values(files)) rmSync(p, { force: true });
  // /usr/bin/time -o writes "Command exited with non-zero status N" before %M on failure.
  const rssLine = rssText.trim().split('\n').pop();
  const maxRssKB = rssLine && /^\d+$/.test(rssLine) ? Number(rssLine) : undefined;
  return { code, ms, stdout, stderr, maxRssKB };
}

/**
 * Runs argv to completion. { ms } is wall time around the spawn, so the fixed cost
 * of spawning from Node is the same for every runtime. With rss: true the command
 * runs under /usr/bin/time and maxRssKB is the child's wait4 ru_maxrss.
 */
export function run(argv, { tmp, rss = false, timeoutMs = 60_000 } = {}) {
  const files = outFiles(tmp);
  const full = rss ? ['/usr/bin/time', '-f', '%M', '-o', files.rss, ...argv] : argv;
  const fo = openSync(files.out, 'w');
  const fe = openSync(files.err, 'w');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(full[0], full.slice(1), { stdio: ['ignore', fo, fe], timeout: timeoutMs });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  closeSync(fo);
  closeSync(fe);
  const code = r.error ? 127 : (r.status ?? 128);
  const res = collect(files, code, ms);
  if (r.error) res.stderr = `${r.error.message}\n${res.stderr}`;
  else if (r.signal) res.stderr = `killed by ${r.signal}\n${res.stderr}`;
  return res;
}

/** Starts every argv at once; resolves with each result and the wall time until the last exits. */
export async function runConcurrently(argvs, { tmp, timeoutMs = 60_000 }) {
  const t0 = process.hrtime.bigint();
  const results = await Promise.all(
    argvs.map(
      (argv) =>
        new Promise((resolve) => {
          const files = outFiles(tmp);
          const fo = openSync(files.out, 'w');
          const fe = openSync(files.err, 'w');
          const started = process.hrtime.bigint();
          const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', fo, fe], timeout: timeoutMs });
          let finished = false;
          const done = (code, extra) => {
            if (finished) return;
            finished = true;
            closeSync(fo);
            closeSync(fe);
            const res = collect(files, code, Number(process.hrtime.bigint() - started) / 1e6);
            if (extra) res.stderr = `${extra}\n${res.stderr}`;
            resolve(res);
          };
          child.once('error', (e) => done(127, e.message));
          child.once('exit', (code, signal) => done(code ?? 128, signal ? `killed by ${signal}` : ''));
        }),
    ),
  );
  return { wallMs: Number(process.hrtime.bigint() - t0) / 1e6, results };
}

/** First non-empty line of a failed command's stderr (or stdout), for a table cell. */
export function firstLine(res) {
  const line = `${res.stderr}\n${res.stdout}`.split('\n').find((l) => l.trim() !== '');
  return (line ?? `exit ${res.code}`).trim().slice(0, 120);
}
