// Generated files are committed: write one, or with --check fail when the
// committed copy differs from what the generator makes now.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

export function writeOrCheck(out, text, generator, root) {
  if (!process.argv.includes('--check')) {
    writeFileSync(out, text);
    return;
  }
  let current = '';
  try {
    current = readFileSync(out, 'utf8');
  } catch {
    // missing counts as out of date
  }
  if (current !== text) {
    console.error(`${relative(root, out)} is out of date: run node ${generator}`);
    process.exit(1);
  }
}
