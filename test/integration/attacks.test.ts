// Images and configs that attack the runtime (docs/security.md): symlinks that
// point mounts, masks and /dev/null out of the rootfs, a fake /proc, setuid
// binaries and capabilities a non-root user should not keep. Each test gets a
// private writable copy of the busybox rootfs to plant its traps in, and host
// directories under /tmp that must come out untouched.
// (The stub's memfd re-exec, fd hygiene and cwd check: security.test.ts, fds.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import {
  chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { ROOTFS, Session, mountsUnder, uniqueId, type Result } from '../lib/harness.js';
import type { Spec } from '../../src/spec/config.js';

const s = new Session();
const hostDirs: string[] = [];
test.after(() => {
  s.cleanup();
  for (const d of hostDirs) rmSync(d, { recursive: true, force: true });
});

/** A private, writable copy of the busybox rootfs. */
function privateRootfs(): string {
  const dir = mkdtempSync(join(s.tmp, 'rootfs-'));
  const r = spawnSync('cp', ['-a', `${ROOTFS}/.`, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp -a ${ROOTFS}: ${r.stderr}`);
  return dir;
}

/** A host directory the attack aims at, with a canary file in it and in its subdirectory c. */
function hostTarget(): string {
  const dir = mkdtempSync('/tmp/host-target-');
  hostDirs.push(dir);
  writeFileSync(join(dir, 'canary'), 'host\n');
  mkdirSync(join(dir, 'c'));
  writeFileSync(join(dir, 'c', 'canary'), 'host\n');
  return dir;
}

function assertUntouched(target: string): void {
  assert.equal(mountsUnder(target), [], `nothing mounted on ${target} on the host`);
  assert.is(readFileSync(join(target, 'canary'), 'utf8'), 'host\n');
  assert.is(readFileSync(join(target, 'c', 'canary'), 'utf8'), 'host\n');
}

function run(rootfs: string, mutate: (c: Spec) => void, args: string[]): Result {
  const bundle = s.bundle((c) => {
    c.root = { path: rootfs, readonly: false };
    c.process!.args = args;
    mutate(c);
  });
  return s.tsrunc(['run', '--bundle', bundle, uniqueId('attack')]);
}

/** Mount points of mounts whose source is `source`, from a mountinfo text. */
function mountPointsOf(mountinfo: string, source: string): string[] {
  return mountinfo
    .split('\n')
    .filter((l) => l.split(' - ')[1]?.split(' ')[1] === source)
    .map((l) => l.split(' ')[4]);
}

function statusField(text: string, key: string): string {
  const m = text.match(new RegExp(`^${key}:\\s*(.*)$`, 'm'));
  return m ? m[1].trim() : '';
}

const SOURCE = 'attack-tmpfs';

// Each case plants links (path in the rootfs → link text) and mounts a tmpfs
// at dest; the mount must land at `landing` inside the rootfs.
const symlinkCases: { name: string; links: (t: string) => Record<string, string>; dest: string; landing: (t: string) => string }[] = [
  { name: 'an absolute symlink (/etc → host dir)', links: (t) => ({ etc: t }), dest: '/etc', landing: (t) => t },
  { name: 'a relative ../../.. symlink', links: (t) => ({ 'var/evil': `../../../../../../..${t}` }), dest: '/var/evil', landing: (t) => t },
  { name: 'a chain (a → b/c, b → host dir)', links: (t) => ({ a: 'b/c', b: t }), dest: '/a', landing: (t) => `${t}/c` },
  { name: 'a symlinked parent directory', links: (t) => ({ evil: t }), dest: '/evil/c', landing: (t) => `${t}/c` },
];

for (const k of symlinkCases) {
  test(`a mount destination through ${k.name} lands inside the rootfs`, () => {
    const target = hostTarget();
    const rootfs = privateRootfs();
    for (const [path, link] of Object.entries(k.links(target))) {
      rmSync(join(rootfs, path), { recursive: true, force: true });
      symlinkSync(link, join(rootfs, path));
    }
    // createContainer runs in the container's mount namespace before
    // pivot_root, with host paths: it sees where the mount really went.
    const probe = mkdtempSync(join(s.tmp, 'probe-'));
    const landing = k.landing(target);
    const r = run(rootfs, (c) => {
      c.mounts!.push({ destination: k.dest, type: 'tmpfs', source: SOURCE, options: ['size=1m'] });
      c.hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', `cat /proc/self/mountinfo > ${probe}/mountinfo; ls ${target} > ${probe}/ls`] }] };
    }, ['sh', '-c', `cat /proc/self/mountinfo; echo "listing:$(ls -A ${k.dest})"`]);
    assert.is(r.code, 0, r.stderr);

    const before = readFileSync(join(probe, 'mountinfo'), 'utf8');
    assert.equal(mountPointsOf(before, SOURCE), [join(rootfs, landing)], 'in the container mount ns, on the rootfs copy');
    assert.is(readFileSync(join(probe, 'ls'), 'utf8'), 'c\ncanary\n', 'the host dir was not covered even there');
    assert.equal(mountPointsOf(r.stdout, SOURCE), [landing], 'inside: at the link target within the container');
    assert.match(r.stdout, /^listing:$/m);
    assertUntouched(target);
    assert.ok(existsSync(join(rootfs, landing)), 'the mount point was created inside the rootfs');
  });
}

test('maskedPaths and readonlyPaths that are symlinks resolve inside the container, never on the host', () => {
  const masked = hostTarget();
  const readonly = hostTarget();
  const rootfs = privateRootfs();
  for (const t of [masked, readonly]) {
    mkdirSync(join(rootfs, t), { recursive: true });
    writeFileSync(join(rootfs, t, 'inside'), 'container\n');
  }
  symlinkSync(masked, join(rootfs, 'masklink'));
  symlinkSync(`../../../..${readonly}`, join(rootfs, 'rolink'));
  const r = run(rootfs, (c) => {
    c.linux!.maskedPaths = [...c.linux!.maskedPaths!, '/masklink'];
    c.linux!.readonlyPaths = [...c.linux!.readonlyPaths!, '/rolink'];
  }, ['sh', '-c', `echo "masked:$(ls -A ${masked})"; touch ${readonly}/new 2>&1; cat ${readonly}/inside`]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^masked:$/m);
  assert.match(r.stdout, /Read-only file system/);
  assert.match(r.stdout, /^container$/m);
  for (const t of [masked, readonly]) assertUntouched(t);
  writeFileSync(join(readonly, 'new'), 'host can still write\n');
  assert.not.ok(existsSync(join(rootfs, readonly, 'new')), 'nothing written inside');
});

test('/dev/null as a symlink to a /proc file is refused before masking with it (CVE-2025-31133 class)', () => {
  const rootfs = privateRootfs();
  symlinkSync('/proc/sys/kernel/core_pattern', join(rootfs, 'dev/null'));
  const pattern = readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
  const r = run(rootfs, (c) => {
    // Without a /dev tmpfs the image's /dev is used and its /dev/null is left as it is.
    c.mounts = c.mounts!.filter((m) => m.destination !== '/dev');
  }, ['sh', '-c', 'echo "|/bin/evil" > /proc/sys/kernel/core_pattern; echo ran']);
  assert.is(r.code, 1, r.stdout);
  assert.match(r.stderr, 'mask paths: /dev/null is not the null device');
  assert.not.match(r.stdout, 'ran');
  assert.is(readFileSync('/proc/sys/kernel/core_pattern', 'utf8'), pattern);
  assert.equal(s.containers(), []);
});

test('a mount that replaces /proc through a symlink stops masking and sysctls (fake procfs)', () => {
  const fake = hostTarget();
  writeFileSync(join(fake, 'kcore'), 'fake\n');
  mkdirSync(join(fake, 'sys/net/ipv4'), { recursive: true });
  writeFileSync(join(fake, 'sys/net/ipv4/ip_forward'), '0\n');
  const cases: [string, (c: Spec) => void, string][] = [
    ['masked path', () => {}, 'mask paths: /proc is not a procfs mount'],
    ['sysctl', (c) => (c.linux!.sysctl = { 'net.ipv4.ip_forward': '1' }), 'sysctl: /proc is not a procfs mount'],
  ];
  for (const [what, more, message] of cases) {
    const rootfs = privateRootfs();
    symlinkSync('/proc', join(rootfs, 'volume'));
    const r = run(rootfs, (c) => {
      c.mounts!.push({ destination: '/volume', type: 'bind', source: fake, options: ['rbind', 'rw'] });
      more(c);
    }, ['echo', 'ran']);
    assert.is(r.code, 1, `${what}: ${r.stdout}`);
    assert.match(r.stderr, message, what);
    assert.is(readFileSync(join(fake, 'kcore'), 'utf8'), 'fake\n');
    assert.is(readFileSync(join(fake, 'sys/net/ipv4/ip_forward'), 'utf8'), '0\n');
    assertUntouched(fake);
  }
  assert.equal(s.containers(), []);
});

for (const dir of ['proc', 'sys']) {
  test(`an image whose /${dir} is a symlink is refused, not mounted through (as runc)`, () => {
    const rootfs = privateRootfs();
    rmSync(join(rootfs, dir), { recursive: true, force: true });
    mkdirSync(join(rootfs, 'elsewhere'));
    symlinkSync('/elsewhere', join(rootfs, dir));
    const r = run(rootfs, () => {}, ['echo', 'ran']);
    assert.is(r.code, 1, r.stdout);
    assert.match(r.stderr, `filesystem "${dir === 'proc' ? 'proc' : 'sysfs'}" must be mounted on ordinary directory`);
    assert.not.match(r.stdout, 'ran');
    assert.equal(readdirSync(join(rootfs, 'elsewhere')), [], 'nothing mounted or created behind the link');
    assert.equal(mountsUnder(rootfs), []);
    assert.equal(s.containers(), []);
  });
}

test('with --no-pivot a process cannot mount a fresh, unmasked procfs from a user namespace of its own (as runc)', () => {
  // The host's /proc stays in the mount namespace outside the chroot; while it
  // is fully visible there, the kernel allows a new procfs in a user namespace.
  const bundle = s.bundle((c) => {
    c.root = { path: privateRootfs(), readonly: false };
    c.process!.args = ['unshare', '-mrpf', 'sh', '-c', 'mkdir -p /tmp/p /tmp/s; mount -t proc none /tmp/p && echo PROC-MOUNTED; mount -t sysfs none /tmp/s && echo SYSFS-MOUNTED; echo done'];
    // what unshare -r needs to map root (CAP_SETFCAP since Linux 5.12)
    for (const set of ['bounding', 'effective', 'permitted'] as const) c.process!.capabilities![set]!.push('CAP_SETFCAP');
  });
  const r = s.tsrunc(['run', '--no-pivot', '--bundle', bundle, uniqueId('nopivot')]);
  assert.match(r.stdout, 'done', r.stderr);
  assert.not.match(r.stdout, 'PROC-MOUNTED');
  assert.not.match(r.stdout, 'SYSFS-MOUNTED');
  assert.match(r.stderr, 'mount: permission denied');
  assert.ok(existsSync('/proc/self/status'), 'the host keeps its /proc');
  assert.equal(s.containers(), []);
});

const NON_ROOT = { uid: 1000, gid: 1000 };
const WRITABLE_TMP = { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['mode=1777'] };

test('a non-root user without ambient caps has none left and cannot chown, even with CAP_CHOWN configured', () => {
  const r = run(privateRootfs(), (c) => {
    c.process!.user = NON_ROOT;
    c.process!.capabilities = { bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: ['CAP_CHOWN', 'CAP_KILL'], permitted: ['CAP_CHOWN', 'CAP_KILL'] };
    c.mounts!.push(WRITABLE_TMP);
  }, ['sh', '-c', 'grep -E "^(Uid|CapEff|CapPrm):" /proc/self/status; touch /tmp/f; chown 0:0 /tmp/f 2>&1; echo "rc=$?"']);
  assert.is(r.code, 0, r.stderr);
  assert.match(statusField(r.stdout, 'Uid'), /^1000\s+1000/);
  assert.is(statusField(r.stdout, 'CapEff'), '0000000000000000');
  assert.is(statusField(r.stdout, 'CapPrm'), '0000000000000000');
  assert.match(r.stdout, /Operation not permitted\nrc=1/);
});

/** Compiles a static program that prints "<uid> <euid>" into the rootfs as a setuid-root binary. */
function setuidProbe(rootfs: string): string {
  const src = join(s.tmp, 'euid.c');
  writeFileSync(src, '#include <stdio.h>\n#include <unistd.h>\nint main(void) { printf("%d %d\\n", (int)getuid(), (int)geteuid()); return 0; }\n');
  const bin = join(rootfs, 'bin/euid-probe');
  const r = spawnSync('cc', ['-static', '-O2', '-o', bin, src], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cc -static: ${r.stderr}`);
  chownSync(bin, 0, 0);
  chmodSync(bin, 0o4755);
  return '/bin/euid-probe';
}

test('with noNewPrivileges a setuid-root binary does not give euid 0 (and does without it)', () => {
  const rootfs = privateRootfs();
  const probe = setuidProbe(rootfs);
  const euid = (nnp: boolean): string => {
    const r = run(rootfs, (c) => {
      c.process!.user = NON_ROOT;
      c.process!.noNewPrivileges = nnp;
    }, [probe]);
    assert.is(r.code, 0, r.stderr);
    return r.stdout;
  };
  assert.is(euid(true), '1000 1000\n');
  assert.is(euid(false), '1000 0\n', 'control: the probe is setuid root');
});

test('seccomp with a non-root user and noNewPrivileges false: filter on, exactly the configured caps', () => {
  // CAP_CHOWN (0) and CAP_KILL (5); kept across the user switch and execve as ambient caps.
  const caps = ['CAP_CHOWN', 'CAP_KILL'];
  const r = run(privateRootfs(), (c) => {
    c.process!.user = NON_ROOT;
    c.process!.noNewPrivileges = false;
    c.process!.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: caps };
    c.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] };
    c.mounts!.push(WRITABLE_TMP);
  }, ['sh', '-c', 'cat /proc/self/status; mkdir /tmp/d 2>&1; touch /tmp/f; chown 0:0 /tmp/f && echo chown-ok']);
  assert.is(r.code, 0, r.stderr);
  const out = r.stdout;
  assert.match(statusField(out, 'Uid'), /^1000\s+1000/);
  assert.is(statusField(out, 'Seccomp'), '2');
  assert.is(statusField(out, 'NoNewPrivs'), '0');
  for (const set of ['CapBnd', 'CapPrm', 'CapEff', 'CapInh', 'CapAmb']) assert.is(statusField(out, set), '0000000000000021', set);
  assert.match(out, /mkdir: can't create directory '\/tmp\/d': Operation not permitted/);
  assert.match(out, 'chown-ok');
});

test('nothing from these containers is left mounted or running', () => {
  assert.equal(s.containers(), []);
  assert.equal(mountsUnder(s.tmp), []);
  for (const d of hostDirs) assert.equal(mountsUnder(d), []);
  assert.ok(readdirSync('/tmp').length > 0);
});

test.run();
