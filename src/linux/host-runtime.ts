// The one place where the two builds differ: the Node build (bin/tsrunc, files
// in a checkout or an npm install) and the self-contained executable dist/tsrunc
// compiled by Bun (src/cli/bun-main.ts), which carries koffi's native module and
// the C stub inside itself. Everything else is the same source.
import { createRequire } from 'node:module';
import type * as KoffiApi from 'koffi';
import type { Libc } from './libc.js';
import type { SpawnApi } from './spawn.js';

type Koffi = typeof KoffiApi;

export interface HostRuntime {
  /** `node v20.20.2` or `bun 1.4.5 (self-contained)`: what `--version` reports */
  readonly name: string;
  loadKoffi(): Koffi;
  /** The stub's bytes when it is embedded; undefined: run it from nsexec/build. */
  embeddedStub?(): Buffer;
  /** libc calls without koffi, when the runtime has a cheaper way; undefined: koffi. */
  libc?(): Libc;
  /** posix_spawn and friends without koffi, likewise. */
  spawnApi?(): SpawnApi;
}

function nodeKoffi(): Koffi {
  // koffi's package entry spends ~7 ms finding its native module; on glibc
  // Linux the prebuilt module it would pick is loaded directly (~1 ms).
  const require = createRequire(import.meta.url);
  const { platform, arch } = process;
  try {
    return require(`@koromix/koffi-${platform}-${arch}/${platform}_${arch}/koffi.node`) as Koffi;
  } catch {
    return require('koffi') as Koffi;
  }
}

// On globalThis: the yargs part of the CLI is a bundle of its own in both builds,
// with its own copy of this module, and must see what the entry set.
const KEY = Symbol.for('tsrunc.hostRuntime');
const slot = globalThis as { [KEY]?: HostRuntime };

/** Called once by the self-contained binary's entry, before anything else runs. */
export function setHostRuntime(h: HostRuntime): void {
  slot[KEY] = h;
}

export function hostRuntime(): HostRuntime {
  slot[KEY] ??= {
    name: process.versions.bun ? `bun ${process.versions.bun}` : `node ${process.version}`,
    loadKoffi: nodeKoffi,
  };
  return slot[KEY];
}
