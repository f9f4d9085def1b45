// Capability names → bit masks for the CAPS record.
import { readFileSync } from 'node:fs';
import type { LinuxCapabilities } from '../spec/config.js';
import type { PlanCaps } from './types.js';

/** Index = capability number (linux/capability.h), up to CAP_LAST_CAP of current kernels. */
export const CAPABILITY_NAMES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID',
  'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

const CAP_NUMBER = new Map(CAPABILITY_NAMES.map((name, i) => [name, i]));

const SETS = ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const;

let lastCap: number | undefined;

/** The running kernel's CAP_LAST_CAP (/proc/sys/kernel/cap_last_cap); every known one when unreadable. */
export function hostLastCap(): number {
  if (lastCap === undefined) {
    let n = NaN;
    try {
      n = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
    } catch {
      // not Linux, or no /proc: assume the kernel knows every name we do
    }
    lastCap = Number.isInteger(n) && n >= 0 ? n : CAPABILITY_NAMES.length - 1;
  }
  return lastCap;
}

/**
 * Like runc (since 1.0), unknown capability names, and those the running
 * kernel does not have (numbers above `kernelLastCap`), are not an error:
 * they are reported through `warn` and left out, so a config written for a
 * newer kernel still runs. Without process.capabilities runc clears all five sets (its
 * init applies an empty Capabilities), and so do we.
 */
export function compileCaps(
  caps: LinuxCapabilities | undefined,
  warn: (msg: string) => void,
  kernelLastCap: number = hostLastCap(),
): PlanCaps {
  if (!caps) {
    return { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n };
  }
  const unknown = new Set<string>();
  const mask = (names: string[] | undefined): bigint => {
    let m = 0n;
    for (const name of names ?? []) {
      const n = CAP_NUMBER.get(name);
      if (n === undefined || n > kernelLastCap) unknown.add(name);
      else m |= 1n << BigInt(n);
    }
    return m;
  };
  const out = {} as PlanCaps;
  for (const set of SETS) out[set] = mask(caps[set]);
  if (unknown.size > 0) warn(`ignoring unknown or unavailable capabilities: ${[...unknown].sort().join(', ')}`);
  // The kernel only raises an ambient capability that is both permitted and
  // inheritable; runc warns and goes on, and so do we (runc spec asks for it).
  const raisable = out.permitted & out.inheritable;
  if (out.ambient & ~raisable) {
    warn('ignoring ambient capabilities that are not both permitted and inheritable');
    out.ambient &= raisable;
  }
  return out;
}
