// Where the C stub is executed from, in either build (src/linux/host-runtime.ts).
import { closeSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hostRuntime } from './host-runtime.js';
import { libc } from './libc.js';

/** The seals the stub checks (nsexec/cloned_binary.c) before it skips its own copy. */
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
  const bytes = hostRuntime().embeddedStub?.();
  if (!bytes) {
    stubPath = fileURLToPath(new URL('../../../nsexec/build/tsrunc-nsexec', import.meta.url));
    return stubPath;
  }
  const c = libc();
  const fd = c.memfdCreate('tsrunc-nsexec', MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) throw new Error(`memfd_create: errno ${c.errno()}`);
  try {
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
    if (c.addSeals(fd, SEALS) < 0) throw new Error(`seal stub memfd: errno ${c.errno()}`);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  stubPath = `/proc/${process.pid}/fd/${fd}`;
  return stubPath;
}
