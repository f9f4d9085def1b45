// The systemd driver's pure parts: D-Bus message encoding (byte for byte where the spec
// fixes it), unit names and slice paths, and resources → unit properties.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMessage, encodeMessage, messageLength, MessageType, splitSignature, Variant, type DBusValue } from '../../src/cgroups/systemd/dbus-wire.js';
import { expandSlice, systemdUnit } from '../../src/cgroups/systemd/unit.js';
import { cpuMask, deviceProperties, resourceProperties, scopeProperties } from '../../src/cgroups/systemd/properties.js';
import { systemBusPath } from '../../src/cgroups/systemd/bus.js';

const hex = (b: Buffer) => b.toString('hex');

test('splitSignature: complete types', () => {
  assert.equal(splitSignature('ssa(sv)a(sa(sv))'), ['s', 's', 'a(sv)', 'a(sa(sv))']);
  assert.equal(splitSignature('a{sv}ubt'), ['a{sv}', 'u', 'b', 't']);
  assert.throws(() => splitSignature('a('), /unclosed/);
  assert.throws(() => splitSignature('z'), /unknown type code "z"/);
});

test('Hello: the fixed header, header fields and padding as the spec lays them out', () => {
  const b = encodeMessage({ type: MessageType.MethodCall, serial: 1, destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' });
  // 'l', method call, no flags, version 1, body length 0, serial 1
  assert.is(hex(b.subarray(0, 12)), '6c01000100000000' + '01000000');
  // first header field: code 1 (PATH), variant signature "o", the path
  const fieldsLength = b.readUInt32LE(12);
  assert.is(hex(b.subarray(16, 24)), '01016f0015000000');
  assert.is(b.toString('ascii', 24, 24 + 21), '/org/freedesktop/DBus');
  assert.is(b.length % 8, 0);
  assert.is(b.length, 16 + fieldsLength + ((8 - ((16 + fieldsLength) % 8)) % 8));
  assert.is(messageLength(b), b.length);
  const back = decodeMessage(b);
  assert.is(back.member, 'Hello');
  assert.is(back.destination, 'org.freedesktop.DBus');
  assert.equal(back.body, []);
});

test('a(sv) body: array length excludes the padding before the first struct', () => {
  const b = encodeMessage({ type: MessageType.MethodCall, serial: 7, path: '/', member: 'M', signature: 'a(sv)', body: [[['Delegate', new Variant('b', true)]]] });
  const body = b.subarray(b.length - 28);
  assert.is(hex(body), '14000000' + '00000000' + '08000000' + Buffer.from('Delegate').toString('hex') + '00' + '016200' + '01000000');
  assert.is(b.readUInt32LE(4), 28);
});

test('round trip of every type StartTransientUnit and its replies use', () => {
  const body: DBusValue[] = [
    'tsrunc-x.scope',
    'replace',
    [
      ['Slice', new Variant('s', 'system.slice')],
      ['PIDs', new Variant('au', [1234])],
      ['MemoryMax', new Variant('t', 0xffffffffffffffffn)],
      ['CPUWeight', new Variant('t', 100n)],
      ['AllowedCPUs', new Variant('ay', Buffer.from([0x05]))],
      ['DeviceAllow', new Variant('a(ss)', [['/dev/char/1:3', 'rwm'], ['char-pts', 'rw']])],
      ['Delegate', new Variant('b', false)],
      ['Nice', new Variant('i', -5)],
      ['Weight', new Variant('q', 65535)],
      ['Offset', new Variant('x', -2n)],
      ['Path', new Variant('o', '/org/freedesktop/systemd1/job/42')],
      ['Sig', new Variant('g', 'a(sv)')],
      ['Byte', new Variant('y', 255)],
      ['Dict', new Variant('a{sv}', [['k', new Variant('u', 1)]])],
    ],
    [],
  ];
  const b = encodeMessage({ type: MessageType.MethodCall, serial: 3, destination: 'org.freedesktop.systemd1', path: '/org/freedesktop/systemd1', interface: 'org.freedesktop.systemd1.Manager', member: 'StartTransientUnit', signature: 'ssa(sv)a(sa(sv))', body });
  const m = decodeMessage(b);
  assert.is(m.signature, 'ssa(sv)a(sa(sv))');
  assert.is(m.serial, 3);
  assert.equal(m.body, body);
});

test('numbers are written as the types say (bigint or number for t)', () => {
  const a = encodeMessage({ type: MessageType.MethodCall, serial: 1, path: '/', member: 'M', signature: 't', body: [5] });
  const b = encodeMessage({ type: MessageType.MethodCall, serial: 1, path: '/', member: 'M', signature: 't', body: [5n] });
  assert.is(hex(a), hex(b));
  assert.throws(() => encodeMessage({ type: MessageType.MethodCall, serial: 1, path: '/', member: 'M', signature: 's', body: [5] }), /not a value of type "s"/);
  assert.throws(() => encodeMessage({ type: MessageType.MethodCall, serial: 1, path: '/', member: 'M', signature: 'ss', body: ['a'] }), /wants 2 values/);
});

test('an error reply from a hand-made buffer: name, reply serial, message', () => {
  const err = encodeMessage({ type: MessageType.Error, serial: 9, replySerial: 3, errorName: 'org.freedesktop.systemd1.NoSuchUnit', signature: 's', body: ['Unit x.scope not loaded.'] });
  const m = decodeMessage(err);
  assert.is(m.type, MessageType.Error);
  assert.is(m.replySerial, 3);
  assert.is(m.errorName, 'org.freedesktop.systemd1.NoSuchUnit');
  assert.equal(m.body, ['Unit x.scope not loaded.']);
  assert.is(messageLength(err.subarray(0, 10)), undefined);
  assert.throws(() => decodeMessage(err.subarray(0, err.length - 4)), /truncated/);
});

test('systemdUnit: runc\'s slice:prefix:name, defaults, refusals', () => {
  assert.equal(systemdUnit('system.slice:docker:abc', 'id'), { slice: 'system.slice', unit: 'docker-abc.scope', path: '/system.slice/docker-abc.scope', cgroupsPath: 'system.slice:docker:abc' });
  assert.equal(systemdUnit(undefined, 'c1'), { slice: 'system.slice', unit: 'tsrunc-c1.scope', path: '/system.slice/tsrunc-c1.scope', cgroupsPath: 'system.slice:tsrunc:c1' });
  assert.is(systemdUnit(':p:n', 'id').path, '/system.slice/p-n.scope');
  assert.is(systemdUnit('kubepods-besteffort.slice:cri-containerd:x', 'id').path, '/kubepods.slice/kubepods-besteffort.slice/cri-containerd-x.scope');
  assert.throws(() => systemdUnit('/a/b', 'id'), /\/linux\/cgroupsPath: "\/a\/b" must be slice:prefix:name for the systemd cgroup driver/);
  assert.throws(() => systemdUnit('a.slice:p:', 'id'), /name part must not be empty/);
  assert.throws(() => systemdUnit('nope:p:n', 'id'), /invalid slice name "nope"/);
});

test('expandSlice', () => {
  assert.is(expandSlice('-.slice'), '/');
  assert.is(expandSlice('a.slice'), '/a.slice');
  assert.is(expandSlice('a-b-c.slice'), '/a.slice/a-b.slice/a-b-c.slice');
  for (const bad of ['.slice', '-a.slice', 'a--b.slice', 'a/b.slice', 'a.scope']) assert.throws(() => expandSlice(bad), /invalid slice name/, bad);
});

const props = (r: Parameters<typeof resourceProperties>[0]) => Object.fromEntries(resourceProperties(r).map(([k, v]) => [k, v.value]));

test('resource properties: memory, swap, cpu weight and quota (rounded up to 10 ms/s as runc), cpus, pids', () => {
  assert.equal(props({ memory: { limit: 64 << 20, swap: 96 << 20, reservation: 1 << 20 } }), {
    MemoryMax: BigInt(64 << 20),
    MemoryLow: BigInt(1 << 20),
    MemorySwapMax: BigInt(32 << 20),
  });
  assert.equal(props({ memory: { limit: -1 } }), { MemoryMax: 0xffffffffffffffffn });
  assert.equal(props({ cpu: { shares: 1024, quota: 12_345, period: 100_000 } }), { CPUWeight: 100n, CPUQuotaPeriodUSec: 100_000n, CPUQuotaPerSecUSec: 130_000n });
  assert.equal(props({ cpu: { quota: 50_000 } }), { CPUQuotaPerSecUSec: 500_000n });
  assert.equal(props({ cpu: { quota: -1, period: 50_000 } }), { CPUQuotaPeriodUSec: 50_000n, CPUQuotaPerSecUSec: 0xffffffffffffffffn });
  assert.equal(props({ cpu: { cpus: '0-2,9', mems: '0' } }), { AllowedCPUs: Buffer.from([0x07, 0x02]), AllowedMemoryNodes: Buffer.from([0x01]) });
  assert.equal(props({ pids: { limit: 10 } }), { TasksMax: 10n });
  assert.equal(props({ pids: { limit: -1 } }), { TasksMax: 0xffffffffffffffffn });
  assert.equal(props({ unified: { 'memory.high': '1000', 'pids.max': 'max', 'cpu.max': '20000 50000', 'io.weight': '5' } }), {
    MemoryHigh: 1000n,
    TasksMax: 0xffffffffffffffffn,
    CPUQuotaPeriodUSec: 50_000n,
    CPUQuotaPerSecUSec: 400_000n,
  });
});

test('cpuMask', () => {
  assert.equal(cpuMask('0'), Buffer.from([1]));
  assert.equal(cpuMask('8'), Buffer.from([0, 1]));
  assert.equal(cpuMask('0-15'), Buffer.from([0xff, 0xff]));
});

const PROC_DEVICES = 'Character devices:\n  1 mem\n  4 tty\n  5 /dev/tty\n136 pts\n\nBlock devices:\n  8 sd\n254 virtblk\n';

test('device properties: strict with runc\'s default list; allow-all → auto', () => {
  const p = Object.fromEntries(deviceProperties([], [], PROC_DEVICES).map(([k, v]) => [k, v.value]));
  assert.is(p.DevicePolicy, 'strict');
  const allow = p.DeviceAllow as [string, string][];
  for (const want of [['char-*', 'm'], ['block-*', 'm'], ['/dev/char/1:3', 'rwm'], ['/dev/char/1:5', 'rwm'], ['char-pts', 'rwm'], ['/dev/char/5:2', 'rwm'], ['/dev/char/10:200', 'rwm']]) {
    assert.ok(allow.some(([d, a]) => d === want[0] && a === want[1]), `${want} missing from ${JSON.stringify(allow)}`);
  }
  const open = Object.fromEntries(deviceProperties([{ allow: true, access: 'rwm' }], [], PROC_DEVICES).map(([k, v]) => [k, v.value]));
  assert.equal(open, { DevicePolicy: 'auto', DeviceAllow: [] });
});

test('scope properties: Delegate, the pid, accounting, no default dependencies', () => {
  const p = Object.fromEntries(scopeProperties('c1', 'system.slice', 42).map(([k, v]) => [k, v.value]));
  assert.equal(p, {
    Description: 'tsrunc container c1',
    Slice: 'system.slice',
    Delegate: true,
    PIDs: [42],
    MemoryAccounting: true,
    CPUAccounting: true,
    IOAccounting: true,
    TasksAccounting: true,
    DefaultDependencies: false,
  });
});

test('system bus address', () => {
  assert.is(systemBusPath({}), '/run/dbus/system_bus_socket');
  assert.is(systemBusPath({ DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/tmp/x%20y' }), '/tmp/x y');
  assert.is(systemBusPath({ DBUS_SYSTEM_BUS_ADDRESS: 'tcp:host=a;unix:path=/s' }), '/s');
  assert.throws(() => systemBusPath({ DBUS_SYSTEM_BUS_ADDRESS: 'tcp:host=a' }), /no unix:path=/);
});

test.run();
