// Temporary bundles over the shared busybox rootfs, configured from `runc spec`
// so no runtime gets a config written with another in mind.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function baseConfig(tmp, specArgv) {
  const dir = join(tmp, 'spec');
  mkdirSync(dir, { recursive: true });
  const r = spawnSync(specArgv[0], [...specArgv.slice(1), 'spec', '--bundle', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${specArgv.join(' ')} spec: ${(r.stderr || '').trim()}`);
  return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
}

/**
 * Writes <tmp>/bundle-<name>/config.json: terminal off, the given args, the rootfs
 * read-only by absolute path, and ociVersion 1.0.2 (crun 1.8.1 refuses newer ones,
 * runc spec says "1.0.2-dev"). memoryLimit sets linux.resources.memory.limit.
 */
export function writeBundle(tmp, name, base, { args, rootfs, memoryLimit }) {
  const dir = join(tmp, `bundle-${name}`);
  mkdirSync(dir, { recursive: true });
  const config = structuredClone(base);
  config.ociVersion = '1.0.2';
  config.process.terminal = false;
  config.process.args = args;
  config.root = { path: rootfs, readonly: true };
  if (memoryLimit !== undefined) {
    config.linux.resources = { ...config.linux.resources, memory: { limit: memoryLimit } };
  }
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  return dir;
}
