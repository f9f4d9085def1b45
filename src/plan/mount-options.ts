// Mount option strings → mount(2) flags, propagation, mount_setattr attributes
// and filesystem data, with the same table as runc's specconv.

export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_SYNCHRONOUS = 0x10;
export const MS_REMOUNT = 0x20;
export const MS_MANDLOCK = 0x40;
export const MS_DIRSYNC = 0x80;
export const MS_NOSYMFOLLOW = 0x100;
export const MS_NOATIME = 0x400;
export const MS_NODIRATIME = 0x800;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_SILENT = 0x8000;
export const MS_UNBINDABLE = 0x20000;
export const MS_PRIVATE = 0x40000;
export const MS_SLAVE = 0x80000;
export const MS_SHARED = 0x100000;
export const MS_RELATIME = 0x200000;
export const MS_I_VERSION = 0x800000;
export const MS_STRICTATIME = 0x1000000;
export const MS_LAZYTIME = 0x2000000;

export const MOUNT_ATTR_RDONLY = 0x1;
export const MOUNT_ATTR_NOSUID = 0x2;
export const MOUNT_ATTR_NODEV = 0x4;
export const MOUNT_ATTR_NOEXEC = 0x8;
export const MOUNT_ATTR__ATIME = 0x70;
export const MOUNT_ATTR_RELATIME = 0x0;
export const MOUNT_ATTR_NOATIME = 0x10;
export const MOUNT_ATTR_STRICTATIME = 0x20;
export const MOUNT_ATTR_NODIRATIME = 0x80;
export const MOUNT_ATTR_NOSYMFOLLOW = 0x200000;

/** [clear, flag]: clear=true removes the flag (e.g. "rw" clears MS_RDONLY). */
type FlagEntry = readonly [clear: boolean, flag: number];

const MOUNT_FLAGS: Readonly<Record<string, FlagEntry>> = {
  async: [true, MS_SYNCHRONOUS],
  atime: [true, MS_NOATIME],
  bind: [false, MS_BIND],
  dev: [true, MS_NODEV],
  diratime: [true, MS_NODIRATIME],
  dirsync: [false, MS_DIRSYNC],
  exec: [true, MS_NOEXEC],
  iversion: [false, MS_I_VERSION],
  lazytime: [false, MS_LAZYTIME],
  loud: [true, MS_SILENT],
  mand: [false, MS_MANDLOCK],
  noatime: [false, MS_NOATIME],
  nodev: [false, MS_NODEV],
  nodiratime: [false, MS_NODIRATIME],
  noexec: [false, MS_NOEXEC],
  noiversion: [true, MS_I_VERSION],
  nolazytime: [true, MS_LAZYTIME],
  nomand: [true, MS_MANDLOCK],
  norelatime: [true, MS_RELATIME],
  nostrictatime: [true, MS_STRICTATIME],
  nosuid: [false, MS_NOSUID],
  nosymfollow: [false, MS_NOSYMFOLLOW],
  rbind: [false, MS_BIND | MS_REC],
  relatime: [false, MS_RELATIME],
  remount: [false, MS_REMOUNT],
  ro: [false, MS_RDONLY],
  rw: [true, MS_RDONLY],
  silent: [false, MS_SILENT],
  strictatime: [false, MS_STRICTATIME],
  suid: [true, MS_NOSUID],
  sync: [false, MS_SYNCHRONOUS],
  symfollow: [true, MS_NOSYMFOLLOW],
};

/** Also the values allowed for linux.rootfsPropagation. */
export const PROPAGATION_FLAGS: Readonly<Record<string, number>> = {
  private: MS_PRIVATE,
  rprivate: MS_PRIVATE | MS_REC,
  slave: MS_SLAVE,
  rslave: MS_SLAVE | MS_REC,
  shared: MS_SHARED,
  rshared: MS_SHARED | MS_REC,
  unbindable: MS_UNBINDABLE,
  runbindable: MS_UNBINDABLE | MS_REC,
};

