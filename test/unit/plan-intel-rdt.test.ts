// linux.intelRdt → the resctrl plan: group name, schemata lines in the spec's
// order, MON group, what delete removes, and runc's checks named by pointer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planIntelRdt, schemataOf, updatedIntelRdt, type ResctrlFeatures } from '../../src/plan/intel-rdt.js';
import { userErrorMessage } from '../lib/user-error.js';

const ALL: ResctrlFeatures = { root: '/sys/fs/resctrl', cat: true, mba: true, monitoring: true };
const NONE: ResctrlFeatures = { root: '/mnt/rdt', cat: false, mba: false, monitoring: false };

test('no closID: a group named for the container, removed by delete', () => {
  assert.equal(planIntelRdt({}, 'c1', ALL), {
    root: '/sys/fs/resctrl',
    group: 'c1',
    mustExist: false,
    schemata: undefined,
    monGroup: undefined,
    removeGroup: true,
  });
  assert.is(planIntelRdt({ closID: '' }, 'c1', ALL).group, 'c1', 'an empty closID is no closID (runc)');
});

test('schemata: l3CacheSchema, then memBwSchema, then schemata[], one line each; empty ones skipped', () => {
  const p = planIntelRdt({ schemata: ['L2:0=f;1=f', '', 'MB:1=70'], memBwSchema: 'MB:0=20', l3CacheSchema: 'L3:0=7f0;1=1f' }, 'c1', ALL);
  assert.is(p.schemata, 'L3:0=7f0;1=1f\nMB:0=20\nL2:0=f;1=f\nMB:1=70\n');
  assert.is(planIntelRdt({ memBwSchema: 'MB:0=20' }, 'c1', ALL).schemata, 'MB:0=20\n');
  assert.is(planIntelRdt({ l3CacheSchema: '', schemata: [] }, 'c1', ALL).schemata, undefined, 'nothing set: schemata not written');
});

test('closID: that group, made if missing when there is something to write, never removed by delete', () => {
  assert.equal(planIntelRdt({ closID: 'guaranteed', schemata: ['L3:0=f'] }, 'c1', ALL), {
    root: '/sys/fs/resctrl',
    group: 'guaranteed',
    mustExist: false,
    schemata: 'L3:0=f\n',
    monGroup: undefined,
    removeGroup: false,
  });
  // runtime-spec: closID and no schema → a pre-configured group that must exist
  const pre = planIntelRdt({ closID: 'guaranteed' }, 'c1', ALL);
  assert.is(pre.mustExist, true);
  assert.is(pre.schemata, undefined);
  assert.is(pre.removeGroup, false);
});

test('closID "/" is the root group', () => {
  const p = planIntelRdt({ closID: '/', enableMonitoring: true }, 'c1', ALL);
  assert.is(p.group, '');
  assert.is(p.mustExist, true);
  assert.is(p.monGroup, 'c1');
  assert.is(p.removeGroup, false);
});

test('enableMonitoring: a MON group named for the container', () => {
  assert.is(planIntelRdt({ enableMonitoring: true }, 'c1', ALL).monGroup, 'c1');
  assert.is(planIntelRdt({ closID: 'shared', enableMonitoring: true, schemata: ['L3:0=f'] }, 'c2', ALL).monGroup, 'c2');
  assert.is(planIntelRdt({ enableMonitoring: false }, 'c1', ALL).monGroup, undefined);
});

test('no resctrl mounted: refused first, naming /linux/intelRdt', () => {
  const msg = 'config.json: /linux/intelRdt: is set, but Intel RDT is not enabled: no resctrl filesystem is mounted (mount -t resctrl resctrl /sys/fs/resctrl)';
  assert.is(userErrorMessage(() => planIntelRdt({}, 'c1', undefined)), msg);
  assert.is(userErrorMessage(() => planIntelRdt({ closID: '..', l3CacheSchema: 'L3:0=f' }, 'c1', undefined)), msg);
});

