// The one place where the two builds differ: the Node build (bin/tsrunc, files
// in a checkout or an npm install) and the self-contained executable dist/tsrunc
// compiled by Bun (src/cli/bun-main.ts), which carries koffi's native module and
// the C stub inside itself. Everything else is the same source.
import { closeSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as KoffiApi from 'koffi';
import type { Libc } from './libc.js';

type Koffi = typeof KoffiApi;

export interface HostRuntime {
  /** `node v20.20.2` or `bun 1.4.5 (self-contained)`: what `--version` reports */
  readonly name: string;
  loadKoffi(): Koffi;
  /** The stub's bytes when it is embedded; undefined: run it from nsexec/build. */
  embeddedStub?(): Buffer;
  /** libc calls without koffi, when the runtime has a cheaper way; undefined: koffi. */
  libc?(): Libc;
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

/** The seals the stub checks (nsexec/cloned_binary.c) before it skips its own copy. */
const F_ADD_SEALS = 1033;
const SEALS = 0x1 | 0x2 | 0x4 | 0x8; // F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE
const MFD_CLOEXEC = 0x1;
const MFD_ALLOW_SEALING = 0x2;

let stubPath: string | undefined;

/**
 * The path to execute the C stub from. Embedded: a sealed memfd holding the
 * stub, named through our own /proc entry so that a child that closes its
 * fds before execve still finds it; the stub sees the seals and does not copy
 * itself again (CVE-2019-5736). Otherwise: nsexec/build beside the checkout.
 */
export function stubExecutable(): string {
  if (stubPath) return stubPath;
  const host = hostRuntime();
  const bytes = host.embeddedStub?.();
  if (!bytes) {
    stubPath = fileURLToPath(new URL('../../../nsexec/build/tsrunc-nsexec', import.meta.url));
    return stubPath;
  }
  const k = host.loadKoffi();
  const libc = k.load('libc.so.6');
  const memfdCreate = libc.func('int memfd_create(const char *name, unsigned int flags)') as (n: string, f: number) => number;
  const fcntl = libc.func('int fcntl(int fd, int cmd, ...)') as (fd: number, cmd: number, type: string, arg: number) => number;
  const fd = memfdCreate('tsrunc-nsexec', MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) throw new Error(`memfd_create: errno ${k.errno()}`);
  try {
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
    if (fcntl(fd, F_ADD_SEALS, 'int', SEALS) < 0) throw new Error(`seal stub memfd: errno ${k.errno()}`);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  stubPath = `/proc/${process.pid}/fd/${fd}`;
  return stubPath;
}
