// koffi, loaded on first use. Its package entry spends ~7 ms finding its native
// module (libc detection from node's ELF header, path probing) and wrapping
// deprecated names; on glibc Linux the prebuilt native module it would pick is
// loaded directly (~1 ms), anywhere else through the package.
import { createRequire } from 'node:module';
import type * as KoffiApi from 'koffi';

export type Koffi = typeof KoffiApi;

let cached: Koffi | undefined;

export function koffi(): Koffi {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const { platform, arch } = process;
  try {
    cached = require(`@koromix/koffi-${platform}-${arch}/${platform}_${arch}/koffi.node`) as Koffi;
  } catch {
    cached = require('koffi') as Koffi;
  }
  return cached;
}
