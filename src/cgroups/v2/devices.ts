// v2 devices: the same rules as v1 (deny all, the config's rules, runc's default allow list),
// enforced by an eBPF program attached to the cgroup directory instead of devices.allow/deny.
import { closeSync, constants, openSync } from 'node:fs';
import type { LinuxDeviceCgroup } from '../../spec/config.js';
import { describeSystemError } from '../../errors.js';
import { attachCgroupDeviceProgram, BpfError, loadCgroupDeviceProgram } from '../../linux/bpf.js';
import { fieldError, type ApplyContext } from '../fs.js';
import { DEFAULT_DEVICE_RULES } from '../v1/devices.js';
import { compileDeviceFilter, DeviceRuleError } from './device-filter.js';

/** The full rule list in runc's order; specPaths (linux.devices) drop the default rule of the same path. */
export function deviceRulesV2(rules: readonly LinuxDeviceCgroup[], specPaths: readonly string[]): LinuxDeviceCgroup[] {
  const defaults = DEFAULT_DEVICE_RULES.filter((d) => d.path === undefined || !specPaths.includes(d.path));
  return [{ allow: false, type: 'a', access: 'rwm' }, ...rules, ...defaults.map(({ path: _, ...rule }) => rule)];
}

export function applyDevicesV2(dir: string, rules: readonly LinuxDeviceCgroup[], ctx: ApplyContext, specPaths: readonly string[] = []): void {
  rules.forEach((rule, i) => {
    if (!rule.access) throw fieldError(ctx, `devices/${i}/access`, 'must not be empty');
  });
  let insns: Buffer;
  try {
    insns = compileDeviceFilter(deviceRulesV2(rules, specPaths));
  } catch (err) {
    if (!(err instanceof DeviceRuleError)) throw err;
    // index 0 is the leading deny-all; past the config's rules come the defaults
    const i = err.index - 1;
    throw fieldError(ctx, i >= 0 && i < rules.length ? `devices/${i}` : 'devices', err.message);
  }
  let dirFd: number;
  try {
    dirFd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (err) {
    throw new Error(describeSystemError(`open ${dir}`, err));
  }
  try {
    const progFd = loadCgroupDeviceProgram(insns, 'Apache', 'tsrunc_devices');
    try {
      attachCgroupDeviceProgram(dirFd, progFd);
    } finally {
      closeSync(progFd); // the attachment keeps the program alive, until the cgroup goes
    }
  } catch (err) {
    if (err instanceof BpfError) throw fieldError(ctx, 'devices', `device filter for ${dir}: ${err.message}`);
    throw err;
  } finally {
    closeSync(dirFd);
  }
}
