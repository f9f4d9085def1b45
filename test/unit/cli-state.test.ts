// Pure parts of the CLI and the state store.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSignal } from '../../src/linux/signals.js';
import { formatTable } from '../../src/cli/table.js';
import { validateId } from '../../src/state/store.js';
import { stateView, rfc3339Now, type ContainerRecord } from '../../src/state/container-state.js';
import { exitCodeOf } from '../../src/linux/libc.js';
import { UserError } from '../../src/errors.js';

test('signals by name, with or without SIG, any case, and by number', () => {
  assert.is(parseSignal('KILL'), 9);
  assert.is(parseSignal('SIGKILL'), 9);
  assert.is(parseSignal('sigterm'), 15);
  assert.is(parseSignal('9'), 9);
  assert.is(parseSignal('RTMIN+2'), 36);
  assert.throws(() => parseSignal('FOO'), (e: Error) => e instanceof UserError && e.message === 'unknown signal "FOO"');
  assert.throws(() => parseSignal('99'), /invalid signal number/);
});

test('signal 0 checks liveness; real-time offsets past the range are refused', () => {
  assert.is(parseSignal('0'), 0);
  assert.is(parseSignal('SIGRTMAX-30'), 34);
  assert.is(parseSignal('RTMIN+30'), 64);
  assert.throws(() => parseSignal('SIGRTMAX-40'), (e: Error) => e instanceof UserError && /unknown signal "SIGRTMAX-40"/.test(e.message));
  assert.throws(() => parseSignal('SIGRTMIN+31'), /unknown signal/);
});

test('container ids like runc: no slash, no dot-dot', () => {
  for (const ok of ['abc', 'a-b_c.d', 'A+1']) validateId(ok);
  for (const bad of ['', 'a/b', '..', '.', 'a b', '../x']) assert.throws(() => validateId(bad), (e: Error) => e instanceof UserError);
});

test('table columns are padded like runc', () => {
  const t = formatTable(['ID', 'PID'], [['abc', '12']]);
  assert.is(t, 'ID          PID\nabc         12\n');
});

test('state view: runc fields, pid 0 when stopped, annotations only when present', () => {
  const rec = {
    ociVersion: '1.3.0', id: 'x', pid: 42, pidStartTime: '1', bundle: '/b', rootfs: '/b/rootfs',
    created: rfc3339Now(), owner: '', cgroupsPath: '/x', systemdCgroup: false,
    config: { ociVersion: '1.3.0' },
  } as ContainerRecord;
  assert.is(stateView(rec, 'running').pid, 42);
  assert.is(stateView(rec, 'stopped').pid, 0);
  assert.not.ok('annotations' in stateView(rec, 'running'));
  rec.config.annotations = { a: 'b' };
  assert.equal(stateView(rec, 'created').annotations, { a: 'b' });
  assert.match(rec.created, /\.\d{9}Z$/);
});

test('wait status to exit code', () => {
  assert.is(exitCodeOf(7 << 8), 7);
  assert.is(exitCodeOf(9), 137);
});

test.run();
