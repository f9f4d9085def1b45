// linux.namespaces → NS_JOIN / USERNS_NEW / NS_UNSHARE.
import type { LinuxNamespace } from '../spec/config.js';
import { configError } from './config-error.js';
import type { NsType } from './types.js';

export const CLONE_NEWTIME = 0x80;
export const CLONE_NEWNS = 0x20000;
export const CLONE_NEWCGROUP = 0x2000000;
export const CLONE_NEWUTS = 0x4000000;
export const CLONE_NEWIPC = 0x8000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;

/** Spec namespace type → the name under /proc/<pid>/ns and its clone flag. */
const NAMESPACES: Readonly<Record<string, { ns: NsType; flag: number }>> = {
  pid: { ns: 'pid', flag: CLONE_NEWPID },
  network: { ns: 'net', flag: CLONE_NEWNET },
  mount: { ns: 'mnt', flag: CLONE_NEWNS },
  ipc: { ns: 'ipc', flag: CLONE_NEWIPC },
  uts: { ns: 'uts', flag: CLONE_NEWUTS },
  user: { ns: 'user', flag: CLONE_NEWUSER },
  cgroup: { ns: 'cgroup', flag: CLONE_NEWCGROUP },
  time: { ns: 'time', flag: CLONE_NEWTIME },
};

/** The spec's namespace type names this compiler knows (for `features`). */
export const NAMESPACE_TYPES: readonly string[] = Object.keys(NAMESPACES);

/** setns order: user first (it grants the rights for the others), mnt last (paths stop resolving after it). */
export const JOIN_ORDER: readonly NsType[] = ['user', 'ipc', 'uts', 'net', 'pid', 'cgroup', 'time', 'mnt'];

export interface CompiledNamespaces {
  nsJoin: { type: NsType; path: string }[];
  userNsNew: boolean;
  nsUnshare: number;
  /** Every namespace the container gets, new or joined (absent = the runtime's). */
  has: Set<NsType>;
  /** The new ones (no path). */
  isNew: Set<NsType>;
}

export function compileNamespaces(namespaces: readonly LinuxNamespace[] | undefined): CompiledNamespaces {
  const joins = new Map<NsType, string>();
  const has = new Set<NsType>();
  const isNew = new Set<NsType>();
  let nsUnshare = 0;
  (namespaces ?? []).forEach((n, i) => {
    const info = NAMESPACES[n.type];
    if (!info) throw configError(`/linux/namespaces/${i}/type`, `unknown namespace "${n.type}"`);
    if (has.has(info.ns)) throw configError('/linux/namespaces', `duplicate namespace "${n.type}"`);
    has.add(info.ns);
    if (n.path) {
      if (!n.path.startsWith('/')) throw configError(`/linux/namespaces/${i}/path`, `must be an absolute path: "${n.path}"`);
      joins.set(info.ns, n.path);
    } else {
      isNew.add(info.ns);
      if (info.ns !== 'user') nsUnshare |= info.flag;
    }
  });
  const nsJoin = JOIN_ORDER.filter((t) => joins.has(t)).map((type) => ({ type, path: joins.get(type)! }));
  return { nsJoin, userNsNew: isNew.has('user'), nsUnshare, has, isNew };
}