const RECURSIVE_ATTRS: Readonly<Record<string, FlagEntry>> = {
  rro: [false, MOUNT_ATTR_RDONLY],
  rrw: [true, MOUNT_ATTR_RDONLY],
  rnosuid: [false, MOUNT_ATTR_NOSUID],
  rsuid: [true, MOUNT_ATTR_NOSUID],
  rnodev: [false, MOUNT_ATTR_NODEV],
  rdev: [true, MOUNT_ATTR_NODEV],
  rnoexec: [false, MOUNT_ATTR_NOEXEC],
  rexec: [true, MOUNT_ATTR_NOEXEC],
  rnodiratime: [false, MOUNT_ATTR_NODIRATIME],
  rdiratime: [true, MOUNT_ATTR_NODIRATIME],
  rrelatime: [false, MOUNT_ATTR_RELATIME],
  rnorelatime: [true, MOUNT_ATTR_RELATIME],
  rnoatime: [false, MOUNT_ATTR_NOATIME],
  ratime: [true, MOUNT_ATTR_NOATIME],
  rstrictatime: [false, MOUNT_ATTR_STRICTATIME],
  rnostrictatime: [true, MOUNT_ATTR_STRICTATIME],
  rnosymfollow: [false, MOUNT_ATTR_NOSYMFOLLOW],
  rsymfollow: [true, MOUNT_ATTR_NOSYMFOLLOW],
};

/** Options the spec defines that tsrunc does not implement (yet). */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  tmpcopyup: 'tmpcopyup is not supported',
};

/** Id-mapped mount options (src/plan/mounts.ts): never passed to mount(2). */
const IDMAP_OPTIONS: Readonly<Record<string, ParsedMountOptions['idmap']>> = { idmap: 'idmap', ridmap: 'ridmap' };

/** Every option name parseMountOptions acts on (not filesystem data), unsupported ones left out: for `features`. */
export function knownMountOptions(): string[] {
  const names = ['defaults', ...Object.keys(MOUNT_FLAGS), ...Object.keys(PROPAGATION_FLAGS), ...Object.keys(RECURSIVE_ATTRS), ...Object.keys(IDMAP_OPTIONS)];
  return names.filter((n) => UNSUPPORTED[n] === undefined).sort();
}

export interface ParsedMountOptions {
  /** MS_* flags, without propagation bits. */
  flags: number;
  /** Flags explicitly cleared by an option (e.g. "rw", "suid"). */
  clearedFlags: number;
  /** The last propagation option, 0 if none. */
  propagation: number;
  attrSet: number;
  attrClr: number;
  /** Options that are not generic: passed to the filesystem, comma-joined. */
  data: string;
  /** The last of the `idmap`/`ridmap` options, if any. */
  idmap?: 'idmap' | 'ridmap';
}

/**
 * Parses one mount's options. Unknown strings are filesystem data, as in runc
 * ("mode=755", "size=65536k"). `fail(i, msg)` reports an option that cannot be
 * honoured. runc applies every propagation option in turn; the last one is the
 * one that counts, so only that one is kept.
 */
export function parseMountOptions(options: readonly string[], fail: (index: number, msg: string) => never): ParsedMountOptions {
  let flags = 0;
  let clearedFlags = 0;
  let propagation = 0;
  let attrSet = 0;
  let attrClr = 0;
  let idmap: ParsedMountOptions['idmap'];
  const data: string[] = [];
  options.forEach((opt, i) => {
    const unsupported = UNSUPPORTED[opt];
    if (unsupported !== undefined) fail(i, unsupported);
    // The spec defines "defaults" as a no-op; runc passes it on as data, which filesystems reject.
    if (opt === 'defaults') return;
    if (IDMAP_OPTIONS[opt]) {
      idmap = IDMAP_OPTIONS[opt];
      return;
    }
    const flag = MOUNT_FLAGS[opt];
    if (flag) {
      const [clear, bits] = flag;
      if (clear) {
        flags &= ~bits;
        clearedFlags |= bits;
      } else {
        flags |= bits;
        clearedFlags &= ~bits;
      }
      return;
    }
    const prop = PROPAGATION_FLAGS[opt];
    if (prop !== undefined) {
      propagation = prop;
      return;
    }
    const attr = RECURSIVE_ATTRS[opt];
    if (attr) {
      const [clear, bits] = attr;
      if (clear) {
        attrClr |= bits;
        attrSet &= ~bits;
      } else {
        attrSet |= bits;
        attrClr &= ~bits;
      }
      // mount_setattr(2): an access-time mode in attr_set needs MOUNT_ATTR__ATIME in attr_clr.
      if ((bits & MOUNT_ATTR__ATIME) === bits) attrClr |= MOUNT_ATTR__ATIME;
      return;
    }
    data.push(opt);
  });
  return { flags, clearedFlags, propagation, attrSet, attrClr, data: data.join(','), ...(idmap ? { idmap } : {}) };
}
