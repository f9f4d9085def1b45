// How the stub's init joins the container's cgroups (record CGROUP_JOIN): stage 0
// does it itself, before any namespace change, in the way that avoids the kernel's
// RCU grace period of a cgroup.procs write (~10 ms, nsexec/cgroup_join.c).
import type { Plan } from './types.js';
import { CLONE_NEWCGROUP } from './namespaces.js';

/**
 * dirs: the cgroup manager's directory per controller ("" = the v2 one). v1: stage 0
 * writes "0" to `tasks` (it is single-threaded). v2: the init is cloned into it,
 * unless stage 0 changes its user or cgroup namespace first, which the kernel checks
 * the clone against: then stage 0 joins through cgroup.procs before those changes.
 */
export function cgroupJoins(dirs: Readonly<Record<string, string>>, plan: Plan): NonNullable<Plan['cgroupJoin']> {
  const v1 = [...new Set(Object.entries(dirs).filter(([c]) => c !== '').map(([, d]) => d))];
  const joins: NonNullable<Plan['cgroupJoin']> = v1.map((dir) => ({ how: 'tasks', dir }));
  const v2 = dirs[''];
  if (v2 !== undefined) {
    const nsChange =
      plan.userNsNew || (plan.nsUnshare & CLONE_NEWCGROUP) !== 0 || plan.nsJoin.some((n) => n.type === 'user' || n.type === 'cgroup');
    joins.push({ how: nsChange ? 'procs' : 'clone', dir: v2 });
  }
  return joins;
}
