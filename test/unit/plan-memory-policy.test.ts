// linux.memoryPolicy: config → set_mempolicy arguments → MEMPOLICY record, and what features reports.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compilePlan, type CompileOptions } from '../../src/plan/compile.js';
import { encodePlan, RecordType } from '../../src/plan/encode.js';
import { compileExecPlan } from '../../src/plan/exec.js';
import { compileMemoryPolicy, parseNodeList } from '../../src/plan/memory-policy.js';
import { memoryPolicyFeatures } from '../../src/runtime/features.js';
import { defaultConfig } from '../../src/spec/default-config.js';
import type { Spec } from '../../src/spec/config.js';
import { userErrorMessage } from '../lib/user-error.js';

const OPTS: CompileOptions = { bundle: '/b', stateDir: '/run/tsrunc/c1', noPivot: false, execFifo: 'exec.fifo', lsm: { apparmor: false, selinux: false } };

/** The fields of every MEMPOLICY record of an encoded plan. */
function mempolicyRecords(buf: Buffer): string[][] {
  const out: string[][] = [];
  for (let off = 8; ; ) {
    const type = buf.readUInt16LE(off);
    const len = buf.readUInt32LE(off + 2);
    if (type === RecordType.END) return out;
    if (type === RecordType.MEMPOLICY) out.push(buf.subarray(off + 6, off + 6 + len - 1).toString('utf8').split('\0'));
    off += 6 + len;
  }
}

test('modes and flags are the kernel numbers, flags or-ed into the mode', () => {
  assert.equal(compileMemoryPolicy({ mode: 'MPOL_DEFAULT' }), { mode: 0, nodes: [] });
  assert.equal(compileMemoryPolicy({ mode: 'MPOL_LOCAL', nodes: '' }), { mode: 4, nodes: [] });
  assert.equal(compileMemoryPolicy({ mode: 'MPOL_BIND', nodes: '0-2,5' }), { mode: 2, nodes: [0, 1, 2, 5] });
  assert.equal(compileMemoryPolicy({ mode: 'MPOL_INTERLEAVE', nodes: '1', flags: ['MPOL_F_STATIC_NODES'] }), { mode: 3 | 0x8000, nodes: [1] });
  assert.equal(compileMemoryPolicy({ mode: 'MPOL_PREFERRED', flags: ['MPOL_F_RELATIVE_NODES', 'MPOL_F_NUMA_BALANCING'] }), { mode: 1 | 0x4000 | 0x2000, nodes: [] });
  assert.equal(compileMemoryPolicy({ mode: 'MPOL_WEIGHTED_INTERLEAVE', nodes: '0' })?.mode, 6);
  assert.equal(compileMemoryPolicy({ mode: 'MPOL_PREFERRED_MANY', nodes: '0,1' })?.mode, 5);
  assert.is(compileMemoryPolicy(undefined), undefined);
});

test('nodes: which modes need them, which take none, bad lists named by pointer (runc rules)', () => {
  assert.is(userErrorMessage(() => compileMemoryPolicy({ mode: 'MPOL_BIND' })), 'config.json: /linux/memoryPolicy/nodes: MPOL_BIND needs at least one node');
  assert.is(userErrorMessage(() => compileMemoryPolicy({ mode: 'MPOL_INTERLEAVE', nodes: ' ' })), 'config.json: /linux/memoryPolicy/nodes: MPOL_INTERLEAVE needs at least one node');
  assert.is(userErrorMessage(() => compileMemoryPolicy({ mode: 'MPOL_DEFAULT', nodes: '0' })), 'config.json: /linux/memoryPolicy/nodes: MPOL_DEFAULT takes no nodes, got "0"');
  assert.is(userErrorMessage(() => compileMemoryPolicy({ mode: 'MPOL_LOCAL', nodes: '1-2' })), 'config.json: /linux/memoryPolicy/nodes: MPOL_LOCAL takes no nodes, got "1-2"');
  assert.is(userErrorMessage(() => compileMemoryPolicy({ mode: 'MPOL_BIND', nodes: 'x' })), 'config.json: /linux/memoryPolicy/nodes: bad NUMA node list "x"');
  assert.is(userErrorMessage(() => compileMemoryPolicy({ mode: 'MPOL_BIND', nodes: '3-1' })), 'config.json: /linux/memoryPolicy/nodes: bad NUMA node range "3-1" in "3-1"');
  assert.is(userErrorMessage(() => compileMemoryPolicy({ mode: 'MPOL_BIND', nodes: '1024' })), 'config.json: /linux/memoryPolicy/nodes: NUMA node 1024 is above the maximum of 1023');
  assert.is(
    userErrorMessage(() => compileMemoryPolicy({ mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES', 'MPOL_F_RELATIVE_NODES'] })),
    'config.json: /linux/memoryPolicy/flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other',
  );
  assert.is(userErrorMessage(() => compileMemoryPolicy({ mode: 'MPOL_NOPE' as 'MPOL_BIND', nodes: '0' })), 'config.json: /linux/memoryPolicy/mode: unknown memory policy mode "MPOL_NOPE"');
  assert.equal(parseNodeList('0, 2-3', '/x'), [0, 2, 3]);
  assert.equal(parseNodeList('', '/x'), []);
});

test('MEMPOLICY record: mode|flags then node numbers, in the create and the exec plan', () => {
  const s = defaultConfig({ rootless: false }) as Spec;
  s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0,3', flags: ['MPOL_F_STATIC_NODES'] };
  assert.equal(mempolicyRecords(encodePlan(compilePlan(s, OPTS))), [[String(2 | 0x8000), '0', '3']]);
  assert.equal(mempolicyRecords(encodePlan(compileExecPlan(s.process!, { container: s, initPid: 42, lsm: OPTS.lsm! }))), [[String(2 | 0x8000), '0', '3']]);
  s.linux!.memoryPolicy = { mode: 'MPOL_LOCAL' };
  assert.equal(mempolicyRecords(encodePlan(compilePlan(s, OPTS))), [['4']]);
  delete s.linux!.memoryPolicy;
  assert.equal(mempolicyRecords(encodePlan(compilePlan(s, OPTS))), []);
});

test('features: the modes and flags this kernel has; none without NUMA', () => {
  const all = memoryPolicyFeatures('6.18.44', true);
  assert.equal(all?.modes, ['MPOL_BIND', 'MPOL_DEFAULT', 'MPOL_INTERLEAVE', 'MPOL_LOCAL', 'MPOL_PREFERRED', 'MPOL_PREFERRED_MANY', 'MPOL_WEIGHTED_INTERLEAVE']);
  assert.equal(all?.flags, ['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES']);
  // Debian 12's kernel: no weighted interleave (6.9)
  assert.not.ok(memoryPolicyFeatures('6.1.0-18-amd64', true)?.modes?.includes('MPOL_WEIGHTED_INTERLEAVE'));
  assert.ok(memoryPolicyFeatures('6.1.0-18-amd64', true)?.modes?.includes('MPOL_PREFERRED_MANY'));
  const old = memoryPolicyFeatures('5.10.0', true);
  assert.not.ok(old?.modes?.includes('MPOL_PREFERRED_MANY'));
  assert.equal(old?.flags, ['MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES']);
  assert.equal(memoryPolicyFeatures('6.18.44', false), { modes: [], flags: [] });
  // every mode features lists compiles
  for (const mode of all!.modes!) compileMemoryPolicy({ mode: mode as 'MPOL_BIND', nodes: mode === 'MPOL_DEFAULT' || mode === 'MPOL_LOCAL' ? '' : '0' });
});

test.run();
