// Compiled programs loaded by the real kernel, in a child Node process that
// sets no_new_privs first (so no root is needed) and then tries syscalls.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSeccomp } from '../../src/seccomp/compile.js';
import type { LinuxSeccomp } from '../../src/spec/config.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const NR_SECCOMP: Record<string, number> = { x64: 317, arm64: 277 };

// Loads the program with seccomp(SECCOMP_SET_MODE_FILTER, flags), then runs
// the probes: mkdir with two modes, then getppid.
const CHILD = `
import koffi from 'koffi';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
const libc = koffi.load('libc.so.6');
const Fprog = koffi.struct('sock_fprog', { len: 'uint16_t', filter: 'void *' });
const prctl = libc.func('int prctl(int option, unsigned long a, unsigned long b, unsigned long c, unsigned long d)');
const seccomp = libc.func('long syscall(long nr, unsigned int op, unsigned int flags, const sock_fprog *prog)');
const prog = Buffer.from(process.env.PROG, 'hex');
const dir = mkdtempSync('/tmp/tsrunc-seccomp-');
if (prctl(38 /* PR_SET_NO_NEW_PRIVS */, 1, 0, 0, 0) !== 0) throw new Error('no_new_privs');
const rc = seccomp(Number(process.env.NR), 1 /* SET_MODE_FILTER */, Number(process.env.FLAGS), { len: prog.length / 8, filter: prog });
if (rc !== 0) { console.log('load failed', koffi.errno()); process.exit(2); }
for (const mode of [0o700, 0o755]) {
  try { mkdirSync(dir + '/' + mode.toString(8), mode); console.log(mode.toString(8), 'ok'); }
  catch (e) { console.log(mode.toString(8), e.code); }
}
rmSync(dir, { recursive: true, force: true });
console.log('ppid', process.ppid > 0);
`;

function load(cfg: LinuxSeccomp): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const { program, flags } = compileSeccomp(cfg);
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, PROG: Buffer.from(program).toString('hex'), FLAGS: String(flags), NR: String(NR_SECCOMP[process.arch]) },
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

// mkdir(2) on x86_64 glibc, mkdirat(2) elsewhere: rule both, with the mode at its index.
const mkdirMode = (mode: number, errnoRet: number): LinuxSeccomp['syscalls'] => [
  { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet, args: [{ index: 1, value: mode, op: 'SCMP_CMP_EQ' }] },
  { names: ['mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet, args: [{ index: 2, value: mode, op: 'SCMP_CMP_EQ' }] },
];

if (NR_SECCOMP[process.arch] !== undefined) {
  test('an errno rule with an argument condition, loaded with the default SPEC_ALLOW flag', () => {
    const r = load({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: mkdirMode(0o700, 13) });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, '700 EACCES\n755 ok\nppid true\n');
  });

  test('SCMP_ACT_KILL_PROCESS kills with SIGSYS; LOG flag accepted', () => {
    const r = load({
      defaultAction: 'SCMP_ACT_ALLOW',
      flags: ['SECCOMP_FILTER_FLAG_LOG'],
      syscalls: [...mkdirMode(0o700, 1)!, { names: ['getppid'], action: 'SCMP_ACT_KILL_PROCESS' }],
    });
    assert.is(r.signal, 'SIGSYS', r.stderr);
    assert.is(r.stdout, '700 EPERM\n755 ok\n');
  });
}

test.run();
