// linux.seccomp seen from inside real containers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LinuxSeccomp } from '../../src/spec/config.js';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from '../lib/harness.js';

const s = new Session();
test.after(() => s.cleanup());

/** The profile, and a writable /tmp (the harness's rootfs is read-only). */
const withSeccomp = (seccomp: LinuxSeccomp) => (c: Parameters<Parameters<Session['runOnce']>[0]>[0]) => {
  c.linux!.seccomp = seccomp;
  c.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] });
};

// busybox mkdir calls mkdir(2) on x86_64 and mkdirat(2) where there is no mkdir.
const MKDIR = ['mkdir', 'mkdirat'];

test('an errno rule: mkdir fails with EACCES, everything else runs', () => {
  const r = s.runOnce(
    withSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: MKDIR, action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] }),
    ['sh', '-c', 'mkdir /tmp/x; echo "rc=$?"'],
  );
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr + r.stdout, /Permission denied/);
  assert.match(r.stdout, /rc=1/);
});

test('a filter that denies getcwd, without noNewPrivileges: the init checks its cwd before loading it', () => {
  // runtime-tools linux_seccomp; runc 1.1.5+deb12u1 fails here ("failed to verify if current working directory is safe")
  const r = s.runOnce(
    (c) => {
      withSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getcwd'], action: 'SCMP_ACT_ERRNO' }] })(c);
      c.process!.noNewPrivileges = false;
    },
    ['echo', 'started'],
  );
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'started\n');
});

test('SCMP_ACT_ERRNO without errnoRet is EPERM', () => {
  const r = s.runOnce(
    withSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: MKDIR, action: 'SCMP_ACT_ERRNO' }] }),
    ['sh', '-c', 'mkdir /tmp/x; echo "rc=$?"'],
  );
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr + r.stdout, /Operation not permitted/);
});

test('defaultErrnoRet applies to syscalls no rule allows', () => {
  // An allow-list without mkdir: mkdir falls through to the default ERRNO(EACCES).
  const r = s.runOnce(
    withSeccomp({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 13,
      syscalls: [{ names: busyboxSyscalls(), action: 'SCMP_ACT_ALLOW' }],
    }),
    ['sh', '-c', 'mkdir /tmp/x; echo "rc=$?"'],
  );
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr + r.stdout, /Permission denied/);
});

test('a kill rule kills the process with SIGSYS (exit 159)', () => {
  const r = s.runOnce(
    withSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: MKDIR, action: 'SCMP_ACT_KILL_PROCESS' }] }),
    ['mkdir', '/tmp/x'],
  );
  assert.is(r.code, 159, r.stderr);
});

test('SCMP_ACT_KILL (thread) on the only thread also ends with SIGSYS', () => {
  const r = s.runOnce(
    withSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: MKDIR, action: 'SCMP_ACT_KILL' }] }),
    ['mkdir', '/tmp/x'],
  );
  assert.is(r.code, 159, r.stderr);
});

test('argument conditions: only the matching call is refused', () => {
  const r = s.runOnce(
    withSeccomp({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['chmod'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 1, value: 0o700, op: 'SCMP_CMP_EQ' }] },
        { names: ['fchmodat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 2, value: 0o700, op: 'SCMP_CMP_EQ' }] },
      ],
    }),
    ['sh', '-c', 'touch /tmp/f; chmod 700 /tmp/f; echo "a=$?"; chmod 755 /tmp/f; echo "b=$?"'],
  );
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'a=1\nb=0\n');
});

test('a realistic allow-list profile still runs busybox', () => {
  const r = s.runOnce(
    withSeccomp({
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [
        { names: [...busyboxSyscalls().filter((n) => n !== 'clone'), ...MKDIR], action: 'SCMP_ACT_ALLOW' },
        { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
        // clone only without namespace flags (CLONE_NEWNS|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWCGROUP)
        { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['not_a_syscall_yet'], action: 'SCMP_ACT_ALLOW' },
      ],
    }),
    ['sh', '-c', 'echo hello; mkdir /tmp/y && echo made; hostname box 2>/dev/null || echo "hostname refused"'],
  );
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'hello\nmade\nhostname refused\n');
});

test('syscalls newer than the profile, or unknown numbers, get ENOSYS rather than the default errno (as runc)', () => {
  // a static probe: errno of syscall(1000), of cachestat (451, newer than every
  // name in the profile) and of sync (162, older, not allowed: the default)
  const src = join(s.tmp, 'enosys.c');
  const bin = join(s.tmp, 'enosys-probe');
  writeFileSync(src, [
    '#include <errno.h>',
    '#include <stdio.h>',
    '#include <unistd.h>',
    '#include <sys/syscall.h>',
    'static int e(long nr) { errno = 0; syscall(nr, 0, 0, 0, 0); return errno; }',
    'int main(void) { printf("%d %d %d\\n", e(1000), e(451), e(SYS_sync)); return 0; }',
    '',
  ].join('\n'));
  const cc = spawnSync('cc', ['-static', '-O2', '-o', bin, src], { encoding: 'utf8' });
  assert.is(cc.status, 0, cc.stderr);
  const r = s.runOnce((c) => {
    withSeccomp({
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [{ names: busyboxSyscalls(), action: 'SCMP_ACT_ALLOW' }],
    })(c);
    c.mounts!.push({ destination: '/probe', type: 'bind', source: bin, options: ['bind', 'ro'] });
  }, ['/probe']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '38 38 1\n', 'ENOSYS, ENOSYS, EPERM');
});

// NOTIFY with an agent: process-extras.test.ts
test('a NOTIFY rule without listenerPath is refused before anything is created', () => {
  const r = s.runOnce(
    withSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mknod'], action: 'SCMP_ACT_NOTIFY' }] }),
    ['true'],
  );
  assert.is(r.code, 1);
  assert.match(r.stderr, /\/linux\/seccomp\/listenerPath: required with SCMP_ACT_NOTIFY rules/);
  assert.equal(s.containers(), []);
});

test('an unknown architecture is refused with its pointer', () => {
  const r = s.runOnce(
    withSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_NOPE' as never] }),
    ['true'],
  );
  assert.is(r.code, 1);
  assert.match(r.stderr, /\/linux\/seccomp\/architectures\/1/);
  assert.equal(s.containers(), []);
});

/**
 * What the stub (after the filter is loaded: setuid, capset, exec.fifo, execve)
 * and busybox sh/echo/mkdir need, without mkdir/mkdirat and sethostname.
 */
function busyboxSyscalls(): string[] {
  return `access arch_prctl brk capget capset chdir clone clone3 close close_range dup dup2 dup3 execve execveat exit
    exit_group faccessat faccessat2 fchdir fchmod fchmodat fchown fcntl fork fstat fstatfs futex getcwd getdents64
    getegid geteuid getgid getgroups getpgid getpgrp getpid getppid getrandom getresgid getresuid getrlimit getsid
    gettid getuid ioctl kill lseek lstat madvise mmap mprotect mremap munmap nanosleep newfstatat open openat openat2
    pipe pipe2 poll ppoll prctl pread64 prlimit64 read readlink readlinkat readv rseq rt_sigaction rt_sigprocmask
    rt_sigreturn rt_sigsuspend sched_getaffinity sched_yield select set_robust_list set_tid_address setgid setgroups
    setpgid setregid setresgid setresuid setreuid setsid setuid sigaltstack stat statfs statx tgkill time umask uname
    vfork wait4 waitid write writev`
    .trim()
    .split(/\s+/);
}

test.run();
