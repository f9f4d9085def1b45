import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as mo from '../../src/plan/mount-options.js';

const fail = (i: number, msg: string): never => {
  throw new Error(`${i}: ${msg}`);
};
const parse = (...opts: string[]) => mo.parseMountOptions(opts, fail);

test('set and clear flags; the later option wins', () => {
  assert.is(parse('ro', 'nosuid', 'nodev', 'noexec').flags, mo.MS_RDONLY | mo.MS_NOSUID | mo.MS_NODEV | mo.MS_NOEXEC);
  const p = parse('ro', 'rw', 'nosuid', 'suid', 'noexec');
  assert.is(p.flags, mo.MS_NOEXEC);
  assert.is(p.clearedFlags, mo.MS_RDONLY | mo.MS_NOSUID);
  assert.is(parse('rw', 'ro').clearedFlags, 0);
});

test('every generic flag option maps to its MS_* flag', () => {
  const set: [string, number][] = [
    ['sync', mo.MS_SYNCHRONOUS], ['dirsync', mo.MS_DIRSYNC], ['remount', mo.MS_REMOUNT], ['mand', mo.MS_MANDLOCK],
    ['noatime', mo.MS_NOATIME], ['nodiratime', mo.MS_NODIRATIME], ['relatime', mo.MS_RELATIME],
    ['strictatime', mo.MS_STRICTATIME], ['lazytime', mo.MS_LAZYTIME], ['iversion', mo.MS_I_VERSION],
    ['silent', mo.MS_SILENT], ['nosymfollow', mo.MS_NOSYMFOLLOW], ['bind', mo.MS_BIND], ['rbind', mo.MS_BIND | mo.MS_REC],
  ];
  for (const [opt, flag] of set) assert.is(parse(opt).flags, flag, opt);
  const clear: [string, number][] = [
    ['async', mo.MS_SYNCHRONOUS], ['atime', mo.MS_NOATIME], ['dev', mo.MS_NODEV], ['diratime', mo.MS_NODIRATIME],
    ['exec', mo.MS_NOEXEC], ['nomand', mo.MS_MANDLOCK], ['norelatime', mo.MS_RELATIME], ['nostrictatime', mo.MS_STRICTATIME],
    ['nolazytime', mo.MS_LAZYTIME], ['noiversion', mo.MS_I_VERSION], ['loud', mo.MS_SILENT], ['symfollow', mo.MS_NOSYMFOLLOW],
  ];
  for (const [opt, flag] of clear) {
    const p = parse(opt);
    assert.is(p.flags, 0, opt);
    assert.is(p.clearedFlags, flag, opt);
  }
});

test('propagation options stay out of flags; the last one counts', () => {
  for (const [opt, flag] of Object.entries(mo.PROPAGATION_FLAGS)) {
    const p = parse('rbind', opt);
    assert.is(p.propagation, flag, opt);
    assert.is(p.flags, mo.MS_BIND | mo.MS_REC, opt);
  }
  assert.is(parse('rprivate', 'slave').propagation, mo.MS_SLAVE);
});

test('recursive attributes: set/clear, atime modes clear MOUNT_ATTR__ATIME', () => {
  assert.equal([parse('rro').attrSet, parse('rro').attrClr], [mo.MOUNT_ATTR_RDONLY, 0]);
  assert.equal([parse('rro', 'rrw').attrSet, parse('rro', 'rrw').attrClr], [0, mo.MOUNT_ATTR_RDONLY]);
  const r = parse('rnodev', 'rnoexec', 'rnosuid', 'rnosymfollow', 'rnodiratime');
  assert.is(r.attrSet, mo.MOUNT_ATTR_NODEV | mo.MOUNT_ATTR_NOEXEC | mo.MOUNT_ATTR_NOSUID | mo.MOUNT_ATTR_NOSYMFOLLOW | mo.MOUNT_ATTR_NODIRATIME);
  assert.is(r.attrClr, 0);
  const s = parse('rstrictatime');
  assert.equal([s.attrSet, s.attrClr], [mo.MOUNT_ATTR_STRICTATIME, mo.MOUNT_ATTR__ATIME]);
  const rel = parse('rrelatime');
  assert.equal([rel.attrSet, rel.attrClr], [0, mo.MOUNT_ATTR__ATIME]);
  const c = parse('rdev', 'rexec', 'rsuid', 'rsymfollow', 'rdiratime');
  assert.is(c.attrClr, mo.MOUNT_ATTR_NODEV | mo.MOUNT_ATTR_NOEXEC | mo.MOUNT_ATTR_NOSUID | mo.MOUNT_ATTR_NOSYMFOLLOW | mo.MOUNT_ATTR_NODIRATIME);
  assert.is(parse('ratime').attrClr, mo.MOUNT_ATTR__ATIME);
});

test('unknown options are filesystem data; defaults is a no-op', () => {
  const p = parse('defaults', 'mode=755', 'nosuid', 'size=64k', 'acl');
  assert.is(p.data, 'mode=755,size=64k,acl');
  assert.is(p.flags, mo.MS_NOSUID);
});

test('unsupported options fail with their index', () => {
  assert.throws(() => parse('nosuid', 'tmpcopyup'), /^1: tmpcopyup is not supported$/);
  assert.is(parse('nosuid', 'ridmap').idmap, 'ridmap');
});

test.run();
