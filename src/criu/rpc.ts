// CRIU's RPC messages (criu/images/rpc.proto of CRIU 3.x) as protobuf schemas,
// with the TypeScript shapes tsrunc fills in. Only the fields tsrunc uses.
import { decode, encode, type Message, type Schema } from './protobuf.js';

export const ReqType = { DUMP: 1, RESTORE: 2, PRE_DUMP: 4, NOTIFY: 6, FEATURE_CHECK: 9, VERSION: 10 } as const;
export type ReqTypeName = keyof typeof ReqType;

/** criu_cg_mode: what --manage-cgroups-mode takes (runc's names). */
export const CG_MODES = { ignore: 0, none: 1, props: 2, soft: 3, full: 4, strict: 5 } as const;
export type CgMode = keyof typeof CG_MODES;

const EXT_MOUNT: Schema = { key: [1, 'string'], val: [2, 'string'] };
const INHERIT_FD: Schema = { key: [1, 'string'], fd: [2, 'int'] };
const CGROUP_ROOT: Schema = { ctrl: [1, 'string'], path: [2, 'string'] };
const JOIN_NS: Schema = { ns: [1, 'string'], nsFile: [2, 'string'] };
const PAGE_SERVER: Schema = { address: [1, 'string'], port: [2, 'int'] };

const OPTS: Schema = {
  imagesDirFd: [1, 'int'],
  pid: [2, 'int'],
  leaveRunning: [3, 'bool'],
  extUnixSk: [4, 'bool'],
  tcpEstablished: [5, 'bool'],
  evasiveDevices: [6, 'bool'],
  shellJob: [7, 'bool'],
  fileLocks: [8, 'bool'],
  logLevel: [9, 'int'],
  logFile: [10, 'string'],
  ps: [11, { message: PAGE_SERVER }],
  notifyScripts: [12, 'bool'],
  root: [13, 'string'],
  parentImg: [14, 'string'],
  trackMem: [15, 'bool'],
  autoDedup: [16, 'bool'],
  workDirFd: [17, 'int'],
  extMnt: [23, { message: EXT_MOUNT }, 'repeated'],
  manageCgroups: [24, 'bool'],
  cgRoot: [25, { message: CGROUP_ROOT }, 'repeated'],
  rstSibling: [26, 'bool'],
  inheritFd: [27, { message: INHERIT_FD }, 'repeated'],
  manageCgroupsMode: [34, 'int'],
  external: [37, 'string', 'repeated'],
  emptyNs: [38, 'int'],
  joinNs: [39, { message: JOIN_NS }, 'repeated'],
  freezeCgroup: [44, 'string'],
  lazyPages: [48, 'bool'],
  statusFd: [49, 'int'],
  orphanPtsMaster: [50, 'bool'],
  configFile: [51, 'string'],
};

const FEATURES: Schema = { memTrack: [1, 'bool'], lazyPages: [2, 'bool'] };
const REQ: Schema = { type: [1, 'int'], opts: [2, { message: OPTS }], notifySuccess: [3, 'bool'], features: [5, { message: FEATURES }] };
const RESP: Schema = {
  type: [1, 'int'],
  success: [2, 'bool'],
  restore: [4, { message: { pid: [1, 'int'] } }],
  notify: [5, { message: { script: [1, 'string'], pid: [2, 'int'] } }],
  crErrno: [7, 'int'],
  features: [8, { message: FEATURES }],
  crErrmsg: [9, 'string'],
  version: [10, { message: { major: [1, 'int'], minor: [2, 'int'], gitid: [3, 'string'], sublevel: [4, 'int'] } }],
};

export interface CriuOpts {
  imagesDirFd: number;
  pid?: number;
  leaveRunning?: boolean;
  extUnixSk?: boolean;
  tcpEstablished?: boolean;
  evasiveDevices?: boolean;
  shellJob?: boolean;
  fileLocks?: boolean;
  logLevel?: number;
  logFile?: string;
  ps?: { address: string; port: number };
  notifyScripts?: boolean;
  root?: string;
  parentImg?: string;
  trackMem?: boolean;
  autoDedup?: boolean;
  workDirFd?: number;
  extMnt?: { key: string; val: string }[];
  manageCgroups?: boolean;
  cgRoot?: { ctrl?: string; path: string }[];
  rstSibling?: boolean;
  inheritFd?: { key: string; fd: number }[];
  manageCgroupsMode?: number;
  external?: string[];
  emptyNs?: number;
  joinNs?: { ns: string; nsFile: string }[];
  freezeCgroup?: string;
  lazyPages?: boolean;
  statusFd?: number;
  orphanPtsMaster?: boolean;
  configFile?: string;
}

export interface CriuReq {
  type: ReqTypeName;
  opts?: CriuOpts;
  notifySuccess?: boolean;
  features?: { memTrack?: boolean; lazyPages?: boolean };
}

export interface CriuResp {
  type: number;
  success: boolean;
  restore?: { pid?: number };
  notify?: { script?: string; pid?: number };
  crErrno?: number;
  crErrmsg?: string;
  features?: { memTrack?: boolean; lazyPages?: boolean };
  version?: { major?: number; minor?: number; sublevel?: number; gitid?: string };
}

export function encodeReq(req: CriuReq): Buffer {
  return encode(REQ, { ...req, type: ReqType[req.type] } as unknown as Message);
}

export function decodeResp(buf: Uint8Array): CriuResp {
  const m = decode(RESP, buf) as unknown as CriuResp;
  return { ...m, success: m.success === true };
}

/** 3.17.1 → 31701, CRIU's own version number as runc compares them. */
export function versionNumber(v: CriuResp['version']): number {
  return (v?.major ?? 0) * 10000 + (v?.minor ?? 0) * 100 + (v?.sublevel ?? 0);
}
