// linux.seccomp → BPF. The programs are run through a small classic-BPF
// interpreter here, so each test checks what the kernel would decide for a
// given syscall, without loading anything.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSeccomp } from '../../src/seccomp/compile.js';
import { libseccomp } from '../../src/seccomp/libseccomp.js';
import type { LinuxSeccomp, LinuxSeccompArch, Spec } from '../../src/spec/config.js';
import { checkSupported } from '../../src/spec/unsupported.js';
import { userErrorMessage } from '../lib/user-error.js';

const ALLOW = 0x7fff0000;
const KILL_THREAD = 0;
const KILL_PROCESS = 0x80000000;
const TRAP = 0x00030000;
const LOG = 0x7ffc0000;
const NOTIFY = 0x7fc00000;
const errno = (e: number) => 0x00050000 | e;
const trace = (v: number) => 0x7ff00000 | v;
const EPERM = 1;
const EACCES = 13;

const lib = libseccomp();
const NATIVE = lib.archNative();
const nr = (name: string) => {
  const n = lib.syscallResolveName(name);
  if (n < 0) throw new Error(`no syscall ${name}`);
  return n;
};

/** What the filter returns for one syscall (struct seccomp_data, args as u64). */
function run(program: Uint8Array, syscall: string | number, args: (number | bigint)[] = [], arch = NATIVE): number {
  const data = Buffer.alloc(64);
  data.writeInt32LE(typeof syscall === 'string' ? nr(syscall) : syscall, 0);
  data.writeUInt32LE(arch, 4);
  args.forEach((a, i) => data.writeBigUInt64LE(BigInt(a), 16 + 8 * i));
  const prog = Buffer.from(program.buffer, program.byteOffset, program.byteLength);
  const mem = new Array<number>(16).fill(0);
  let A = 0;
  let X = 0;
  for (let pc = 0; pc * 8 < prog.length; pc++) {
    const code = prog.readUInt16LE(pc * 8);
    const jt = prog[pc * 8 + 2];
    const jf = prog[pc * 8 + 3];
    const k = prog.readUInt32LE(pc * 8 + 4);
    const src = code & 0x08 ? X : k;
    switch (code & 0x07) {
      case 0x00: // LD
        if ((code & 0xe0) === 0x20) A = data.readUInt32LE(k);
        else if ((code & 0xe0) === 0x60) A = mem[k];
        else if ((code & 0xe0) === 0x00) A = k;
        else throw new Error(`ld 0x${code.toString(16)}`);
        break;
      case 0x01: // LDX
        X = (code & 0xe0) === 0x60 ? mem[k] : k;
        break;
      case 0x02: // ST
        mem[k] = A;
        break;
      case 0x03: // STX
        mem[k] = X;
        break;
      case 0x04: { // ALU
        const ops: Record<number, (a: number, b: number) => number> = {
          0x00: (a, b) => a + b, 0x10: (a, b) => a - b, 0x40: (a, b) => a | b,
          0x50: (a, b) => a & b, 0x60: (a, b) => a << b, 0x70: (a, b) => a >>> b,
        };
        const op = ops[code & 0xf0];
        if (!op) throw new Error(`alu 0x${code.toString(16)}`);
        A = op(A, src) >>> 0;
        break;
      }
      case 0x05: { // JMP
        const op = code & 0xf0;
        if (op === 0x00) {
          pc += k;
          break;
        }
        const taken = op === 0x10 ? A === src : op === 0x20 ? A > src : op === 0x30 ? A >= src : (A & src) !== 0;
        pc += taken ? jt : jf;
        break;
      }
      case 0x06: // RET
        return (code & 0x18) === 0x10 ? A : k;
      case 0x07: // MISC
        if (code & 0x80) A = X;
        else X = A;
        break;
    }
  }
  throw new Error('program ran off its end');
}

function compile(cfg: LinuxSeccomp, warnings: string[] = []) {
  return compileSeccomp(cfg, { warn: (m) => warnings.push(m) });
}

test('a small profile compiles to whole sock_filter entries', () => {
  const { program } = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd', 'chmod'], action: 'SCMP_ACT_ERRNO' }] });
  assert.ok(program.length > 0);
  assert.is(program.length % 8, 0);
  assert.is(run(program, 'getcwd'), errno(EPERM));
  assert.is(run(program, 'chmod'), errno(EPERM));
  assert.is(run(program, 'getpid'), ALLOW);
});