test('closID must be one directory name (runc\'s check)', () => {
  for (const bad of ['.', '..', 'a/b', '/x', 'x/']) {
    assert.is(
      userErrorMessage(() => planIntelRdt({ closID: bad }, 'c1', ALL)),
      `config.json: /linux/intelRdt/closID: invalid CLOS name ${JSON.stringify(bad)}: must be one directory name, or "/" for the root group`,
      bad,
    );
  }
  assert.is(planIntelRdt({ closID: '.hidden' }, 'c1', ALL).group, '.hidden');
});

test('a schema for what the hardware lacks is refused, naming the field and what is missing', () => {
  assert.is(
    userErrorMessage(() => planIntelRdt({ l3CacheSchema: 'L3:0=f' }, 'c1', NONE)),
    'config.json: /linux/intelRdt/l3CacheSchema: is set, but Intel RDT/CAT is not enabled (no /mnt/rdt/info/L3)',
  );
  assert.is(
    userErrorMessage(() => planIntelRdt({ memBwSchema: 'MB:0=20' }, 'c1', { ...NONE, cat: true })),
    'config.json: /linux/intelRdt/memBwSchema: is set, but Intel RDT/MBA is not enabled (no /mnt/rdt/info/MB)',
  );
  assert.is(
    userErrorMessage(() => planIntelRdt({ enableMonitoring: true }, 'c1', NONE)),
    'config.json: /linux/intelRdt/enableMonitoring: is set, but resctrl monitoring is not enabled (no /mnt/rdt/mon_groups)',
  );
  // schemata[] lines are the kernel's to judge (runc checks only the two named schemas)
  assert.is(planIntelRdt({ schemata: ['L3:0=f', 'MB:0=10'] }, 'c1', NONE).schemata, 'L3:0=f\nMB:0=10\n');
  // an empty schema asks for nothing
  assert.is(planIntelRdt({ l3CacheSchema: '', memBwSchema: '' }, 'c1', NONE).schemata, undefined);
});

test('update --l3-cache-schema/--mem-bw-schema: runc\'s checks, then the schema replaced', () => {
  const cur = { closID: 'gold', l3CacheSchema: 'L3:0=f', schemata: ['L2:0=3'] };
  assert.equal(updatedIntelRdt(cur, { memBwSchema: 'MB:0=30' }, ALL), { closID: 'gold', l3CacheSchema: 'L3:0=f', schemata: ['L2:0=3'], memBwSchema: 'MB:0=30' });
  assert.equal(updatedIntelRdt(cur, { l3CacheSchema: 'L3:0=3', memBwSchema: '' }, ALL), { ...cur, l3CacheSchema: 'L3:0=3' });
  assert.is(updatedIntelRdt(cur, {}, undefined), undefined, 'no flag: nothing to do, not even on a host without RDT');
  assert.is(userErrorMessage(() => updatedIntelRdt(cur, { l3CacheSchema: 'L3:0=3' }, undefined)), 'Intel RDT/CAT: l3 cache schema is not enabled');
  assert.is(userErrorMessage(() => updatedIntelRdt(cur, { l3CacheSchema: 'L3:0=3' }, NONE)), 'Intel RDT/CAT: l3 cache schema is not enabled');
  assert.is(userErrorMessage(() => updatedIntelRdt(cur, { memBwSchema: 'MB:0=3' }, { ...NONE, cat: true })), 'Intel RDT/MBA: memory bandwidth schema is not enabled');
  assert.is(userErrorMessage(() => updatedIntelRdt(undefined, { memBwSchema: 'MB:0=3' }, ALL)), 'updating a non-existent Intel RDT configuration is not supported');
  assert.is(userErrorMessage(() => updatedIntelRdt(cur, { memBwSchema: 'L3:0=3' }, ALL)), '--mem-bw-schema: must start with "MB:"');
  assert.is(userErrorMessage(() => updatedIntelRdt(cur, { l3CacheSchema: 'L3:0=3\nMB:0=1' }, ALL)), '--l3-cache-schema: must be one line');
  assert.is(schemataOf(updatedIntelRdt(cur, { memBwSchema: 'MB:0=30' }, ALL)!), 'L3:0=f\nMB:0=30\nL2:0=3\n', 'written in create\'s order');
});

test.run();
