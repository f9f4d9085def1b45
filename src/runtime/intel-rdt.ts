// linux.intelRdt for create: checked before anything is made (as runc's
// validator), the group made after the cgroup, the stub joined to it before
// the plan is sent (the init and its children inherit it).
import type { Spec } from '../spec/config.js';
import { planIntelRdt } from '../plan/intel-rdt.js';
import { hostResctrl, makeGroup } from '../linux/resctrl.js';
import type { IntelRdtState } from '../state/container-state.js';

export interface PreparedIntelRdt {
  /** Makes the group (schemata, MON group); undo with undoGroup. */
  make(): IntelRdtState;
}

/** undefined without linux.intelRdt (then resctrl is never touched); throws a config error when the host cannot do it. */
export function prepareIntelRdt(spec: Spec, id: string, mountinfo?: string): PreparedIntelRdt | undefined {
  const rdt = spec.linux?.intelRdt;
  if (!rdt) return undefined;
  const plan = planIntelRdt(rdt, id, hostResctrl(mountinfo));
  return { make: () => makeGroup(plan) };
}
