// Starting a program with posix_spawn(3) through koffi (bun:ffi in the self-contained
// binary, src/linux/bun-libc.ts), for the stub: node's
// child_process costs `create` several ms to load (with net and stream) and to
// spawn, and the stub needs none of what it offers. Like libuv, the child gets
// default signal dispositions (node ignores SIGPIPE) and an empty signal mask.
import { closeSync } from 'node:fs';
import { hostRuntime } from './host-runtime.js';
import { koffi } from './koffi.js';

/** The libc calls of a spawn; koffi's by default, bun:ffi's in the self-contained binary. */
export interface SpawnApi {
  posixSpawn(pid: number[], path: string, fa: Buffer, attr: Buffer, argv: (string | null)[], envp: (string | null)[]): number;
  faInit(fa: Buffer): number;
  faAddDup2(fa: Buffer, fd: number, newfd: number): number;
  faDestroy(fa: Buffer): number;
  attrInit(attr: Buffer): number;
  attrSetFlags(attr: Buffer, flags: number): number;
  attrSetSigDefault(attr: Buffer, set: Buffer): number;
  attrSetSigMask(attr: Buffer, set: Buffer): number;
  attrDestroy(attr: Buffer): number;
  sigfillset(set: Buffer): number;
  sigemptyset(set: Buffer): number;
  socketpair(domain: number, type: number, protocol: number, sv: number[]): number;
  fcntl(fd: number, cmd: number, type: string, arg: number): number;
  errno(): number;
}

let cached: SpawnApi | undefined;

function api(): SpawnApi {
  cached ??= hostRuntime().spawnApi?.() ?? koffiSpawnApi();
  return cached;
}

function koffiSpawnApi(): SpawnApi {
  const lib = koffi().load('libc.so.6');
  return {
    posixSpawn: lib.func('int posix_spawn(_Out_ int *pid, const char *path, void *fa, void *attr, const char **argv, const char **envp)'),
    faInit: lib.func('int posix_spawn_file_actions_init(void *fa)'),
    faAddDup2: lib.func('int posix_spawn_file_actions_adddup2(void *fa, int fd, int newfd)'),
    faDestroy: lib.func('int posix_spawn_file_actions_destroy(void *fa)'),
    attrInit: lib.func('int posix_spawnattr_init(void *attr)'),
    attrSetFlags: lib.func('int posix_spawnattr_setflags(void *attr, short flags)'),
    attrSetSigDefault: lib.func('int posix_spawnattr_setsigdefault(void *attr, const void *set)'),
    attrSetSigMask: lib.func('int posix_spawnattr_setsigmask(void *attr, const void *set)'),
    attrDestroy: lib.func('int posix_spawnattr_destroy(void *attr)'),
    sigfillset: lib.func('int sigfillset(void *set)'),
    sigemptyset: lib.func('int sigemptyset(void *set)'),
    socketpair: lib.func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)'),
    fcntl: lib.func('int fcntl(int fd, int cmd, ...)'),
    errno: () => koffi().errno(),
  };
}

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_SEQPACKET = 5;
const SOCK_CLOEXEC = 0o2000000;
const F_DUPFD_CLOEXEC = 1030;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
// glibc's posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336, sigset_t 128
const OPAQUE_SIZE = 512;

/** A connected pair of close-on-exec unix stream sockets (seqpacket ones: message boundaries kept, for CRIU's RPC). */
export function socketPair(type: 'stream' | 'seqpacket' = 'stream'): [number, number] {
  const sv = [0, 0];
  const kind = type === 'stream' ? SOCK_STREAM : SOCK_SEQPACKET;
  if (api().socketpair(AF_UNIX, kind | SOCK_CLOEXEC, 0, sv) !== 0) throw new Error(`socketpair: errno ${api().errno()}`);
  return [sv[0], sv[1]];
}

/**
 * Starts path with argv and env; the child's fd i is our fd fds[i], and it has no other
 * fds of ours (all are close-on-exec). Returns the pid, or -errno when it could not start.
 */
export function spawnProgram(path: string, argv: readonly string[], env: readonly string[], fds: readonly number[]): number {
  const c = api();
  // Each source is first duplicated above the target range: dup2 onto the same number
  // would not clear close-on-exec, and an earlier dup2 could overwrite a later source.
  const copies: number[] = [];
  const fa = Buffer.alloc(OPAQUE_SIZE);
  const attr = Buffer.alloc(OPAQUE_SIZE);
  c.faInit(fa);
  c.attrInit(attr);
  try {
    for (const fd of fds) {
      const copy = c.fcntl(fd, F_DUPFD_CLOEXEC, 'int', fds.length);
      if (copy < 0) return -c.errno();
      copies.push(copy);
    }
    copies.forEach((copy, i) => c.faAddDup2(fa, copy, i));
    const all = Buffer.alloc(128);
    const none = Buffer.alloc(128);
    c.sigfillset(all);
    c.sigemptyset(none);
    c.attrSetSigDefault(attr, all);
    c.attrSetSigMask(attr, none);
    c.attrSetFlags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    const pid = [0];
    const err = c.posixSpawn(pid, path, fa, attr, [...argv, null], [...env, null]);
    return err === 0 ? pid[0] : -err;
  } finally {
    c.faDestroy(fa);
    c.attrDestroy(attr);
    for (const copy of copies) closeSync(copy);
  }
}
