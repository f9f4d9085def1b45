// One build step: transpile src/ and test/ to dist/ (type checking is `npm run typecheck`),
// and build the C stub in nsexec/.
import { build } from 'esbuild';
import { readdirSync, statSync, rmSync, renameSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

// Build beside dist/ and swap it in, so a tsrunc or test running from dist/
// while we build never finds it half-empty.
const fresh = `dist.new-${process.pid}`;
const old = `dist.old-${process.pid}`;
await build({
  entryPoints: [...tsFiles('src'), ...tsFiles('test')],
  outdir: fresh,
  outbase: '.',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
if (existsSync('dist')) renameSync('dist', old);
renameSync(fresh, 'dist');
rmSync(old, { recursive: true, force: true });
execFileSync('make', ['-s', '-C', 'nsexec'], { stdio: 'inherit' });
