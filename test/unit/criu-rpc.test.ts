// CRIU's RPC: the protobuf bytes tsrunc sends and reads back, and the option rules
// (runc's flags → criu_opts, external mounts and namespaces, inherited pipes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeResp, encodeReq, versionNumber } from '../../src/criu/rpc.js';
import {
  checkParentPath, commonOpts, dumpExtMounts, dumpExternalNamespaces, emptyNsMask, externalNetns, inheritPipes,
  manageCgroupsMode, pageServer, restoreEmptyNs, restoreExtMounts, restoreNamespaces,
} from '../../src/criu/options.js';
import { cgroupRoots, restoreMountpoints } from '../../src/runtime/restore.js';
import { defaultConfig } from '../../src/spec/default-config.js';
import type { Spec } from '../../src/spec/config.js';
import { userErrorMessage } from '../lib/user-error.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('a VERSION request is two bytes: type = 10', () => {
  assert.is(hex(encodeReq({ type: 'VERSION' })), '080a');
});

test('a DUMP request: nested opts in field number order, strings length-prefixed, repeated messages', () => {
  const bytes = encodeReq({ type: 'DUMP', opts: { logFile: 'dump.log', imagesDirFd: 5, leaveRunning: true, extMnt: [{ key: '/a', val: '/b' }] } });
  // 08 01: type DUMP; 12 len: opts { 08 05: images_dir_fd; 18 01: leave_running; 52 08 "dump.log"; ba 01 len { 0a 02 "/a" 12 02 "/b" } }
  const opts = '0805' + '1801' + '5208' + hex(Buffer.from('dump.log')) + 'ba0108' + '0a022f61' + '12022f62';
  assert.is(hex(bytes), '0801' + '12' + (opts.length / 2).toString(16).padStart(2, '0') + opts);
});

test('negative int32s are sign-extended to ten bytes, as protobuf does', () => {
  const bytes = encodeReq({ type: 'DUMP', opts: { imagesDirFd: -1 } });
  assert.is(hex(bytes), '0801120b08ffffffffffffffffff01');
});

test('a response decodes; fields a newer CRIU adds are skipped', () => {
  const msg = Buffer.from('emsg');
  const bytes = Buffer.concat([
    Buffer.from([0x08, 0x02, 0x10, 0x00, 0x38, 0x07, 0x4a, msg.length]), msg,
    Buffer.from([0x98, 0x06, 0x01]), // field 99, varint: unknown
    Buffer.from([0x22, 0x02, 0x08, 0x2a]), // restore { pid: 42 }
  ]);
  const r = decodeResp(bytes);
  assert.is(r.type, 2);
  assert.is(r.success, false);
  assert.is(r.crErrno, 7);
  assert.is(r.crErrmsg, 'emsg');
  assert.is(r.restore?.pid, 42);
  assert.is(decodeResp(Buffer.from([0x08, 0x0a, 0x10, 0x01])).success, true);
  assert.throws(() => decodeResp(Buffer.from([0x08])), /truncated/);
});

test('CRIU versions compare as runc compares them', () => {
  assert.is(versionNumber({ major: 3, minor: 17, sublevel: 1 }), 31701);
  assert.is(versionNumber({ major: 3, minor: 15 }), 31500);
});

test('runc\'s flag rules: cgroups mode, page server, empty-ns, parent path', () => {
  assert.is(manageCgroupsMode(undefined), undefined);
  assert.is(manageCgroupsMode('soft'), 3);
  assert.is(manageCgroupsMode('strict'), 5);
  assert.match(userErrorMessage(() => manageCgroupsMode('bogus')), '--manage-cgroups-mode: invalid manage cgroups mode "bogus"');
  assert.equal(pageServer('10.0.0.1:1234'), { address: '10.0.0.1', port: 1234 });
  assert.equal(pageServer('[::1]:99'), { address: '::1', port: 99 });
  assert.match(userErrorMessage(() => pageServer('host')), '--page-server');
  assert.match(userErrorMessage(() => pageServer('host:0')), '--page-server');
  assert.is(emptyNsMask(undefined), 0x40000000);
  assert.is(emptyNsMask('network'), 0x40000000);
  assert.match(userErrorMessage(() => emptyNsMask('pid')), '--empty-ns');
  assert.match(userErrorMessage(() => checkParentPath('/abs')), '--parent-path must be relative');
  checkParentPath('../pre');
});

