// Connecting to a unix socket path through koffi (Node has no blocking unix sockets, and
// the runtime's commands are synchronous): the D-Bus client and the console-socket sender.
// (The socketpair of the stub and CRIU's RPC is spawn.ts's: bun:ffi in the self-contained binary.)
import { closeSync } from 'node:fs';
import { errnoText } from '../errors.js';
import { koffi } from './koffi.js';
import { errnoName } from './libc.js';

const AF_UNIX = 1;
export const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20;
const SO_SNDTIMEO = 21;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
/** sun_path of struct sockaddr_un holds 108 bytes with the terminating NUL. */
const SUN_PATH_MAX = 107;

interface SocketCalls {
  socket(domain: number, type: number, protocol: number): number;
  connect(fd: number, addr: Buffer, len: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
}

let calls: SocketCalls | undefined;

function api(): SocketCalls {
  if (calls) return calls;
  const lib = koffi().load('libc.so.6');
  calls = {
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    connect: lib.func('int connect(int fd, const void *addr, uint32_t len)'),
    setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
  };
  return calls;
}

const lastErrno = (): string => errnoName(koffi().errno());

/** A socket path that cannot be connected to: the path and why ("no such file or directory"). */
export class ConnectError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`connect ${path}: ${reason}`);
  }
}

/** A close-on-exec stream socket connected to the unix socket at path; ConnectError when it cannot be. */
export function connectUnix(path: string): number {
  if (Buffer.byteLength(path) > SUN_PATH_MAX) throw new ConnectError(path, 'path too long');
  const fd = api().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error(`socket: ${lastErrno()}`);
  const addr = Buffer.alloc(2 + SUN_PATH_MAX + 1);
  addr.writeUInt16LE(AF_UNIX, 0);
  addr.write(path, 2);
  if (api().connect(fd, addr, addr.length) !== 0) {
    const reason = errnoText(lastErrno());
    closeSync(fd);
    throw new ConnectError(path, reason);
  }
  return fd;
}

/** Bounds every later blocking read and write on fd (SO_RCVTIMEO, SO_SNDTIMEO). */
export function setSocketTimeouts(fd: number, timeoutMs: number): void {
  const tv = Buffer.alloc(16);
  tv.writeBigInt64LE(BigInt(Math.floor(timeoutMs / 1000)), 0);
  tv.writeBigInt64LE(BigInt((timeoutMs % 1000) * 1000), 8);
  api().setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, tv.length);
  api().setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, tv, tv.length);
}
