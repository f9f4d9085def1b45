// The -ENOSYS prefix runc puts in front of a seccomp filter (facts from
// runc's libcontainer/seccomp/patchbpf): a syscall numbered above every
// syscall the profile names, for an architecture it lists, returns ENOSYS
// instead of the profile's default action. A profile written before a
// syscall existed then makes libc fall back (clone3 → clone, faccessat2 →
// faccessat, …) instead of failing with EPERM, and unknown numbers behave as
// on a kernel without them. Pure: the numbers come from the caller.

/** AUDIT_ARCH_X86_64: x86_64 and x32 share it; x32 syscall numbers have bit 30 set. */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;

/** Largest syscall number the profile names for one audit architecture. */
export interface ArchLimit {
  /** The AUDIT_ARCH_* value in seccomp_data.arch. */
  audit: number;
  /** For numbers without the x32 bit (every architecture); absent = not listed. */
  max?: number;
  /** x86_64 only: for numbers with the x32 bit (already included in the value). */
  maxX32?: number;
}

const SECCOMP_RET_ERRNO = 0x00050000;
const ENOSYS = 38;
const RET_ENOSYS = (SECCOMP_RET_ERRNO | ENOSYS) >>> 0;

// classic BPF opcodes
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGT_K = 0x25;
const JSET_K = 0x45;
const JA = 0x05;
const RET_K = 0x06;
/** struct seccomp_data offsets */
const OFF_NR = 0;
const OFF_ARCH = 4;

type Target = 'enosys' | 'filter' | 'next' | 'x32';
interface Insn {
  code: number;
  k: number;
  jt?: Target;
  jf?: Target;
  /** for JA */
  to?: Target;
  /** this instruction is the block's x32 check (target "x32") */
  isX32?: boolean;
}

/**
 * The stub as struct sock_filter entries (8 bytes each, host byte order), to
 * be put in front of the profile's program; it falls through to the program
 * for everything it does not answer. Empty when no architecture has a limit.
 */
export function enosysStub(limits: readonly ArchLimit[], littleEndian = true): Uint8Array {
  const groups = limits.filter((l) => l.max !== undefined || l.maxX32 !== undefined);
  if (groups.length === 0) return new Uint8Array(0);

  // One block per architecture: compare the arch, then the number. Every block
  // ends in a jump to "enosys" or "filter", so the next block always starts
  // with the arch still in A.
  const blocks: Insn[][] = groups.map((g) => {
    const b: Insn[] = [{ code: JEQ_K, k: g.audit, jf: 'next' }, { code: LD_W_ABS, k: OFF_NR }];
    if (g.audit === AUDIT_ARCH_X86_64) {
      // x32 numbers carry bit 30; one listed half must not limit the other
      b.push({ code: JSET_K, k: X32_SYSCALL_BIT, jt: g.maxX32 !== undefined ? 'x32' : 'filter' });
      b.push(g.max !== undefined ? { code: JGT_K, k: g.max, jt: 'enosys', jf: 'filter' } : { code: JA, k: 0, to: 'filter' });
      if (g.maxX32 !== undefined) b.push({ code: JGT_K, k: g.maxX32 >>> 0, jt: 'enosys', jf: 'filter', isX32: true });
    } else {
      b.push({ code: JGT_K, k: g.max!, jt: 'enosys', jf: 'filter' });
    }
    return b;
  });

  const insns: Insn[] = [{ code: LD_W_ABS, k: OFF_ARCH }];
  const blockStart: number[] = [];
  const x32At: number[] = [];
  for (const b of blocks) {
    blockStart.push(insns.length);
    for (const insn of b) {
      if (insn.isX32) x32At[blockStart.length - 1] = insns.length;
      insns.push(insn);
    }
  }
  const fallThrough = insns.length;
  insns.push({ code: JA, k: 0, to: 'filter' });
  const enosysAt = insns.length;
  insns.push({ code: RET_K, k: RET_ENOSYS });
  const filterAt = insns.length;

  const out = new Uint8Array(insns.length * 8);
  const view = new DataView(out.buffer);
  let block = -1;
  insns.forEach((insn, pc) => {
    if (blockStart.includes(pc)) block = blockStart.indexOf(pc);
    const where = (t: Target | undefined): number => {
      if (t === undefined) return pc + 1;
      if (t === 'enosys') return enosysAt;
      if (t === 'filter') return filterAt;
      if (t === 'x32') return x32At[block];
      return block + 1 < blockStart.length ? blockStart[block + 1] : fallThrough;
    };
    const rel = (t: Target | undefined): number => {
      const d = where(t) - (pc + 1);
      if (d < 0 || d > 255) throw new Error(`seccomp ENOSYS stub: jump of ${d}`);
      return d;
    };
    const code = insn.code;
    const isCond = code === JEQ_K || code === JGT_K || code === JSET_K;
    view.setUint16(pc * 8, code, littleEndian);
    out[pc * 8 + 2] = isCond ? rel(insn.jt) : 0;
    out[pc * 8 + 3] = isCond ? rel(insn.jf) : 0;
    view.setUint32(pc * 8 + 4, code === JA ? where(insn.to) - (pc + 1) : insn.k >>> 0, littleEndian);
  });
  return out;
}

/** libseccomp's SCMP_ARCH_X32 token (EM_X86_64 | __AUDIT_ARCH_LE): not an AUDIT_ARCH value. */
export const SCMP_ARCH_X32_TOKEN = 0x4000003e;

/**
 * The limits for the listed architectures (libseccomp tokens): per token the
 * largest number `resolve` gives for the profile's names (negative = not a
 * syscall there). A token with no known name gets no limit and is reported.
 */
export function archLimits(
  tokens: readonly number[],
  names: readonly string[],
  resolve: (token: number, name: string) => number,
  warn: (token: number) => void,
): ArchLimit[] {
  const byAudit = new Map<number, ArchLimit>();
  for (const token of new Set(tokens)) {
    let max = -1;
    for (const name of names) max = Math.max(max, resolve(token, name));
    if (max < 0) {
      warn(token);
      continue;
    }
    const x32 = token === SCMP_ARCH_X32_TOKEN;
    const audit = x32 ? AUDIT_ARCH_X86_64 : token >>> 0;
    const limit = byAudit.get(audit) ?? { audit };
    if (x32) limit.maxX32 = max;
    else limit.max = max;
    byAudit.set(audit, limit);
  }
  return [...byAudit.values()];
}
