// Passing file descriptors over unix sockets (SCM_RIGHTS) from TypeScript: CRIU
// hands a restored terminal's pty master back on its RPC socket, and restore
// forwards it to the caller's --console-socket the way create's stub does.
// The buffers live in koffi-allocated memory so msghdr can hold their addresses.
import { UserError } from '../errors.js';
import { koffi } from './koffi.js';
import { ConnectError, SOL_SOCKET, connectUnix } from './unix-socket.js';

const SCM_RIGHTS = 1;
const MSG_CMSG_CLOEXEC = 0x40000000;
const MSG_NOSIGNAL = 0x4000;
/** struct msghdr on x86-64/aarch64: name, namelen(+pad), iov, iovlen, control, controllen, flags(+pad). */
const MSGHDR_SIZE = 56;
/** struct cmsghdr: len (size_t), level, type, then the data 8-aligned. */
const CMSG_HEADER = 16;
const MAX_FDS = 8;
const CONTROL_SIZE = CMSG_HEADER + 4 * MAX_FDS;

interface SocketCalls {
  recvmsg(fd: number, msg: Buffer, flags: number): number;
  sendmsg(fd: number, msg: Buffer, flags: number): number;
  close(fd: number): number;
}

let calls: SocketCalls | undefined;

function api(): SocketCalls {
  if (calls) return calls;
  const lib = koffi().load('libc.so.6');
  calls = {
    recvmsg: lib.func('long recvmsg(int fd, void *msg, int flags)'),
    sendmsg: lib.func('long sendmsg(int fd, void *msg, int flags)'),
    close: lib.func('int close(int fd)'),
  };
  return calls;
}

/** Native memory of n bytes, its address, a view of it, and a free. */
function nativeBuffer(n: number): { address: bigint; bytes: Uint8Array; free: () => void } {
  const k = koffi();
  const p: unknown = k.alloc('uint8_t', n);
  return { address: k.address(p), bytes: new Uint8Array(k.view(p, n)), free: () => k.free(p) };
}

/** A msghdr naming one iovec (data) and a control buffer. */
function msghdr(iov: { address: bigint }, control: { address: bigint }, controlLen: number): Buffer {
  const m = Buffer.alloc(MSGHDR_SIZE);
  m.writeBigUInt64LE(iov.address, 16);
  m.writeBigUInt64LE(1n, 24);
  m.writeBigUInt64LE(control.address, 32);
  m.writeBigUInt64LE(BigInt(controlLen), 40);
  return m;
}

/** One message and the fds that came with it (close-on-exec). n = 0: the peer closed. */
export function recvWithFds(fd: number, maxLen: number): { data: Buffer; fds: number[] } {
  const data = nativeBuffer(maxLen);
  const control = nativeBuffer(CONTROL_SIZE);
  const iov = nativeBuffer(16);
  try {
    const iovView = Buffer.from(iov.bytes.buffer, iov.bytes.byteOffset, 16);
    iovView.writeBigUInt64LE(data.address, 0);
    iovView.writeBigUInt64LE(BigInt(maxLen), 8);
    const m = msghdr(iov, control, CONTROL_SIZE);
    const n = Number(api().recvmsg(fd, m, MSG_CMSG_CLOEXEC));
    if (n < 0) throw new Error(`recvmsg: errno ${koffi().errno()}`);
    const fds: number[] = [];
    const controlLen = Number(m.readBigUInt64LE(40));
    const c = Buffer.from(control.bytes.buffer, control.bytes.byteOffset, CONTROL_SIZE);
    for (let off = 0; off + CMSG_HEADER <= controlLen; ) {
      const len = Number(c.readBigUInt64LE(off));
      if (len < CMSG_HEADER) break;
      if (c.readInt32LE(off + 8) === SOL_SOCKET && c.readInt32LE(off + 12) === SCM_RIGHTS) {
        for (let p = off + CMSG_HEADER; p + 4 <= off + len; p += 4) fds.push(c.readInt32LE(p));
      }
      off += (len + 7) & ~7;
    }
    return { data: Buffer.from(data.bytes.subarray(0, n)), fds };
  } finally {
    data.free();
    control.free();
    iov.free();
  }
}

/** Connects to the unix socket at path and sends fd with name as the message, as runc's console socket protocol has it. */
export function sendFdTo(path: string, name: string, fd: number): void {
  const a = api();
  let sock: number;
  try {
    sock = connectUnix(path);
  } catch (err) {
    // the wording of create's stub for the same failure
    if (err instanceof ConnectError) throw new UserError(`connect to console socket ${err.path}: ${err.reason}`);
    throw err;
  }
  const payload = Buffer.from(name);
  const data = nativeBuffer(payload.length);
  const control = nativeBuffer(CMSG_HEADER + 8);
  const iov = nativeBuffer(16);
  try {
    data.bytes.set(payload);
    const iovView = Buffer.from(iov.bytes.buffer, iov.bytes.byteOffset, 16);
    iovView.writeBigUInt64LE(data.address, 0);
    iovView.writeBigUInt64LE(BigInt(payload.length), 8);
    const c = Buffer.from(control.bytes.buffer, control.bytes.byteOffset, CMSG_HEADER + 8);
    c.writeBigUInt64LE(BigInt(CMSG_HEADER + 4), 0);
    c.writeInt32LE(SOL_SOCKET, 8);
    c.writeInt32LE(SCM_RIGHTS, 12);
    c.writeInt32LE(fd, 16);
    const m = msghdr(iov, control, CMSG_HEADER + 8);
    if (Number(a.sendmsg(sock, m, MSG_NOSIGNAL)) < 0) throw new UserError(`--console-socket: send to ${path}: errno ${koffi().errno()}`);
  } finally {
    data.free();
    control.free();
    iov.free();
    a.close(sock);
  }
}
