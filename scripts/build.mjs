// One build step: transpile src/ and test/ to dist/ (type checking is `npm run typecheck`),
// and build the C stub in nsexec/.
import { build } from 'esbuild';
import { readdirSync, statSync, rmSync } from 'node:fs';
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

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: [...tsFiles('src'), ...tsFiles('test')],
  outdir: 'dist',
  outbase: '.',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
execFileSync('make', ['-s', '-C', 'nsexec'], { stdio: 'inherit' });
