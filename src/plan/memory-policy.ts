// linux.memoryPolicy (runtime-spec 1.3) → the set_mempolicy(2) arguments the
// init passes before execve. Names and checks follow the kernel's uapi
// (include/uapi/linux/mempolicy.h) and runc's validator: which modes need nodes.
import type { LinuxMemoryPolicy, MemoryPolicyFlag, MemoryPolicyMode } from '../spec/config.js';
import { configError } from './config-error.js';
import type { PlanMemoryPolicy } from './types.js';

/** Mode numbers of include/uapi/linux/mempolicy.h; the type makes sure none is forgotten. */
export const MEMPOLICY_MODES: Readonly<Record<MemoryPolicyMode, number>> = {
  MPOL_DEFAULT: 0,
  MPOL_PREFERRED: 1,
  MPOL_BIND: 2,
  MPOL_INTERLEAVE: 3,
  MPOL_LOCAL: 4,
  MPOL_PREFERRED_MANY: 5,
  MPOL_WEIGHTED_INTERLEAVE: 6,
};

/** Mode flags, or-ed into the mode argument. */
export const MEMPOLICY_FLAGS: Readonly<Record<MemoryPolicyFlag, number>> = {
  MPOL_F_STATIC_NODES: 1 << 15,
  MPOL_F_RELATIVE_NODES: 1 << 14,
  MPOL_F_NUMA_BALANCING: 1 << 13,
};

/** The kernel's largest MAX_NUMNODES (NODES_SHIFT 10); the stub's node mask has this many bits. */
export const MAX_NUMA_NODES = 1024;

const NO_NODES: ReadonlySet<MemoryPolicyMode> = new Set(['MPOL_DEFAULT', 'MPOL_LOCAL']);
const NEED_NODES: ReadonlySet<MemoryPolicyMode> = new Set(['MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_PREFERRED_MANY', 'MPOL_WEIGHTED_INTERLEAVE']);

/** A node list ("0-3,7") → sorted node numbers; empty text = no nodes. */
export function parseNodeList(text: string, at: string): number[] {
  if (text.trim() === '') return [];
  const nodes = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw configError(at, `bad NUMA node list "${text}"`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw configError(at, `bad NUMA node range "${part.trim()}" in "${text}"`);
    if (to >= MAX_NUMA_NODES) throw configError(at, `NUMA node ${to} is above the maximum of ${MAX_NUMA_NODES - 1}`);
    for (let n = from; n <= to; n++) nodes.add(n);
  }
  return [...nodes].sort((a, b) => a - b);
}

export function compileMemoryPolicy(p: LinuxMemoryPolicy | undefined, at = '/linux/memoryPolicy'): PlanMemoryPolicy | undefined {
  if (p === undefined) return undefined;
  const mode = MEMPOLICY_MODES[p.mode];
  if (mode === undefined) throw configError(`${at}/mode`, `unknown memory policy mode "${p.mode}"`);
  const nodes = parseNodeList(p.nodes ?? '', `${at}/nodes`);
  if (NO_NODES.has(p.mode) && nodes.length > 0) throw configError(`${at}/nodes`, `${p.mode} takes no nodes, got "${p.nodes}"`);
  if (NEED_NODES.has(p.mode) && nodes.length === 0) throw configError(`${at}/nodes`, `${p.mode} needs at least one node`);
  let flags = 0;
  (p.flags ?? []).forEach((f, i) => {
    const bit = MEMPOLICY_FLAGS[f];
    if (bit === undefined) throw configError(`${at}/flags/${i}`, `unknown memory policy flag "${f}"`);
    flags |= bit;
  });
  // the kernel refuses both at once (EINVAL); say so by name instead
  if (flags & MEMPOLICY_FLAGS.MPOL_F_STATIC_NODES && flags & MEMPOLICY_FLAGS.MPOL_F_RELATIVE_NODES) {
    throw configError(`${at}/flags`, 'MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other');
  }
  return { mode: mode | flags, nodes };
}
