// libseccomp through koffi: just the calls that build a filter and export it
// as raw BPF. Loaded lazily, like libc.ts: only create/run/exec with a
// seccomp profile pay for it.
import { closeSync, fstatSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { koffi } from '../linux/koffi.js';

/** An scmp_filter_ctx; only ever handed back to libseccomp. */
export type FilterCtx = { readonly brand: 'scmp_filter_ctx' };

/** enum scmp_filter_attr (libseccomp 2.5) */
export const SCMP_FLTATR_CTL_LOG = 6;
export const SCMP_FLTATR_CTL_SSB = 7;
export const SCMP_FLTATR_CTL_OPTIMIZE = 8;

/** seccomp_syscall_resolve_name() for a name this libseccomp does not know. */
export const NR_SCMP_ERROR = -1;

/** One comparison of struct scmp_arg_cmp. */
export interface ArgCmp {
  arg: number;
  op: number;
  datumA: bigint;
  datumB: bigint;
}

/** The libseccomp calls; int results are 0 or a negative errno, as in C. */
export interface Libseccomp {
  init(defaultAction: number): FilterCtx | null;
  release(ctx: FilterCtx): void;
  apiGet(): number;
  archNative(): number;
  archResolveName(name: string): number;
  archAdd(ctx: FilterCtx, arch: number): number;
  syscallResolveName(name: string): number;
  syscallResolveNameArch(arch: number, name: string): number;
  attrSet(ctx: FilterCtx, attr: number, value: number): number;
  ruleAdd(ctx: FilterCtx, action: number, syscall: number, args: ArgCmp[]): number;
  exportBpf(ctx: FilterCtx, fd: number): number;
  memfdCreate(name: string, flags: number): number;
  errno(): number;
}

const ARG_CMP_SIZE = 24; // unsigned int arg; enum op; u64 datum_a; u64 datum_b
const MFD_CLOEXEC = 1;

let cached: Libseccomp | undefined;

export function libseccomp(): Libseccomp {
  if (cached) return cached;
  const lib = koffi().load('libseccomp.so.2');
  const libc = koffi().load('libc.so.6');
  const ruleAddArray = lib.func(
    'int seccomp_rule_add_array(void *ctx, uint32_t action, int syscall, unsigned int arg_cnt, const void *arg_array)',
  );
  cached = {
    init: lib.func('void *seccomp_init(uint32_t def_action)'),
    release: lib.func('void seccomp_release(void *ctx)'),
    apiGet: lib.func('unsigned int seccomp_api_get(void)'),
    archNative: lib.func('uint32_t seccomp_arch_native(void)'),
    archResolveName: lib.func('uint32_t seccomp_arch_resolve_name(const char *arch_name)'),
    archAdd: lib.func('int seccomp_arch_add(void *ctx, uint32_t arch_token)'),
    syscallResolveName: lib.func('int seccomp_syscall_resolve_name(const char *name)'),
    syscallResolveNameArch: lib.func('int seccomp_syscall_resolve_name_arch(uint32_t arch_token, const char *name)'),
    attrSet: lib.func('int seccomp_attr_set(void *ctx, int attr, uint32_t value)'),
    ruleAdd: (ctx, action, syscall, args) =>
      ruleAddArray(ctx, action, syscall, args.length, args.length ? encodeArgs(args) : null),
    exportBpf: lib.func('int seccomp_export_bpf(void *ctx, int fd)'),
    memfdCreate: libc.func('int memfd_create(const char *name, unsigned int flags)'),
    errno: () => koffi().errno(),
  };
  return cached;
}

/** struct scmp_arg_cmp[] in native byte order. */
function encodeArgs(args: ArgCmp[]): Buffer {
  const buf = Buffer.alloc(args.length * ARG_CMP_SIZE);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = endianness() === 'LE';
  args.forEach((a, i) => {
    const at = i * ARG_CMP_SIZE;
    view.setUint32(at, a.arg, le);
    view.setUint32(at + 4, a.op, le);
    view.setBigUint64(at + 8, a.datumA, le);
    view.setBigUint64(at + 16, a.datumB, le);
  });
  return buf;
}

/**
 * The filter as raw struct sock_filter entries: seccomp_export_bpf writes to
 * an fd, so it goes through a memfd and is read back. Returns a negative
 * errno when libseccomp or memfd_create fails.
 */
export function exportProgram(ctx: FilterCtx): Uint8Array | number {
  const lib = libseccomp();
  const fd = lib.memfdCreate('tsrunc-seccomp', MFD_CLOEXEC);
  if (fd < 0) return -lib.errno();
  try {
    const rc = lib.exportBpf(ctx, fd);
    if (rc < 0) return rc;
    const size = fstatSync(fd).size;
    const program = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, program, done, size - done, done);
      if (n === 0) break;
      done += n;
    }
    return program.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/** "2.5.4", from seccomp_version(); "unknown" when libseccomp cannot be loaded. */
export function libseccompVersion(): string {
  try {
    const k = koffi();
    const lib = k.load('libseccomp.so.2');
    const version = k.struct('scmp_version', { major: 'unsigned int', minor: 'unsigned int', micro: 'unsigned int' });
    const get = lib.func('seccomp_version', k.pointer(version), []);
    const v = k.decode(get(), version) as { major: number; minor: number; micro: number };
    return `${v.major}.${v.minor}.${v.micro}`;
  } catch {
    return 'unknown';
  }
}