test('errnoRet and defaultErrnoRet', () => {
  const p = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 38,
    syscalls: [
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: EACCES },
      { names: ['getpid'], action: 'SCMP_ACT_ALLOW' },
    ],
  }).program;
  assert.is(run(p, 'mkdir'), errno(EACCES));
  assert.is(run(p, 'getpid'), ALLOW);
  assert.is(run(p, 'getcwd'), errno(38));
  const q = compile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ALLOW' }] }).program;
  assert.is(run(q, 'getcwd'), errno(EPERM));
});

test('every action', () => {
  const cases: [LinuxSeccomp['defaultAction'], number][] = [
    ['SCMP_ACT_KILL', KILL_THREAD],
    ['SCMP_ACT_KILL_THREAD', KILL_THREAD],
    ['SCMP_ACT_KILL_PROCESS', KILL_PROCESS],
    ['SCMP_ACT_TRAP', TRAP],
    ['SCMP_ACT_ERRNO', errno(EPERM)],
    ['SCMP_ACT_TRACE', trace(EPERM)],
    ['SCMP_ACT_LOG', LOG],
    ['SCMP_ACT_NOTIFY', NOTIFY],
  ];
  for (const [action, value] of cases) {
    const p = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action }] }).program;
    assert.is(run(p, 'getppid'), value >>> 0, action);
    assert.is(run(p, 'getpid'), ALLOW, action);
  }
  const t = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getppid'], action: 'SCMP_ACT_TRACE', errnoRet: 7 }] });
  assert.is(run(t.program, 'getppid'), trace(7));
});

test('argument conditions: different indexes AND, same index OR (like runc)', () => {
  const dirfd = 3;
  const and = compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{
      names: ['mkdirat'],
      action: 'SCMP_ACT_ERRNO',
      args: [{ index: 0, value: dirfd, op: 'SCMP_CMP_EQ' }, { index: 2, value: 0o700, op: 'SCMP_CMP_EQ' }],
    }],
  }).program;
  assert.is(run(and, 'mkdirat', [dirfd, 0, 0o700]), errno(EPERM));
  assert.is(run(and, 'mkdirat', [dirfd, 0, 0o755]), ALLOW);
  assert.is(run(and, 'mkdirat', [4, 0, 0o700]), ALLOW);

  const or = compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{
      names: ['mkdirat'],
      action: 'SCMP_ACT_ERRNO',
      args: [{ index: 2, value: 0o700, op: 'SCMP_CMP_EQ' }, { index: 2, value: 0o711, op: 'SCMP_CMP_EQ' }],
    }],
  }).program;
  assert.is(run(or, 'mkdirat', [dirfd, 0, 0o700]), errno(EPERM));
  assert.is(run(or, 'mkdirat', [dirfd, 0, 0o711]), errno(EPERM));
  assert.is(run(or, 'mkdirat', [dirfd, 0, 0o755]), ALLOW);
});

test('operators, masked equality and 64-bit values', () => {
  const rule = (op: string, value: number, valueTwo?: number) =>
    compile({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value, valueTwo, op: op as 'SCMP_CMP_EQ' }] }],
    }).program;
  const hit = errno(EPERM);
  const ne = rule('SCMP_CMP_NE', 8);
  assert.is(run(ne, 'personality', [8]), ALLOW);
  assert.is(run(ne, 'personality', [9]), hit);
  const lt = rule('SCMP_CMP_LT', 8);
  assert.is(run(lt, 'personality', [7]), hit);
  assert.is(run(lt, 'personality', [8]), ALLOW);
  const le = rule('SCMP_CMP_LE', 8);
  assert.is(run(le, 'personality', [8]), hit);
  assert.is(run(le, 'personality', [9]), ALLOW);
  const ge = rule('SCMP_CMP_GE', 8);
  assert.is(run(ge, 'personality', [8]), hit);
  assert.is(run(ge, 'personality', [7]), ALLOW);
  const gt = rule('SCMP_CMP_GT', 0x1_0000_0000);
  assert.is(run(gt, 'personality', [0x1_0000_0001]), hit);
  assert.is(run(gt, 'personality', [0xffff_ffff]), ALLOW);
  // value is the mask, valueTwo what the masked argument must equal.
  const masked = rule('SCMP_CMP_MASKED_EQ', 0x10000000, 0x10000000);
  assert.is(run(masked, 'personality', [0x10000001]), hit);
  assert.is(run(masked, 'personality', [0x00000001]), ALLOW);
});

