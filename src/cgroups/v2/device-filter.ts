// cgroup v2 device rules: the OCI rules, read with cgroup v1's semantics (as runc does, so a
// config means the same on both), compiled into a BPF_PROG_TYPE_CGROUP_DEVICE program.
//
// v1 semantics: a rule of type "a" resets the cgroup to deny-all or allow-all; any other rule
// adds to or takes from the exceptions to that default, merging the access of rules with the
// same type:major:minor. The program then checks the exceptions (all of the opposite action)
// and falls through to the default. Like runc, a deny that would punch a hole into a wildcard
// exception is refused: v1 ignores it silently, which would leave the device usable.
// An allow matches an access it fully covers, a deny any access it overlaps (v1's matching).
import type { LinuxDeviceCgroup } from '../../spec/config.js';

/** struct bpf_cgroup_dev_ctx: access_type = access << 16 | type. */
const DEV_BLOCK = 1;
const DEV_CHAR = 2;
export const ACC_MKNOD = 1;
export const ACC_READ = 2;
export const ACC_WRITE = 4;
const ACC_ALL = ACC_MKNOD | ACC_READ | ACC_WRITE;

/** A rule the compiler cannot take; index is the rule's position in the list given. */
export class DeviceRuleError extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

/** One exception: type, major, minor (-1 = any) and the access bits it covers. */
export interface DeviceException {
  type: 'c' | 'b';
  major: number;
  minor: number;
  access: number;
}

export interface EmulatedDevices {
  defaultAllow: boolean;
  /** Sorted by major, minor, type (runc's order; the action is the same for all). */
  exceptions: DeviceException[];
}

/** "rwm" → access bits; undefined for an empty string or an unknown letter. */
/** As leniently as runc: r, w, m in any order, repeated or not; other letters ("rwa") are ignored. */
export function accessBits(access: string | undefined): number | undefined {
  let bits = 0;
  for (const ch of access ?? '') {
    if (ch === 'r') bits |= ACC_READ;
    else if (ch === 'w') bits |= ACC_WRITE;
    else if (ch === 'm') bits |= ACC_MKNOD;
  }
  return bits === 0 ? undefined : bits;
}

export function accessText(bits: number): string {
  return (bits & ACC_READ ? 'r' : '') + (bits & ACC_WRITE ? 'w' : '') + (bits & ACC_MKNOD ? 'm' : '');
}

function number(n: number | undefined): number {
  return n === undefined || n < 0 ? -1 : n;
}

function ruleText(e: Omit<DeviceException, 'access'>, access: number): string {
  const num = (n: number): string => (n < 0 ? '*' : String(n));
  return `${e.type} ${num(e.major)}:${num(e.minor)} ${accessText(access)}`;
}

/** Replays the rules on a deny-all cgroup, the way cgroup v1 would, and returns the result. */
export function emulateDeviceRules(rules: readonly LinuxDeviceCgroup[]): EmulatedDevices {
  let defaultAllow = false;
  let exceptions = new Map<string, DeviceException>();
  rules.forEach((rule, index) => {
    const access = accessBits(rule.access);
    if (access === undefined) throw new DeviceRuleError(index, `access ${JSON.stringify(rule.access ?? '')} must be one or more of r, w, m`);
    const type = rule.type ?? 'a';
    if (type === 'a') {
      defaultAllow = rule.allow;
      exceptions = new Map();
      return;
    }
    for (const [what, n] of [['major', rule.major], ['minor', rule.minor]] as const) {
      if (n !== undefined && n > 0xffffffff) throw new DeviceRuleError(index, `${what} ${n} is out of range`);
    }
    const meta = { type, major: number(rule.major), minor: number(rule.minor) };
    const key = (m: typeof meta): string => `${m.type} ${m.major}:${m.minor}`;
    const current = exceptions.get(key(meta));
    if (rule.allow === defaultAllow) {
      // takes access away from the exception with exactly this type:major:minor
      for (const wider of [
        { ...meta, major: -1 },
        { ...meta, minor: -1 },
        { ...meta, major: -1, minor: -1 },
      ]) {
        const w = exceptions.get(key(wider));
        if (key(wider) !== key(meta) && w && w.access & access) {
          throw new DeviceRuleError(
            index,
            `${ruleText(meta, access)} cannot be ${rule.allow ? 'allowed' : 'denied'} inside the ${rule.allow ? 'denied' : 'allowed'} wildcard ${ruleText(wider, w.access)}`,
          );
        }
      }
      const left = (current?.access ?? 0) & ~access;
      if (left) exceptions.set(key(meta), { ...meta, access: left });
      else exceptions.delete(key(meta));
    } else {
      exceptions.set(key(meta), { ...meta, access: (current?.access ?? 0) | access });
    }
  });
  const sorted = [...exceptions.values()].sort((a, b) => a.major - b.major || a.minor - b.minor || a.type.localeCompare(b.type));
  return { defaultAllow, exceptions: sorted };
}

