// Config fields that are valid per the spec but that tsrunc does not implement yet.
// Refusing them beats silently running a container without what was asked for.
// When a feature lands, delete its line.
import type { Spec } from './config.js';

/** Returns the JSON pointers of the unsupported parts a config uses. */
type Finder = (spec: Spec) => string[];

/** Set (anything but undefined, or an empty string where that means "unset"). */
const set = (pointer: string, get: (spec: Spec) => unknown): Finder => (spec) => {
  const v = get(spec);
  return v === undefined || v === '' ? [] : [pointer];
};

const idmappedMounts: Finder = (spec) =>
  (spec.mounts ?? []).flatMap((m, i) => [
    ...(m.uidMappings ? [`/mounts/${i}/uidMappings`] : []),
    ...(m.gidMappings ? [`/mounts/${i}/gidMappings`] : []),
  ]);

// The filter is compiled, but nothing passes the listener fd to listenerPath yet.
const seccompNotify: Finder = (spec) =>
  (spec.linux?.seccomp?.syscalls ?? []).flatMap((c, i) =>
    c.action === 'SCMP_ACT_NOTIFY' ? [`/linux/seccomp/syscalls/${i}/action: SCMP_ACT_NOTIFY`] : [],
  );

export const UNSUPPORTED: Finder[] = [
  set('/linux/intelRdt', (s) => s.linux?.intelRdt),
  seccompNotify,
  set('/linux/personality', (s) => s.linux?.personality),
  set('/process/scheduler', (s) => s.process?.scheduler),
  set('/process/ioPriority', (s) => s.process?.ioPriority),
  set('/process/execCPUAffinity', (s) => s.process?.execCPUAffinity),
  set('/linux/netDevices', (s) => (Object.keys(s.linux?.netDevices ?? {}).length ? s.linux?.netDevices : undefined)),
  set('/linux/memoryPolicy', (s) => s.linux?.memoryPolicy),
  set('/process/apparmorProfile', (s) => s.process?.apparmorProfile),
  set('/process/selinuxLabel', (s) => s.process?.selinuxLabel),
  set('/linux/mountLabel', (s) => s.linux?.mountLabel),
  idmappedMounts,
];

/** One "config.json: <pointer>: not supported by tsrunc" line per unsupported part in use. */
export function checkSupported(spec: Spec, file = 'config.json'): string[] {
  return UNSUPPORTED.flatMap((find) => find(spec)).map((p) => `${file}: ${p}: not supported by tsrunc`);
}