test('unknown syscall names are skipped with a warning, the rest of the rule stays', () => {
  const warnings: string[] = [];
  const { program } = compile(
    { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['no_such_syscall', 'getcwd'], action: 'SCMP_ACT_ERRNO' }] },
    warnings,
  );
  assert.equal(warnings, ['config.json: /linux/seccomp/syscalls/0/names/0: unknown syscall "no_such_syscall" ignored']);
  assert.is(run(program, 'getcwd'), errno(EPERM));
});

test('a rule with the default action is skipped', () => {
  const { program } = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['getcwd'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM },
      { names: ['getpid'], action: 'SCMP_ACT_ALLOW' },
      { names: ['getppid'], action: 'SCMP_ACT_ERRNO' },
    ],
  });
  assert.is(run(program, 'getpid'), ALLOW);
  assert.is(run(program, 'getcwd'), errno(EPERM));
});

// Syscall and audit-arch numbers below are x86's.
if (process.arch === 'x64') test('architectures: listed ones are matched, others killed', () => {
  const AUDIT_ARCH_I386 = 0x40000003;
  const AUDIT_ARCH_AARCH64 = 0xc00000b7;
  const I386_GETCWD = 183;
  const cfg: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO' }] };
  const nativeOnly = compile(cfg).program;
  assert.is(run(nativeOnly, I386_GETCWD, [], AUDIT_ARCH_I386), KILL_THREAD);
  const multi = compile({ ...cfg, architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_X86'] }).program;
  assert.is(run(multi, I386_GETCWD, [], AUDIT_ARCH_I386), errno(EPERM));
  assert.is(run(multi, 20 /* i386 getpid */, [], AUDIT_ARCH_I386), ALLOW);
  assert.is(run(multi, 'getcwd'), errno(EPERM));
  assert.is(run(multi, 'getcwd', [], AUDIT_ARCH_AARCH64), KILL_THREAD);
});

test('a bad architecture is a user error naming its index', () => {
  const msg = userErrorMessage(() =>
    compile({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_BOGUS' as LinuxSeccompArch] }),
  );
  assert.is(msg, 'config.json: /linux/seccomp/architectures/1: unknown architecture "SCMP_ARCH_BOGUS"');
});

test('errnoRet on an action without an errno is refused (spec: MUST fail)', () => {
  assert.is(
    userErrorMessage(() => compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_KILL', errnoRet: 1 }] })),
    'config.json: /linux/seccomp/syscalls/0/errnoRet: SCMP_ACT_KILL does not take an errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)',
  );
  assert.match(userErrorMessage(() => compile({ defaultAction: 'SCMP_ACT_ALLOW', defaultErrnoRet: 1 })), /^config.json: \/linux\/seccomp\/defaultErrnoRet: /);
});

test('bad operators, indexes and values are user errors', () => {
  const withArg = (arg: object) => () =>
    compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO', args: [arg as never] }] });
  assert.match(userErrorMessage(withArg({ index: 6, value: 0, op: 'SCMP_CMP_EQ' })), /\/syscalls\/0\/args\/0\/index: must be 0 to 5/);
  assert.match(userErrorMessage(withArg({ index: 0, value: 0, op: 'SCMP_CMP_XX' })), /\/syscalls\/0\/args\/0\/op: unknown operator "SCMP_CMP_XX"/);
  assert.match(userErrorMessage(withArg({ index: 0, value: 2 ** 60, op: 'SCMP_CMP_EQ' })), /\/syscalls\/0\/args\/0\/value: .* cannot be read exactly/);
  assert.match(userErrorMessage(withArg({ index: 0, value: -1, op: 'SCMP_CMP_EQ' })), /\/args\/0\/value: must be an unsigned integer/);
});

test('notify: compiled with NEW_LISTENER, refused as default and for write', () => {
  const r = compile({ defaultAction: 'SCMP_ACT_ALLOW', flags: [], syscalls: [{ names: ['mknod'], action: 'SCMP_ACT_NOTIFY' }] });
  assert.is(r.flags, 8);
  assert.is(run(r.program, 'mknod'), NOTIFY);
  assert.match(userErrorMessage(() => compile({ defaultAction: 'SCMP_ACT_NOTIFY' })), /\/linux\/seccomp\/defaultAction: SCMP_ACT_NOTIFY cannot be used as default action/);
  assert.match(
    userErrorMessage(() => compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_NOTIFY' }] })),
    /\/syscalls\/0\/names\/1: SCMP_ACT_NOTIFY cannot be used for the write syscall/,
  );
});

test('flags: runc default SPEC_ALLOW when absent, TSYNC ignored, WAIT_KILLABLE_RECV only with notify', () => {
  const base: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ALLOW' };
  assert.is(compile(base).flags, 4);
  assert.is(compile({ ...base, flags: [] }).flags, 0);
  assert.is(compile({ ...base, flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_TSYNC'] }).flags, 2);
  assert.is(compile({ ...base, flags: ['SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_LOG'] }).flags, 6);
  const warnings: string[] = [];
  assert.is(compile({ ...base, flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] }, warnings).flags, 0);
  assert.is(warnings.length, 1);
  const n = compile({ ...base, flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'], syscalls: [{ names: ['mknod'], action: 'SCMP_ACT_NOTIFY' }] });
  assert.is(n.flags, 8 | 32);
  assert.match(userErrorMessage(() => compile({ ...base, flags: ['SECCOMP_FILTER_FLAG_NOPE' as never] })), /\/linux\/seccomp\/flags\/0: unknown flag/);
});

/** An allow-list in the shape of Docker's default profile (written for this test). */
function allowListProfile(): LinuxSeccomp {
  const names = `accept accept4 access alarm bind brk capget capset chdir chmod chown clock_getres clock_gettime
    clock_nanosleep close close_range connect copy_file_range creat dup dup2 dup3 epoll_create epoll_create1 epoll_ctl
    epoll_pwait epoll_wait eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64 fallocate
    fchdir fchmod fchmodat fchown fchownat fcntl fdatasync fgetxattr flock fork fstat fstatfs fsync ftruncate futex
    getcwd getdents getdents64 getegid geteuid getgid getgroups getitimer getpeername getpgid getpgrp getpid getppid
    getpriority getrandom getresgid getresuid getrlimit getrusage getsid getsockname getsockopt gettid gettimeofday
    getuid getxattr inotify_add_watch inotify_init1 inotify_rm_watch ioctl kill lchown lgetxattr link linkat listen
    lseek lstat madvise membarrier memfd_create mincore mkdir mkdirat mknod mknodat mlock mmap mprotect mremap munlock
    munmap nanosleep newfstatat open openat openat2 pause pipe pipe2 poll ppoll prctl pread64 preadv preadv2 prlimit64
    pselect6 pwrite64 pwritev read readahead readlink readlinkat readv recvfrom recvmmsg recvmsg rename renameat
    renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn
    rt_sigsuspend rt_sigtimedwait sched_getaffinity sched_getparam sched_yield select sendfile sendmmsg sendmsg sendto
    set_robust_list set_tid_address setfsgid setfsuid setgid setgroups setitimer setpgid setpriority setregid
    setresgid setresuid setreuid setrlimit setsid setsockopt setuid setxattr shutdown sigaltstack socket socketpair
    stat statfs statx symlink symlinkat sync sysinfo tgkill time timer_create timer_delete timer_settime timerfd_create
    timerfd_settime times tkill truncate umask uname unlink unlinkat utime utimensat utimes vfork wait4 waitid write
    writev arch_prctl sethostname setdomainname pidfd_open pidfd_send_signal landlock_create_ruleset`;
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names: names.trim().split(/\s+/), action: 'SCMP_ACT_ALLOW' },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] },
      // clone without namespace flags (mask of CLONE_NEWNS|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWCGROUP)
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
      { names: ['some_future_syscall'], action: 'SCMP_ACT_ALLOW' },
    ],
  };
}

test('ENOSYS for syscalls newer than the profile, per listed architecture (runc\'s -ENOSYS stub)', () => {
  const X86_64 = lib.archResolveName('x86_64');
  const I386 = lib.archResolveName('x86');
  const ENOSYS = 38;
  const byArch = (arch: string, name: string) => lib.syscallResolveNameArch(lib.archResolveName(arch), name);
  const cfg: LinuxSeccomp = {
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: ['read', 'write', 'exit', 'exit_group'], action: 'SCMP_ACT_ALLOW' }],
  };
  const p = compile(cfg).program;
  const max64 = Math.max(...['read', 'write', 'exit', 'exit_group'].map((n) => byArch('x86_64', n)));
  assert.is(run(p, 'read', [], X86_64), ALLOW);
  assert.is(run(p, byArch('x86_64', 'close'), [], X86_64), errno(EPERM), 'older than the profile: the default');
  assert.is(run(p, max64 + 1, [], X86_64), errno(ENOSYS), 'newer: ENOSYS');
  assert.is(run(p, 1000, [], X86_64), errno(ENOSYS), 'an unknown number');
  const max32 = Math.max(...['read', 'write', 'exit', 'exit_group'].map((n) => byArch('x86', n)));
  assert.is(run(p, max32 + 1, [], I386), errno(ENOSYS), 'i386 has its own limit');
  assert.is(run(p, byArch('x86', 'close'), [], I386), errno(EPERM));
  const maxX32 = Math.max(...['read', 'write', 'exit', 'exit_group'].map((n) => byArch('x32', n)));
  assert.ok(maxX32 > 0x40000000, 'x32 numbers carry bit 30');
  assert.is(run(p, maxX32 + 1, [], X86_64), errno(ENOSYS), 'x32 has its own limit');
  assert.is(run(p, 0x40000000 + byArch('x86_64', 'close'), [], X86_64), errno(EPERM));
  // an architecture that is not listed is left to the profile
  assert.is.not(run(p, 1000, [], lib.archResolveName('aarch64')), errno(ENOSYS));

  // no stub: an allowing default, a default errno of ENOSYS already, no architectures listed
  assert.is(run(compile({ ...cfg, defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }).program, 1000, [], X86_64), ALLOW);
  assert.is(run(compile({ ...cfg, defaultErrnoRet: ENOSYS }).program, 1000, [], X86_64), errno(ENOSYS));
  assert.is(run(compile({ ...cfg, architectures: [] }).program, 1000, [], X86_64), errno(EPERM));
  assert.is(run(compile({ ...cfg, defaultAction: 'SCMP_ACT_KILL_PROCESS' }).program, 1000, [], X86_64), errno(ENOSYS));
});

test('a realistic allow-list profile compiles and decides as expected', () => {
  const warnings: string[] = [];
  const { program, flags } = compile(allowListProfile(), warnings);
  assert.is(program.length % 8, 0);
  assert.is(flags, 4);
  assert.equal(warnings, ['config.json: /linux/seccomp/syscalls/6/names/0: unknown syscall "some_future_syscall" ignored']);
  assert.is(run(program, 'read'), ALLOW);
  assert.is(run(program, 'execve'), ALLOW);
  assert.is(run(program, 'reboot'), errno(EPERM));
  assert.is(run(program, 'mount'), errno(EPERM));
  assert.is(run(program, 'personality', [8]), ALLOW);
  assert.is(run(program, 'personality', [0x20000]), errno(EPERM));
  assert.is(run(program, 'clone', [0x01200011]), ALLOW); // fork-like
  assert.is(run(program, 'clone', [0x10000000]), errno(EPERM)); // CLONE_NEWUSER
  assert.is(run(program, 'clone3'), errno(38));
});

test('config use: seccomp is supported, notify rules too', () => {
  const spec: Spec = {
    ociVersion: '1.3.0',
    root: { path: 'rootfs' },
    linux: { seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO' }] } },
  };
  assert.equal(checkSupported(spec), []);
  spec.linux!.seccomp!.syscalls!.push({ names: ['mknod'], action: 'SCMP_ACT_NOTIFY' });
  assert.equal(checkSupported(spec), []);
});

test.run();
