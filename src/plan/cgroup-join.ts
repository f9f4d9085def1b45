// How the stub's init joins the container's cgroups (record CGROUP_JOIN): stage 0
// does it itself, before any namespace change, in the way that avoids the kernel's
// RCU grace period of a cgroup.procs write (~10 ms, nsexec/cgroup_join.c).
import type { Plan } from './types.js';
import { CLONE_NEWCGROUP } from './namespaces.js';

/**
 * dirs: the cgroup manager's directory per controller ("" = the v2 one). v1: stage 0
 * writes "0" to `tasks` (it is single-threaded). v2: the init is cloned into it
 * (`clone`), also when the only namespace change the kernel checks the clone against is a
 * new cgroup namespace: then the clone makes it (`clone-newcgroup`: clone3 with
 * CLONE_NEWCGROUP, and the kernel roots the namespace at the target cgroup). When stage 0
 * changes its user namespace or joins another cgroup namespace first, it joins through
 * cgroup.procs before those changes (`procs`).
 */
export function cgroupJoins(dirs: Readonly<Record<string, string>>, plan: Plan): NonNullable<Plan['cgroupJoin']> {
  const v1 = [...new Set(Object.entries(dirs).filter(([c]) => c !== '').map(([, d]) => d))];
  const joins: NonNullable<Plan['cgroupJoin']> = v1.map((dir) => ({ how: 'tasks', dir }));
  const v2 = dirs[''];
  if (v2 !== undefined) {
    const nsChange = plan.userNsNew || plan.nsJoin.some((n) => n.type === 'user' || n.type === 'cgroup');
    const how = nsChange ? 'procs' : (plan.nsUnshare & CLONE_NEWCGROUP) !== 0 ? 'clone-newcgroup' : 'clone';
    joins.push({ how, dir: v2 });
  }
  return joins;
}

/** The plan's CGROUP_JOIN records, and its NS_UNSHARE without CLONE_NEWCGROUP when the clone makes that namespace. */
export function cgroupJoinPlan(dirs: Readonly<Record<string, string>>, plan: Plan): Pick<Plan, 'cgroupJoin' | 'nsUnshare'> {
  const cgroupJoin = cgroupJoins(dirs, plan);
  const cloneMakesNs = cgroupJoin.some((j) => j.how === 'clone-newcgroup');
  return { cgroupJoin, nsUnshare: cloneMakesNs ? plan.nsUnshare & ~CLONE_NEWCGROUP : plan.nsUnshare };
}
