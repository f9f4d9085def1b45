// The v2 device filter compiler: rules → struct bpf_insn[], checked by running the program
// through a small interpreter of the instructions it uses, for a few device accesses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deviceRuleLine } from '../../src/cgroups/v1/devices.js';
import {
  ACC_MKNOD,
  ACC_READ,
  ACC_WRITE,
  accessBits,
  accessText,
  compileDeviceFilter,
  DeviceRuleError,
  emulateDeviceRules,
  INSN_SIZE,
} from '../../src/cgroups/v2/device-filter.js';
import { deviceRulesV2 } from '../../src/cgroups/v2/devices.js';
import type { LinuxDeviceCgroup } from '../../src/spec/config.js';

const U64 = (1n << 64n) - 1n;

/** Runs prog on struct bpf_cgroup_dev_ctx { access_type, major, minor }; returns r0. */
function run(prog: Buffer, type: 'c' | 'b', access: number, major: number, minor: number): number {
  const ctx = [((access << 16) | (type === 'c' ? 2 : 1)) >>> 0, major, minor];
  const r: bigint[] = new Array<bigint>(11).fill(0n);
  const n = prog.length / INSN_SIZE;
  let pc = 0;
  for (let steps = 0; steps < 10_000; steps++) {
    assert.ok(pc >= 0 && pc < n, `pc ${pc} out of the program (${n} instructions)`);
    const o = pc * INSN_SIZE;
    const code = prog[o];
    const dst = prog[o + 1] & 0xf;
    const src = prog[o + 1] >> 4;
    const off = prog.readInt16LE(o + 2);
    const imm = prog.readInt32LE(o + 4);
    const k64 = BigInt(imm) & U64; // sign-extended, as the kernel does
    const u32 = (v: bigint): bigint => v & 0xffffffffn;
    pc++;
    switch (code) {
      case 0x61: // ldxw dst = *(u32 *)(src + off), src must be the context
        assert.is(src, 1, 'loads only from the context in r1');
        assert.ok(off % 4 === 0 && off >= 0 && off < 12, `context offset ${off}`);
        r[dst] = BigInt(ctx[off / 4]);
        break;
      case 0x54:
        r[dst] = u32(r[dst] & k64);
        break;
      case 0x74:
        r[dst] = u32(r[dst]) >> BigInt(imm);
        break;
      case 0xb4:
        r[dst] = u32(k64);
        break;
      case 0xbc:
        r[dst] = u32(r[src]);
        break;
      case 0x15:
        if (r[dst] === k64) pc += off;
        break;
      case 0x55:
        if (r[dst] !== k64) pc += off;
        break;
      case 0x5d:
        if (r[dst] !== r[src]) pc += off;
        break;
      case 0x95:
        return Number(r[0]);
      default:
        assert.unreachable(`unknown opcode 0x${code.toString(16)} at ${pc - 1}`);
    }
  }
  assert.unreachable('program did not exit');
  return -1;
}

const R = ACC_READ;
const W = ACC_WRITE;
const M = ACC_MKNOD;
const RW = R | W;

/** With runc's defaults after the config's rules, as the v2 manager compiles them. */
const filter = (rules: LinuxDeviceCgroup[], specPaths: string[] = []): Buffer => compileDeviceFilter(deviceRulesV2(rules, specPaths));

test('runc baseline: defaults allowed, everything else denied, mknod of any c/b node', () => {
  const p = filter([{ allow: false, access: 'rwm' }]);
  assert.is(p.length % INSN_SIZE, 0);
  assert.is(run(p, 'c', RW, 1, 3), 1, '/dev/null rw');
  assert.is(run(p, 'c', R, 1, 9), 1, '/dev/urandom');
  assert.is(run(p, 'c', RW, 136, 4), 1, '/dev/pts/4');
  assert.is(run(p, 'c', RW, 5, 2), 1, '/dev/ptmx');
  assert.is(run(p, 'c', RW, 10, 200), 1, '/dev/net/tun');
  assert.is(run(p, 'c', R, 1, 1), 0, '/dev/mem');
  assert.is(run(p, 'b', R, 8, 0), 0, '/dev/sda');
  assert.is(run(p, 'b', M, 8, 0), 1, 'mknod of a block node');
  assert.is(run(p, 'c', M, 4, 1), 1, 'mknod of a char node');
  assert.is(run(p, 'c', M | R, 4, 1), 0, 'mknod alone is allowed, not read');
});

test('a config allow: exact numbers and access subsets', () => {
  const p = filter([{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major: 8, minor: 0, access: 'r' }]);
  assert.is(run(p, 'b', R, 8, 0), 1);
  assert.is(run(p, 'b', W, 8, 0), 0, 'write not granted');
  assert.is(run(p, 'b', RW, 8, 0), 0, 'read+write needs both');
  assert.is(run(p, 'b', R, 8, 1), 0, 'other minor');
  assert.is(run(p, 'c', R, 8, 0), 0, 'other type');
});

