// linux.sysctl: only keys that belong to a namespace the container owns, as
// runc's validator allows them (the rest would change the host).
import { configError, pointerToken } from './config-error.js';
import type { NsType } from './types.js';

const IPC_SYSCTLS = new Set([
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem',
  'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced',
]);

/** "net/ipv4/conf/eno2.100/rp_filter" → "net.ipv4.conf.eno2/100.rp_filter" (sysctl.d(5)). */
function dotted(key: string): string {
  const first = key.search(/[./]/);
  if (first === -1 || key[first] === '.') return key;
  return key.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}

/**
 * `has`: namespaces the container has; `newNet`: whether its network namespace
 * is new. A joined network namespace is trusted not to be the host's (runc
 * compares it with its own, which needs the filesystem).
 */
export function compileSysctl(
  sysctl: Readonly<Record<string, string>> | undefined,
  has: ReadonlySet<NsType>,
): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const [key, value] of Object.entries(sysctl ?? {})) {
    const ptr = `/linux/sysctl/${pointerToken(key)}`;
    const s = dotted(key);
    if (IPC_SYSCTLS.has(s) || s.startsWith('fs.mqueue.')) {
      if (!has.has('ipc')) throw configError(ptr, `sysctl "${s}" is not allowed in the host's ipc namespace`);
    } else if (s.startsWith('net.')) {
      if (!has.has('net')) throw configError(ptr, `sysctl "${s}" is not allowed in the host's network namespace`);
    } else if (has.has('uts') && s === 'kernel.domainname') {
      // namespaced, and no dedicated OCI field
    } else if (has.has('uts') && s === 'kernel.hostname') {
      throw configError(ptr, `sysctl "${s}" is not allowed: use the "hostname" field`);
    } else if (s.startsWith('user.')) {
      if (!has.has('user')) throw configError(ptr, `sysctl "${s}" is not allowed without a user namespace`);
    } else {
      throw configError(ptr, `sysctl "${s}" is not in a separate kernel namespace`);
    }
    out.push({ key, value });
  }
  return out;
}
