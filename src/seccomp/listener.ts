// linux.seccomp.listenerPath / listenerMetadata: what the init sends to the
// seccomp agent with the notify fd (config-linux.md, "The Container Process
// State"). The init's pid is only known to the stub, so the JSON goes to it
// in pieces that it joins with the pid (plan record SECCOMP_LISTENER).
import type { LinuxSeccomp, Spec } from '../spec/config.js';
import { configError } from '../plan/config-error.js';
import type { Plan } from '../plan/types.js';

/** The runtime-spec version this runtime's messages follow. */
const OCI_VERSION = '1.3.0';
const P = '/linux/seccomp';
/** sizeof(sockaddr_un.sun_path) - 1 */
const MAX_SOCKET_PATH = 107;

export interface ListenerContainer {
  id: string;
  bundle: string;
  /** "creating" for the init; the container's status for an exec'd process. */
  status: string;
}

export function hasNotifyRules(cfg: LinuxSeccomp | undefined): boolean {
  return (cfg?.syscalls ?? []).some((c) => c.action === 'SCMP_ACT_NOTIFY');
}

/** Checks the listener fields; returns the SECCOMP_LISTENER plan field, or undefined without notify rules. */
export function seccompListener(spec: Spec, c: ListenerContainer): Plan['seccompListener'] {
  const cfg = spec.linux?.seccomp;
  if (!cfg) return undefined;
  const path = cfg.listenerPath ?? '';
  // listenerMetadata without listenerPath is refused by the schema.
  // The spec: without SCMP_ACT_NOTIFY rules the path is ignored.
  if (!hasNotifyRules(cfg)) return undefined;
  if (path === '') throw configError(`${P}/listenerPath`, 'required with SCMP_ACT_NOTIFY rules');
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) throw configError(`${P}/listenerPath`, `longer than ${MAX_SOCKET_PATH} bytes: ${path}`);
  return { path, message: splitOnPid(processState(spec, c, cfg.listenerMetadata)) };
}

function processState(spec: Spec, c: ListenerContainer, metadata: string | undefined): (pid: number) => string {
  return (pid) =>
    JSON.stringify({
      ociVersion: OCI_VERSION,
      fds: ['seccompFd'],
      pid,
      metadata: metadata || undefined,
      state: {
        ociVersion: spec.ociVersion,
        id: c.id,
        status: c.status,
        pid,
        bundle: c.bundle,
        annotations: spec.annotations ?? {},
      },
    });
}

/** The JSON cut where the pid goes (twice): a sentinel pid that appears nowhere else marks the places. */
function splitOnPid(render: (pid: number) => string): string[] {
  for (let sentinel = 900000000001; ; sentinel += 7919) {
    const parts = render(sentinel).split(String(sentinel));
    if (parts.length === 3) return parts;
  }
}
