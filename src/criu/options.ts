// What tsrunc tells CRIU about a container, decided from its config and plan
// the way runc's libcontainer does (container_linux.go, v1.1.5): which mounts
// are external, which namespaces are joined or inherited, which stdio pipes
// are handed over, and how runc's flags map onto criu_opts. Pure: callers
// pass what they read from the host.
import { UserError } from '../errors.js';
import type { Spec } from '../spec/config.js';
import type { Plan } from '../plan/types.js';
import { CG_MODES, type CriuOpts } from './rpc.js';

/** runc's checkpoint/restore flags, parsed. */
export interface CriuFlags {
  imagePath: string;
  workPath?: string;
  parentPath?: string;
  leaveRunning?: boolean;
  tcpEstablished?: boolean;
  extUnixSk?: boolean;
  shellJob?: boolean;
  fileLocks?: boolean;
  preDump?: boolean;
  autoDedup?: boolean;
  lazyPages?: boolean;
  statusFd?: number;
  pageServer?: string;
  manageCgroupsMode?: string;
  emptyNs?: string;
}

/** The file in the image directory where checkpoint writes the init's fds 0-2 (runc's name). */
export const DESCRIPTORS_FILE = 'descriptors.json';

const CLONE_NEWNET = 0x40000000;

/** --manage-cgroups-mode: runc takes soft, full and strict (ignore too, as later runc versions). */
export function manageCgroupsMode(mode: string | undefined): number | undefined {
  if (mode === undefined || mode === '') return undefined;
  if (mode === 'soft' || mode === 'full' || mode === 'strict' || mode === 'ignore') return CG_MODES[mode];
  throw new UserError(`--manage-cgroups-mode: invalid manage cgroups mode "${mode}": must be soft, full, strict or ignore`);
}

/** --page-server ADDRESS:PORT. */
export function pageServer(text: string | undefined): CriuOpts['ps'] {
  if (!text) return undefined;
  const m = /^(.+):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || m[1] === '' || !(port > 0 && port < 65536)) throw new UserError(`--page-server: use ADDRESS:PORT, not "${text}"`);
  return { address: m[1].replace(/^\[(.*)\]$/, '$1'), port };
}

/** runc always leaves the network namespace empty (it does not manage network devices); --empty-ns network is the only other value. */
export function emptyNsMask(ns: string | undefined): number {
  if (ns && ns !== 'network') throw new UserError(`--empty-ns: namespace "${ns}" is not supported`);
  return CLONE_NEWNET;
}

/**
 * The file a checkpoint leaves in the image directory when it dumped (and so left locked)
 * a network namespace the container joined by path: that namespace's inode.
 */
export const LOCKED_NETNS_FILE = 'tsrunc-locked-netns';

/** The inode of a network namespace the config joins by path, if any. */
export function externalNetns(config: Spec, inode: (path: string) => number): number | undefined {
  const net = (config.linux?.namespaces ?? []).find((n) => n.type === 'network' && n.path);
  return net?.path ? inode(net.path) : undefined;
}

/**
 * empty_ns for a restore. runc always asks for an empty network namespace, and CRIU then
 * locks it once more before restoring connections. A dump locks the network namespace it
 * dumps (CRIU's iptables chain) and leaves it locked: a namespace the container joins by
 * path outlives the dump and still holds that lock when the restore joins it again. A
 * second lock there makes CRIU's unlock at the end fail (two jumps to one chain), and the
 * namespace stays closed to all traffic. So when the namespace is the one the dump locked
 * (lockedInode, same inode), it is not locked again, unless --empty-ns network says so.
 */
export function restoreEmptyNs(flag: string | undefined, joinedInode: number | undefined, lockedInode: number | undefined): number {
  const mask = emptyNsMask(flag);
  if (flag === undefined && joinedInode !== undefined && joinedInode === lockedInode) return mask & ~CLONE_NEWNET;
  return mask;
}

/** --parent-path: relative to the image directory, as runc insists. */
export function checkParentPath(parent: string | undefined): void {
  if (parent && parent.startsWith('/')) throw new UserError('--parent-path must be relative');
}

/** runc's org.criu.config annotation: a CRIU config file of the container's own, "" for none; default /etc/criu/runc.conf. */
export function criuConfigFile(config: Spec): string | undefined {
  const a = config.annotations?.['org.criu.config'];
  if (a === undefined) return '/etc/criu/runc.conf';
  return a === '' ? undefined : a;
}

/** Bind mounts the init made from host paths (config binds, v1 cgroup binds, bound devices): external for CRIU. */
export function externalMounts(plan: Pick<Plan, 'mounts' | 'devices'>): { destination: string; source: string }[] {
  const out: { destination: string; source: string }[] = [];
  for (const m of plan.mounts) if (m.fstype === 'bind') out.push({ destination: m.destination, source: m.source });
  for (const d of plan.devices) if (d.how === 'bind') out.push({ destination: d.path, source: d.path });
  return out;
}

