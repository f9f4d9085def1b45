// Rootless mode's pure rules: --rootless and the default --root (runc's), what a
// config needs to run unprivileged, how the id maps are written, OWNER names.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultRoot, parseRootlessFlag, rootlessCgroups, uidMapIsNested, type HostFacts } from '../../src/runtime/rootless-mode.js';
import { rootlessProblem } from '../../src/spec/rootless-check.js';
import { chooseMapWriter, toolArgs } from '../../src/linux/idmap-writer.js';
import { userNameIn } from '../../src/linux/user-name.js';
import { ownCgroupDirs } from '../../src/cgroups/paths.js';
import { UserError } from '../../src/errors.js';
import { defaultConfig } from '../../src/spec/default-config.js';
import type { Spec } from '../../src/spec/config.js';

const facts = (f: Partial<HostFacts> & { nested?: boolean }): HostFacts => ({ euid: 0, inUserNs: () => f.nested ?? false, ...f });

test('--rootless: true/false in the spellings Go accepts, auto by who runs', () => {
  assert.is(parseRootlessFlag('auto'), undefined);
  assert.is(parseRootlessFlag('True'), true);
  assert.is(parseRootlessFlag('0'), false);
  assert.throws(() => parseRootlessFlag('maybe'), (e: Error) => e instanceof UserError && /--rootless: must be true, false or auto/.test(e.message));
  assert.is(rootlessCgroups('auto', facts({ euid: 1000 }), false), true);
  assert.is(rootlessCgroups('auto', facts({ euid: 0 }), false), false);
  assert.is(rootlessCgroups('auto', facts({ euid: 0, nested: true }), false), true, 'root in a user namespace');
  assert.is(rootlessCgroups('auto', facts({ euid: 0, nested: true }), true), false, 'with the systemd driver, as runc falls back');
  assert.is(rootlessCgroups('false', facts({ euid: 1000 }), false), false);
});

test('the default --root: $XDG_RUNTIME_DIR/tsrunc for a user, /run/tsrunc for real root', () => {
  assert.is(defaultRoot(facts({ euid: 1000, xdgRuntimeDir: '/run/user/1000/' })), '/run/user/1000/tsrunc');
  assert.is(defaultRoot(facts({ euid: 1000 })), '/run/tsrunc');
  assert.is(defaultRoot(facts({ euid: 0, xdgRuntimeDir: '/run/user/0' })), '/run/tsrunc');
  assert.is(defaultRoot(facts({ euid: 0, nested: true, xdgRuntimeDir: '/run/user/1000', user: 'alice' })), '/run/user/1000/tsrunc');
  assert.is(defaultRoot(facts({ euid: 0, nested: true, xdgRuntimeDir: '/run/user/0', user: 'root' })), '/run/tsrunc');
  assert.is(uidMapIsNested('         0          0 4294967295\n'), false);
  assert.is(uidMapIsNested('         0       1000          1\n'), true);
});

const rootless = (mutate: (s: Spec) => void = () => {}): Spec => {
  const s = defaultConfig({ rootless: true, hostUid: 1000, hostGid: 1000 }) as Spec;
  mutate(s);
  return s;
};
const ids = { euid: 1000, egid: 1000 };

test('a config for a user: needs a user namespace and its own ids mapped; names the field that is wrong', () => {
  assert.is(rootlessProblem(rootless(), ids), undefined);
  assert.match(rootlessProblem(rootless((s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'user'))), ids)!, /^config\.json: \/linux\/namespaces: /);
  assert.match(rootlessProblem(rootless((s) => (s.linux!.uidMappings = [{ containerID: 0, hostID: 2000, size: 1 }])), ids)!, /^config\.json: \/linux\/uidMappings: .*own uid 1000/);
  assert.match(rootlessProblem(rootless((s) => (s.linux!.gidMappings = [])), ids)!, /^config\.json: \/linux\/gidMappings: /);
  assert.match(rootlessProblem(rootless((s) => (s.process!.user = { uid: 5, gid: 0 })), ids)!, /^config\.json: \/process\/user\/uid: 5 is not mapped/);
  assert.match(rootlessProblem(rootless((s) => (s.process!.user = { uid: 0, gid: 0, additionalGids: [0] })), ids)!, /^config\.json: \/process\/user\/additionalGids: .*setgroups/);
  assert.match(rootlessProblem(rootless((s) => s.mounts!.push({ destination: '/x', type: 'tmpfs', source: 'tmpfs', options: ['uid=7'] })), ids)!, /^config\.json: \/mounts\/\d+\/options\/0: uid=7/);
  assert.is(rootlessProblem(rootless((s) => (s.linux!.namespaces = [{ type: 'user', path: '/proc/1/ns/user' }])), ids), undefined, 'a joined user namespace has its maps');
});

test('id maps: root writes directly; a user writes only its own id directly (denying setgroups), ranges go through newuidmap/newgidmap', () => {
  const own = [{ containerID: 0, hostID: 1000, size: 1 }];
  const range = [...own, { containerID: 1, hostID: 100000, size: 65536 }];
  const found = (name: string) => `/usr/bin/${name}`;
  assert.equal(chooseMapWriter(range, range, { euid: 0, egid: 0 }, found), { uid: { how: 'direct' }, gid: { how: 'direct' }, denySetgroups: false });
  assert.equal(chooseMapWriter(own, own, ids, found), { uid: { how: 'direct' }, gid: { how: 'direct' }, denySetgroups: true });
  assert.equal(chooseMapWriter(range, range, ids, found), { uid: { how: 'tool', tool: '/usr/bin/newuidmap' }, gid: { how: 'tool', tool: '/usr/bin/newgidmap' }, denySetgroups: false });
  assert.throws(() => chooseMapWriter(range, own, ids, () => undefined), (e: Error) => e instanceof UserError && /^config\.json: \/linux\/uidMappings: .*newuidmap.*not in PATH/.test(e.message));
  assert.equal(toolArgs(42, range), ['42', '0', '1000', '1', '1', '100000', '65536']);
});

test("list's OWNER: the name passwd gives the uid, else #uid", () => {
  const passwd = 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n';
  assert.is(userNameIn(passwd, 1000), 'alice');
  assert.is(userNameIn(passwd, 0), 'root');
  assert.is(userNameIn(passwd, 7), undefined);
});

test("a container without a cgroup of its own lives in the caller's: its directories per controller", () => {
  const mounts = {
    v1: [{ mountpoint: '/sys/fs/cgroup/pids', root: '/', controllers: ['pids'] }],
    v2: { mountpoint: '/sys/fs/cgroup/unified', root: '/' },
  } as Parameters<typeof ownCgroupDirs>[0];
  const own = new Map([['pids', '/user.slice'], ['', '/user.slice/session-1.scope']]);
  assert.equal(ownCgroupDirs(mounts, own), { pids: '/sys/fs/cgroup/pids/user.slice', '': '/sys/fs/cgroup/unified/user.slice/session-1.scope' });
});

test.run();
