// koffi, loaded on first use: most commands (state, list) never need it.
// How it is found differs between the builds (src/linux/host-runtime.ts).
import type * as KoffiApi from 'koffi';
import { hostRuntime } from './host-runtime.js';

export type Koffi = typeof KoffiApi;

let cached: Koffi | undefined;

export function koffi(): Koffi {
  cached ??= hostRuntime().loadKoffi();
  return cached;
}
