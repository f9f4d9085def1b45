// linux.netDevices → the host interfaces the parent moves into the init's
// network namespace (src/linux/netdev.ts). Name rules as the kernel's
// dev_valid_name (runc checks the same).
import type { LinuxNetDevice } from '../spec/config.js';
import { configError, pointerToken } from './config-error.js';
import type { NsType, Plan } from './types.js';

/** IFNAMSIZ - 1: the kernel keeps room for the NUL. */
const MAX_IFNAME = 15;

function validName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_IFNAME && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

export function compileNetDevices(devices: Readonly<Record<string, LinuxNetDevice>> | undefined, has: ReadonlySet<NsType>): Plan['netDevices'] {
  const entries = Object.entries(devices ?? {});
  if (entries.length === 0) return undefined;
  if (!has.has('net')) throw configError('/linux/netDevices', 'network devices cannot be moved without a network namespace');
  return entries.map(([hostName, d]) => {
    const at = `/linux/netDevices/${pointerToken(hostName)}`;
    if (!validName(hostName)) throw configError(at, `invalid network device name "${hostName}"`);
    const name = d.name || hostName;
    if (!validName(name)) throw configError(`${at}/name`, `invalid network device name "${name}"`);
    return { hostName, name };
  });
}
