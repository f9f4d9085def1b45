// Argument handling of update, events and ps (no container needed).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ramInBytes, resourcesFromFlags } from '../../src/cli/update-flags.js';
import { parseDuration } from '../../src/cli/events.js';
import { markPsArgs } from '../../src/cli/ps.js';
import { updatableResources } from '../../src/runtime/update.js';
import { assertUserError } from '../lib/user-error.js';

test('ramInBytes: binary units like docker', () => {
  assert.is(ramInBytes('512'), 512);
  assert.is(ramInBytes('64m'), 64 << 20);
  assert.is(ramInBytes('64M'), 64 << 20);
  assert.is(ramInBytes('1.5g'), 1.5 * 1024 ** 3);
  assert.is(ramInBytes('10MiB'), 10 << 20);
  assert.is(ramInBytes('2 GB'), 2 * 1024 ** 3);
  assert.throws(() => ramInBytes('lots'), /invalid size: 'lots'/);
  assert.throws(() => ramInBytes('-5m'), /invalid size/);
});

test('resourcesFromFlags: runc flag names and value types', () => {
  const warnings: string[] = [];
  const r = resourcesFromFlags(
    { memory: '100m', memorySwap: '-1', memoryReservation: '50m', cpuShare: '512', cpuQuota: '-1', cpuPeriod: '50000', cpusetCpus: '0', pidsLimit: '0', blkioWeight: '300', kernelMemory: '1g' },
    (m) => warnings.push(m),
  );
  assert.equal(r, {
    blockIO: { weight: 300 },
    pids: { limit: 0 },
    cpu: { cpus: '0', period: 50000, shares: 512, quota: -1 },
    memory: { limit: 100 << 20, swap: -1, reservation: 50 << 20 },
  });
  assert.equal(warnings, ['kernel memory settings are ignored and will be removed']);
  assert.equal(resourcesFromFlags({}, () => {}), {});
  assert.equal(resourcesFromFlags({ blkioWeight: '0' }, () => {}), {});
  // the Intel RDT flags are not resources: update hands them to the container's resctrl group
  assert.equal(resourcesFromFlags({ l3CacheSchema: 'L3:0=f', memBwSchema: 'MB:0=20' }, () => {}), {});
});

test('resourcesFromFlags: bad values name the flag', () => {
  assertUserError(() => resourcesFromFlags({ memory: 'abc' }, () => {}), /^invalid value for memory: invalid size: 'abc'$/);
  assertUserError(() => resourcesFromFlags({ cpuPeriod: '-5' }, () => {}), /^invalid value for cpu-period: "-5" is not an unsigned integer$/);
  assertUserError(() => resourcesFromFlags({ cpuQuota: '1.5' }, () => {}), /^invalid value for cpu-quota: "1.5" is not an integer$/);
  assertUserError(() => resourcesFromFlags({ cpuShare: '99999999999999999999' }, () => {}), /cpu-share: .* is out of range/);
  assertUserError(() => resourcesFromFlags({ pidsLimit: 'ten' }, () => {}), /^invalid value "ten" for flag -pids-limit: parse error$/);
});

test('updatableResources: only what runc update changes', () => {
  const warnings: string[] = [];
  const r = updatableResources(
    { memory: { limit: 1, swappiness: 10 }, devices: [{ allow: true, access: 'r' }], pids: { limit: 3 }, hugepageLimits: [] },
    (m) => warnings.push(m),
  );
  assert.equal(r, { memory: { limit: 1 }, pids: { limit: 3 } });
  assert.equal(warnings, [
    'resources/memory/swappiness: ignored, update does not change it',
    'resources/devices: ignored, update does not change it',
    'resources/hugepageLimits: ignored, update does not change it',
  ]);
});

test('parseDuration: Go durations as runc --interval takes them', () => {
  assert.is(parseDuration('5s'), 5000);
  assert.is(parseDuration('250ms'), 250);
  assert.is(parseDuration('1m30s'), 90_000);
  assert.is(parseDuration('1.5h'), 5_400_000);
  assert.is(parseDuration('0'), 0);
  assert.is(parseDuration('-1s'), -1000);
  assertUserError(() => parseDuration('5'), /^invalid value "5" for flag -interval: parse error$/);
  assertUserError(() => parseDuration('abc'), /parse error/);
  assertUserError(() => parseDuration('5s x'), /parse error/);
});

test('markPsArgs: what follows the id goes to ps(1)', () => {
  assert.equal(markPsArgs(['ps', 'c1', '-o', 'pid']), ['ps', 'c1', '--', '-o', 'pid']);
  assert.equal(markPsArgs(['--root', '/r', 'ps', '-f', 'json', 'c1', '-ef']), ['--root', '/r', 'ps', '-f', 'json', 'c1', '--', '-ef']);
  assert.equal(markPsArgs(['ps', 'c1']), ['ps', 'c1']);
  assert.equal(markPsArgs(['ps', 'c1', '--', '-ef']), ['ps', 'c1', '--', '-ef']);
  assert.equal(markPsArgs(['kill', 'c1', 'KILL']), ['kill', 'c1', 'KILL']);
  assert.equal(markPsArgs(['--debug', 'state', 'ps']), ['--debug', 'state', 'ps']);
});

test.run();
