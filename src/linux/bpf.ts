// bpf(2) for cgroup device filters: load a BPF_PROG_TYPE_CGROUP_DEVICE program and attach it
// to a cgroup directory. glibc has no bpf() wrapper, so this goes through syscall(2).
import { errnoText } from '../errors.js';
import { koffi } from './koffi.js';
import { errnoName } from './libc.js';

const SYS_BPF: Partial<Record<NodeJS.Architecture, number>> = {
  x64: 321,
  arm64: 280,
  riscv64: 280,
  loong64: 280,
  ia32: 357,
  arm: 386,
  ppc64: 361,
  s390x: 351,
};

const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
const BPF_F_ALLOW_MULTI = 2;
const INSN_SIZE = 8;
const LOG_SIZE = 64 << 10;

/** A failed bpf(2) call: which command, the errno name, and the verifier's last words if any. */
export class BpfError extends Error {
  constructor(
    readonly command: string,
    readonly code: string,
    readonly verifierLog?: string,
  ) {
    super(`${command}: ${errnoText(code)}${verifierLog ? ` (verifier: ${verifierLog})` : ''}`);
  }
}

type Syscall = (nr: number, ...typedArgs: unknown[]) => number;
let syscall: Syscall | undefined;

function bpf(cmd: number, attr: Buffer): number {
  const nr = SYS_BPF[process.arch];
  if (nr === undefined) throw new Error(`bpf(2): unknown syscall number on ${process.arch}`);
  syscall ??= koffi().load('libc.so.6').func('long syscall(long nr, ...)') as Syscall;
  return Number(syscall(nr, 'int', cmd, 'void *', attr, 'unsigned int', attr.length));
}

function lastErrno(): string {
  return errnoName(koffi().errno());
}

/** Loads insns (struct bpf_insn[]) as a cgroup device program; returns its fd. */
export function loadCgroupDeviceProgram(insns: Buffer, license: string, name: string): number {
  const licenseZ = Buffer.from(`${license}\0`);
  const log = Buffer.alloc(LOG_SIZE);
  const load = (withLog: boolean): number => {
    // union bpf_attr, BPF_PROG_LOAD part up to expected_attach_type (72 bytes)
    const attr = Buffer.alloc(72);
    attr.writeUInt32LE(BPF_PROG_TYPE_CGROUP_DEVICE, 0);
    attr.writeUInt32LE(insns.length / INSN_SIZE, 4);
    attr.writeBigUInt64LE(koffi().address(insns), 8);
    attr.writeBigUInt64LE(koffi().address(licenseZ), 16);
    if (withLog) {
      attr.writeUInt32LE(1, 24); // log_level
      attr.writeUInt32LE(LOG_SIZE, 28);
      attr.writeBigUInt64LE(koffi().address(log), 32);
    }
    attr.write(name.slice(0, 15), 48, 'latin1'); // prog_name, NUL-terminated by the zeroed buffer
    attr.writeUInt32LE(BPF_CGROUP_DEVICE, 68); // expected_attach_type
    return bpf(BPF_PROG_LOAD, attr);
  };
  const fd = load(false);
  if (fd >= 0) return fd;
  const code = lastErrno();
  // ask the verifier why, if it was the verifier that said no
  if (code === 'EINVAL' || code === 'EACCES') {
    load(true);
    const lines = log.toString('latin1', 0, log.indexOf(0)).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('processed '));
    throw new BpfError('BPF_PROG_LOAD', code, lines.at(-1));
  }
  throw new BpfError('BPF_PROG_LOAD', code);
}

/** Attaches a cgroup device program to the cgroup open at dirFd, next to any others (ALLOW_MULTI). */
export function attachCgroupDeviceProgram(dirFd: number, progFd: number): void {
  const attr = Buffer.alloc(20);
  attr.writeUInt32LE(dirFd, 0); // target_fd
  attr.writeUInt32LE(progFd, 4); // attach_bpf_fd
  attr.writeUInt32LE(BPF_CGROUP_DEVICE, 8);
  attr.writeUInt32LE(BPF_F_ALLOW_MULTI, 12);
  if (bpf(BPF_PROG_ATTACH, attr) !== 0) throw new BpfError('BPF_PROG_ATTACH', lastErrno());
}