// struct bpf_insn encoding (include/uapi/linux/bpf.h): code, dst_reg:4 | src_reg:4, off, imm.
const LDX_MEM_W = 0x61; // BPF_LDX | BPF_MEM | BPF_W
const ALU32_AND_K = 0x54; // BPF_ALU | BPF_AND | BPF_K
const ALU32_RSH_K = 0x74; // BPF_ALU | BPF_RSH | BPF_K
const ALU32_MOV_K = 0xb4; // BPF_ALU | BPF_MOV | BPF_K
const ALU32_MOV_X = 0xbc; // BPF_ALU | BPF_MOV | BPF_X
const JMP_JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JMP_JNE_K = 0x55; // BPF_JMP | BPF_JNE | BPF_K
const JMP_JNE_X = 0x5d; // BPF_JMP | BPF_JNE | BPF_X
const JMP_EXIT = 0x95; // BPF_JMP | BPF_EXIT
export const INSN_SIZE = 8;

interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  /** Jump to the end of the current rule's block (off is filled in once its length is known). */
  next?: boolean;
}

const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
const skipUnless = (code: number, dst: number, src: number, imm: number): Insn => ({ ...insn(code, dst, src, 0, imm), next: true });

/** One exception: if type, access, major and minor all match, return the exception's action. */
function ruleBlock(e: DeviceException, allow: boolean): Insn[] {
  const block: Insn[] = [skipUnless(JMP_JNE_K, 2, 0, e.type === 'c' ? DEV_CHAR : DEV_BLOCK)];
  if (e.access !== ACC_ALL) {
    // r1 = r3 & access. An allow must cover all the access asked for (r1 == r3); a deny takes
    // any overlap (r1 != 0), as v1 does: denying "r" also stops an O_RDWR open. runc's
    // program checks both like an allow, which lets O_RDWR through a read-only deny.
    block.push(insn(ALU32_MOV_X, 1, 3, 0, 0), insn(ALU32_AND_K, 1, 0, 0, e.access));
    block.push(allow ? skipUnless(JMP_JNE_X, 1, 3, 0) : skipUnless(JMP_JEQ_K, 1, 0, 0));
  }
  // imm is sign-extended to 64 bits: a number >= 2^31 then never matches, and no device has one
  if (e.major >= 0) block.push(skipUnless(JMP_JNE_K, 4, 0, e.major | 0));
  if (e.minor >= 0) block.push(skipUnless(JMP_JNE_K, 5, 0, e.minor | 0));
  block.push(insn(ALU32_MOV_K, 0, 0, 0, allow ? 1 : 0), insn(JMP_EXIT, 0, 0, 0, 0));
  block.forEach((x, i) => {
    if (x.next) x.off = block.length - i - 1;
  });
  return block;
}

/** The program for an emulated rule set: r2 = type, r3 = access, r4 = major, r5 = minor. */
export function deviceFilterProgram(devices: EmulatedDevices): Buffer {
  const insns: Insn[] = [
    insn(LDX_MEM_W, 2, 1, 0, 0),
    insn(ALU32_AND_K, 2, 0, 0, 0xffff),
    insn(LDX_MEM_W, 3, 1, 0, 0),
    insn(ALU32_RSH_K, 3, 0, 0, 16),
    insn(LDX_MEM_W, 4, 1, 4, 0),
    insn(LDX_MEM_W, 5, 1, 8, 0),
  ];
  for (const e of devices.exceptions) insns.push(...ruleBlock(e, !devices.defaultAllow));
  insns.push(insn(ALU32_MOV_K, 0, 0, 0, devices.defaultAllow ? 1 : 0), insn(JMP_EXIT, 0, 0, 0, 0));

  const buf = Buffer.alloc(insns.length * INSN_SIZE);
  insns.forEach((x, i) => {
    buf.writeUInt8(x.code, i * INSN_SIZE);
    buf.writeUInt8((x.src << 4) | x.dst, i * INSN_SIZE + 1);
    buf.writeInt16LE(x.off, i * INSN_SIZE + 2);
    buf.writeInt32LE(x.imm, i * INSN_SIZE + 4);
  });
  return buf;
}

/** Rules in order (config's, then runc's defaults) → struct bpf_insn[] for BPF_PROG_LOAD. */
export function compileDeviceFilter(rules: readonly LinuxDeviceCgroup[]): Buffer {
  return deviceFilterProgram(emulateDeviceRules(rules));
}