/**
 * ext_mnt for a dump: each external mount is named by its destination; masked
 * files (binds of /dev/null) by "/dev/null". maskedFiles: the masked paths
 * that are files in the running container (directories get a tmpfs).
 */
export function dumpExtMounts(plan: Pick<Plan, 'mounts' | 'devices'>, maskedFiles: readonly string[]): { key: string; val: string }[] {
  return [
    ...externalMounts(plan).map((m) => ({ key: m.destination, val: m.destination })),
    ...maskedFiles.map((p) => ({ key: p, val: '/dev/null' })),
  ];
}

/** ext_mnt for a restore: the names the dump gave, mapped to this host's sources. */
export function restoreExtMounts(plan: Pick<Plan, 'mounts' | 'devices' | 'maskedPaths'>): { key: string; val: string }[] {
  const out = externalMounts(plan).map((m) => ({ key: m.destination, val: m.source }));
  if (plan.maskedPaths.length > 0) out.push({ key: '/dev/null', val: '/dev/null' });
  return out;
}

/** CRIU's key for an external namespace: extRootNetNS, extRootPidNS. */
export function externalNsKey(type: 'network' | 'pid'): string {
  return type === 'network' ? 'extRootNetNS' : 'extRootPidNS';
}

/** Namespaces with a path that CRIU must treat as external at dump: "net[<inode>]:extRootNetNS". inode: stat of the path. */
export function dumpExternalNamespaces(config: Spec, inode: (path: string) => number, criuVersion: number): string[] {
  const out: string[] = [];
  for (const ns of config.linux?.namespaces ?? []) {
    if (!ns.path) continue;
    if (ns.type === 'network' && criuVersion >= 31100) out.push(`net[${inode(ns.path)}]:${externalNsKey('network')}`);
    if (ns.type === 'pid' && criuVersion >= 31500) out.push(`pid[${inode(ns.path)}]:${externalNsKey('pid')}`);
  }
  return out;
}

/** CRIU's names for namespaces it can join at restore (runc's configs.NsName). */
const CRIU_NS_NAMES: Readonly<Record<string, string>> = { ipc: 'ipc', uts: 'uts', mount: 'mnt', user: 'user', time: 'time' };

export interface RestoreNamespaces {
  joinNs: { ns: string; nsFile: string }[];
  /** net/pid namespaces to open and hand to criu as inherited fds, with their keys. */
  inherit: { key: string; path: string }[];
}

/** At restore, as runc: net/pid with a path are inherited fds, other paths joined, a cgroup path refused. */
export function restoreNamespaces(config: Spec, criuVersion: number): RestoreNamespaces {
  const out: RestoreNamespaces = { joinNs: [], inherit: [] };
  for (const ns of config.linux?.namespaces ?? []) {
    if (!ns.path) continue;
    if (ns.type === 'network' || ns.type === 'pid') {
      if (criuVersion >= (ns.type === 'network' ? 31100 : 31500)) out.inherit.push({ key: externalNsKey(ns.type), path: ns.path });
      continue;
    }
    if (ns.type === 'cgroup') throw new UserError('restore: CRIU cannot join an existing cgroup namespace (linux.namespaces: cgroup with a path)');
    const name = CRIU_NS_NAMES[ns.type];
    if (name) out.joinNs.push({ ns: name, nsFile: ns.path });
  }
  return out;
}

/**
 * The init's stdio as checkpoint saw it ("pipe:[123]", "/dev/null", …): pipes
 * are matched at restore to the restoring process's fds of the same number.
 */
export function inheritPipes(descriptors: readonly string[]): { key: string; fd: number }[] {
  return descriptors.flatMap((d, fd) => (d.includes('pipe:') && fd <= 2 ? [{ key: d, fd }] : []));
}

/** The option fields checkpoint and restore share, from the flags. */
export function commonOpts(f: CriuFlags, config: Spec): Partial<CriuOpts> {
  return {
    logLevel: 4,
    manageCgroups: true,
    notifyScripts: true,
    shellJob: f.shellJob ?? false,
    tcpEstablished: f.tcpEstablished ?? false,
    extUnixSk: f.extUnixSk ?? false,
    fileLocks: f.fileLocks ?? false,
    emptyNs: emptyNsMask(f.emptyNs),
    autoDedup: f.autoDedup ?? false,
    lazyPages: f.lazyPages ?? false,
    configFile: criuConfigFile(config),
    manageCgroupsMode: manageCgroupsMode(f.manageCgroupsMode),
  };
}
