// Entry of the self-contained executable (dist/tsrunc), compiled by Bun
// (scripts/build.mjs): the bundler embeds the files named here, so the binary
// needs nothing from the checkout at run time: koffi's native module is
// required by its file path, and the C stub rides along as a file that
// stub-binary.ts copies into a sealed memfd before it starts it; the libc calls
// of the common commands go through bun:ffi (bun-libc.ts) instead of koffi.
import { readFileSync } from 'node:fs';
import stubFile from '../../nsexec/build/tsrunc-nsexec' with { type: 'file' };
import { bunLibc, bunSpawnApi } from '../linux/bun-libc.js';
import { setHostRuntime } from '../linux/host-runtime.js';
import type * as KoffiApi from 'koffi';
import { main } from './main.js';

setHostRuntime({
  name: `bun ${process.versions.bun ?? '?'} (self-contained)`,
  loadKoffi: () => require('../../node_modules/@koromix/koffi-linux-x64/linux_x64/koffi.node') as typeof KoffiApi,
  embeddedStub: () => readFileSync(stubFile),
  libc: bunLibc,
  spawnApi: bunSpawnApi,
});

// Built with code splitting (scripts/build.mjs): what a command imports dynamically
// (its implementation; yargs, a fifth of the code, only for help, --version and bad
// command lines) is a chunk of its own, loaded only when that command runs.
main(process.argv.slice(2), () => import('./yargs-cli.js')).then(
  () => process.exit(),
  (err: unknown) => {
    process.stderr.write(`tsrunc: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
