// Pure value conversions and formats: v1 → v2 numbers, device rules, stat parsing, JSON.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { blkioWeightToIoWeight, hugePageSizeName, parseCpuList, sharesToWeight, swapToV2 } from '../../src/cgroups/convert.js';
import { DEFAULT_DEVICE_RULES, deviceRuleLine } from '../../src/cgroups/v1/devices.js';
import { parseBlkioStat } from '../../src/cgroups/v1/blkio.js';
import { firstSet } from '../../src/cgroups/controller.js';
import { statsToJson, emptyStats } from '../../src/cgroups/stats.js';

test('sharesToWeight: runc formula, ends and default', () => {
  assert.is(sharesToWeight(0), 0);
  assert.is(sharesToWeight(2), 1);
  assert.is(sharesToWeight(1024), 100);
  assert.is(sharesToWeight(512), 59);
  assert.is(sharesToWeight(2048), 174);
  assert.is(sharesToWeight(262144), 10000);
  assert.is(sharesToWeight(1 << 20), 10000);
});

test('blkioWeightToIoWeight: [10, 1000] onto [1, 10000]', () => {
  assert.is(blkioWeightToIoWeight(0), 0);
  assert.is(blkioWeightToIoWeight(10), 1);
  assert.is(blkioWeightToIoWeight(100), 910);
  assert.is(blkioWeightToIoWeight(1000), 10000);
});

test('swapToV2: memory+swap becomes swap alone', () => {
  assert.is(swapToV2(300, 100), 200);
  assert.is(swapToV2(100, 100), 0);
  assert.is(swapToV2(0, 100), 0);
  assert.is(swapToV2(-1, 100), -1);
  assert.is(swapToV2(0, -1), -1);
  assert.is(swapToV2(500, -1), 500);
  assert.match(String(swapToV2(50, 100)), /below the memory limit/);
  assert.match(String(swapToV2(50, 0)), /without a memory limit/);
});

test('hugePageSizeName and parseCpuList', () => {
  assert.is(hugePageSizeName(2048), '2MB');
  assert.is(hugePageSizeName(1048576), '1GB');
  assert.is(hugePageSizeName(64), '64KB');
  assert.equal(parseCpuList('0-2,5\n'), [0, 1, 2, 5]);
  assert.equal(parseCpuList(''), []);
});

test('deviceRuleLine: wildcards for missing or negative numbers', () => {
  assert.is(deviceRuleLine({ allow: false, access: 'rwm' }), 'a *:* rwm');
  assert.is(deviceRuleLine({ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }), 'c 1:3 rwm');
  assert.is(deviceRuleLine({ allow: true, type: 'c', major: 136, minor: -1, access: 'rw' }), 'c 136:* rw');
  assert.ok(DEFAULT_DEVICE_RULES.some((r) => deviceRuleLine(r) === 'c 10:200 rwm'));
  assert.is(DEFAULT_DEVICE_RULES.length, 11);
});

test('parseBlkioStat: op lines, plain lines, Total skipped, zeros left out', () => {
  const text = '8:0 Read 1282048\n8:0 Write 0\n8:16 6792\nTotal 3477504\n';
  assert.equal(parseBlkioStat(text), [
    { major: 8, op: 'Read', value: 1282048 },
    { major: 8, op: 'Write' },
    { major: 8, minor: 16, value: 6792 },
  ]);
});

test('firstSet: zero-as-unset keys, false and empty arrays do not count', () => {
  assert.is(firstSet('memory', { limit: 0, swap: 0 }, ['limit', 'swap']), undefined);
  assert.is(firstSet('memory', { limit: 0, swappiness: 0 }, ['limit']), 'memory/swappiness');
  assert.is(firstSet('memory', { disableOOMKiller: false }), undefined);
  assert.is(firstSet('blockIO', { weightDevice: [] }), undefined);
});

test('statsToJson: uint64 values print exactly, as runc prints them', () => {
  const s = emptyStats();
  s.memory.usage = { limit: Infinity, usage: 5, failcnt: 0 };
  s.memory.swap = { limit: Number('9223372036854771712'), failcnt: 0 };
  const json = statsToJson({ type: 'stats', id: 'x', data: s });
  assert.match(json, /"usage":\{"limit":18446744073709551615,"usage":5,"failcnt":0\}/);
  assert.match(json, /"swap":\{"limit":9223372036854771712,"failcnt":0\}/);
  assert.match(json, /"network_interfaces":null/);
  assert.equal(JSON.parse(json).data.memory.usage.usage, 5);
});

test.run();