test('deny /dev/zero read in an allow-all config; linux.devices drops the default /dev/zero rule', () => {
  const rules: LinuxDeviceCgroup[] = [
    { allow: true, access: 'rwm' },
    { allow: false, type: 'c', major: 1, minor: 5, access: 'r' },
  ];
  const p = filter(rules, ['/dev/zero']);
  assert.is(run(p, 'c', R, 1, 5), 0, '/dev/zero read denied');
  assert.is(run(p, 'c', W, 1, 5), 1, '/dev/zero write still allowed');
  assert.is(run(p, 'c', RW, 1, 5), 0, 'read+write overlaps the denied read (v1 semantics)');
  assert.is(run(p, 'c', M, 1, 5), 1, 'mknod still allowed');
  assert.is(run(p, 'c', RW, 1, 3), 1, '/dev/null');
  assert.is(run(p, 'b', RW, 8, 0), 1, 'default is allow');
  // without linux.devices naming /dev/zero, runc's default rule comes last and wins
  assert.is(run(filter(rules), 'c', R, 1, 5), 1);
});

test('wildcards: c 1:* and c *:5', () => {
  const p = filter([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 7, access: 'rw' }, { allow: true, type: 'c', minor: 77, access: 'w' }]);
  assert.is(run(p, 'c', RW, 7, 123), 1);
  assert.is(run(p, 'c', W, 99, 77), 1);
  assert.is(run(p, 'c', R, 99, 77), 0);
  assert.is(run(p, 'b', RW, 7, 1), 0);
});

test('v1 semantics: same-device rules merge, a later deny takes access away, "a" resets', () => {
  const merged = filter([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 4, minor: 1, access: 'r' }, { allow: true, type: 'c', major: 4, minor: 1, access: 'w' }]);
  assert.is(run(merged, 'c', RW, 4, 1), 1, 'r and w of the same device merge into rw');
  const taken = filter([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 4, minor: 1, access: 'rw' }, { allow: false, type: 'c', major: 4, minor: 1, access: 'w' }]);
  assert.is(run(taken, 'c', R, 4, 1), 1);
  assert.is(run(taken, 'c', W, 4, 1), 0);
  const reset = filter([{ allow: true, type: 'c', major: 4, minor: 1, access: 'rw' }, { allow: false, access: 'rwm' }]);
  assert.is(run(reset, 'c', R, 4, 1), 0, 'deny-all after the allow wipes it');
  assert.equal(emulateDeviceRules([{ allow: true, access: 'rwm' }]), { defaultAllow: true, exceptions: [] });
  assert.is(compileDeviceFilter([{ allow: true, access: 'rwm' }]).length, 8 * INSN_SIZE, 'allow-all: loads, mov, exit');
});

test('refused: holes in wildcards, bad access', () => {
  const hole = (): Buffer => compileDeviceFilter([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 5, access: 'r' }]);
  assert.throws(hole, (e: unknown) => e instanceof DeviceRuleError && e.index === 2 && /c 1:5 r cannot be denied inside the allowed wildcard c 1:\* rwm/.test(e.message));
  assert.throws(() => compileDeviceFilter([{ allow: true, type: 'c', access: '' }]), (e: unknown) => e instanceof DeviceRuleError && e.index === 0);
  assert.throws(() => compileDeviceFilter([{ allow: true, type: 'c', access: 'x' }]), /must be one or more of r, w, m/);
});

test('encoding: loads from the context, then blocks that return; jumps stay inside', () => {
  const p = compileDeviceFilter([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }]);
  const hex = (i: number): string => p.subarray(i * INSN_SIZE, (i + 1) * INSN_SIZE).toString('hex');
  assert.is(hex(0), '6112000000000000', 'r2 = *(u32 *)(r1 + 0)');
  assert.is(hex(5), '6115080000000000', 'r5 = *(u32 *)(r1 + 8)');
  assert.is(hex(6), '5502040002000000', 'if r2 != 2 goto +4 (next block)');
  const n = p.length / INSN_SIZE;
  assert.is(n, 6 + 5 + 2);
  assert.is(p[(n - 1) * INSN_SIZE], 0x95, 'ends with exit');
});


test('access strings as leniently as runc: any order, repeats, other letters ignored', () => {
  assert.is(accessText(accessBits('rwa')!), 'rw');
  assert.is(accessText(accessBits('mrr')!), 'rm');
  assert.is(accessText(accessBits('wmr')!), 'rwm');
  assert.is(accessBits('a'), undefined);
  assert.is(deviceRuleLine({ allow: true, type: 'c', major: 1, minor: 3, access: 'rwa' }), 'c 1:3 rw');
  assert.is(deviceRuleLine({ allow: true, type: 'b', access: 'mmw' }), 'b *:* wm');
});

test.run();
