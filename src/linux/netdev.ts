// linux.netDevices: the parent moves host interfaces into the init's network
// namespace once its pid is known, before the init's hooks and `ready`
// (runc: initProcess.setupNetworkDevices). The netlink work is C, in the
// stub binary's `netdev` program (nsexec/netdev.c): it enters the namespace
// to add the addresses back, which Node's threads could not.
import { createRequire } from 'node:module';
import { UserError } from '../errors.js';
import type { Plan } from '../plan/types.js';
import { stubExecutable } from './stub-binary.js';

// child_process costs every create ~3 ms to load: only when there are devices to move.
const nodeRequire = createRequire(import.meta.url);

export function moveNetDevices(initPid: number, devices: Plan['netDevices']): void {
  if (!devices?.length) return;
  const { spawnSync } = nodeRequire('node:child_process') as typeof import('node:child_process');
  const args = ['netdev', `/proc/${initPid}/ns/net`, ...devices.flatMap((d) => [d.hostName, d.name])];
  const r = spawnSync(stubExecutable(), args, { argv0: 'tsrunc-nsexec', encoding: 'utf8', env: {}, timeout: 30_000 });
  if (r.error) throw new UserError(`move network devices: ${r.error.message}`);
  if (r.status !== 0) {
    const line = r.stderr.trim().split('\n').pop() ?? '';
    throw new UserError(line.replace(/^tsrunc-nsexec netdev: /, '') || `move network devices: exited with ${r.status ?? r.signal}`);
  }
}
