// The committed generated files (src/spec/config.ts, src/spec/validate-config.generated.ts)
// must match what the schemas produce now.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

for (const script of ['scripts/gen-config-types.mjs', 'scripts/gen-validator.mjs']) {
  test(`${script} output is committed and up to date`, () => {
    const r = spawnSync(process.execPath, [script, '--check'], { cwd: repoRoot(), encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr || r.stdout);
  });
}

test.run();
