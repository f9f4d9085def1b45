// v1 devices: runc's order, deny everything, then the config's rules in order, then
// runc's default allow list (so a config cannot lock the container out of /dev/null).
import type { LinuxDeviceCgroup } from '../../spec/config.js';
import { accessBits, accessText } from '../v2/device-filter.js';
import { fieldError, writeCgroupFile, writeField, reason, type ApplyContext } from '../fs.js';

/**
 * mknod of anything, plus the devices every container gets (runc's AllowedDevices). A rule
 * with a path gives way to a linux.devices entry of the same path, as in runc: the config
 * then decides (through linux.resources.devices) whether that node may be used.
 */
export const DEFAULT_DEVICE_RULES: readonly (LinuxDeviceCgroup & { path?: string })[] = [
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm', path: '/dev/null' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm', path: '/dev/random' },
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm', path: '/dev/full' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm', path: '/dev/tty' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm', path: '/dev/zero' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm', path: '/dev/urandom' },
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // /dev/pts/*
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // /dev/ptmx
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }, // /dev/net/tun, kept by runc for compatibility
];

/** "c 1:3 rwm"; a missing or negative major/minor is the wildcard "*". */
export function deviceRuleLine(rule: LinuxDeviceCgroup): string {
  const num = (n: number | undefined): string => (n === undefined || n < 0 ? '*' : String(n));
  // the kernel takes only "rwm" letters, each once: runc's lenient forms ("rwa", "mrr") are normalized
  return `${rule.type ?? 'a'} ${num(rule.major)}:${num(rule.minor)} ${accessText(accessBits(rule.access) ?? 0)}`;
}

/** specPaths: the paths of linux.devices, which replace the default rule for the same path. */
export function applyDevices(dir: string, rules: readonly LinuxDeviceCgroup[], ctx: ApplyContext, specPaths: readonly string[] = []): void {
  rules.forEach((rule, i) => {
    if (accessBits(rule.access) === undefined) throw fieldError(ctx, `devices/${i}/access`, `${JSON.stringify(rule.access ?? '')} must contain r, w or m`);
  });
  writeField(ctx, 'devices', dir, 'devices.deny', 'a');
  rules.forEach((rule, i) =>
    writeField(ctx, `devices/${i}`, dir, rule.allow ? 'devices.allow' : 'devices.deny', deviceRuleLine(rule)),
  );
  for (const rule of DEFAULT_DEVICE_RULES) {
    if (rule.path !== undefined && specPaths.includes(rule.path)) continue;
    try {
      writeCgroupFile(dir, 'devices.allow', deviceRuleLine(rule));
    } catch (err) {
      throw new Error(`devices.allow ${JSON.stringify(deviceRuleLine(rule))}: ${reason(err)}`);
    }
  }
}