test('the shared options: runc\'s fixed ones, the flags, the CRIU config annotation', () => {
  const config = defaultConfig({ rootless: false }) as Spec;
  const o = commonOpts({ imagePath: '/i', tcpEstablished: true, fileLocks: true }, config);
  assert.is(o.manageCgroups, true);
  assert.is(o.notifyScripts, true);
  assert.is(o.tcpEstablished, true);
  assert.is(o.fileLocks, true);
  assert.is(o.shellJob, false);
  assert.is(o.configFile, '/etc/criu/runc.conf');
  assert.is(commonOpts({ imagePath: '/i' }, { ...config, annotations: { 'org.criu.config': '' } }).configFile, undefined);
  assert.is(commonOpts({ imagePath: '/i' }, { ...config, annotations: { 'org.criu.config': '/c.conf' } }).configFile, '/c.conf');
});

test('external mounts: binds and bound devices by destination at dump, mapped to sources at restore', () => {
  const plan = {
    mounts: [
      { destination: '/data', source: '/host/data', fstype: 'bind' },
      { destination: '/tmp', source: 'tmpfs', fstype: 'tmpfs' },
      { destination: '/tmp/in-tmpfs', source: '/host/x', fstype: 'bind' },
    ],
    devices: [{ path: '/dev/null', how: 'bind' }, { path: '/dev/zero', how: 'mknod' }],
    maskedPaths: ['/proc/kcore'],
  } as never;
  assert.equal(dumpExtMounts(plan, ['/proc/kcore']), [
    { key: '/data', val: '/data' }, { key: '/tmp/in-tmpfs', val: '/tmp/in-tmpfs' }, { key: '/dev/null', val: '/dev/null' }, { key: '/proc/kcore', val: '/dev/null' },
  ]);
  assert.equal(restoreExtMounts(plan), [
    { key: '/data', val: '/host/data' }, { key: '/tmp/in-tmpfs', val: '/host/x' }, { key: '/dev/null', val: '/dev/null' }, { key: '/dev/null', val: '/dev/null' },
  ]);
  // mount points CRIU needs, except those inside a tmpfs it restores itself
  assert.equal(restoreMountpoints(plan).map((m) => m.destination), ['/data', '/tmp']);
});

test('namespaces with a path: net/pid external (by CRIU version), others joined, cgroup refused', () => {
  const config = { linux: { namespaces: [{ type: 'network', path: '/run/netns/a' }, { type: 'pid', path: '/proc/9/ns/pid' }, { type: 'ipc', path: '/proc/9/ns/ipc' }, { type: 'mount' }] } } as Spec;
  assert.equal(dumpExternalNamespaces(config, () => 77, 31701), ['net[77]:extRootNetNS', 'pid[77]:extRootPidNS']);
  assert.equal(dumpExternalNamespaces(config, () => 77, 31400), ['net[77]:extRootNetNS']);
  assert.equal(restoreNamespaces(config, 31701), {
    joinNs: [{ ns: 'ipc', nsFile: '/proc/9/ns/ipc' }],
    inherit: [{ key: 'extRootNetNS', path: '/run/netns/a' }, { key: 'extRootPidNS', path: '/proc/9/ns/pid' }],
  });
  assert.match(userErrorMessage(() => restoreNamespaces({ linux: { namespaces: [{ type: 'cgroup', path: '/x' }] } } as Spec, 31701)), 'cgroup');
});

test('stdio pipes are handed over by their dump-time names; v1 cgroup roots from /proc/<pid>/cgroup', () => {
  assert.equal(inheritPipes(['/dev/null', 'pipe:[123]', 'pipe:[124]']), [{ key: 'pipe:[123]', fd: 1 }, { key: 'pipe:[124]', fd: 2 }]);
  assert.equal(cgroupRoots('12:memory:/a\n11:cpu,cpuacct:/a\n0::/u\n'), [{ ctrl: 'memory', path: '/a' }, { ctrl: 'cpu,cpuacct', path: '/a' }]);
  assert.equal(cgroupRoots('0::/system.slice/c1\n'), [{ path: '/system.slice/c1' }]);
});

test('restore: the network namespace a dump left locked (same inode) is not locked again; any other is, as runc asks', () => {
  const NET = 0x40000000;
  assert.is(restoreEmptyNs(undefined, 4026532300, 4026532300), 0, 'the same external netns: no second lock');
  assert.is(restoreEmptyNs(undefined, 4026532300, 4026532999), NET, 'another netns (a migration): as runc');
  assert.is(restoreEmptyNs(undefined, undefined, undefined), NET, 'a netns CRIU makes: as runc');
  assert.is(restoreEmptyNs('network', 4026532300, 4026532300), NET, '--empty-ns network asks for it');
  const spec = { ociVersion: '1.3.0', linux: { namespaces: [{ type: 'network' as const, path: '/run/netns/x' }] } } as Spec;
  assert.is(externalNetns(spec, () => 42), 42);
  assert.is(externalNetns({ ociVersion: '1.3.0', linux: { namespaces: [{ type: 'network' as const }] } } as Spec, () => 42), undefined);
});

test.run();
