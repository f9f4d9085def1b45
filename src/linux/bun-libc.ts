// src/linux/libc.ts's and spawn.ts's calls through bun:ffi, for the
// self-contained binary: loading koffi's native module costs a command about
// twice what bun:ffi does (8.2M vs 3.5M instructions for one flock), and
// kill, start, delete, create and run need nothing else from it (seccomp,
// bpf and the systemd bus still load koffi when a config asks for them).
import { dlopen, FFIType, ptr, read, type Pointer } from 'bun:ffi';
import { F_ADD_SEALS, type Libc } from './libc.js';
import type { SpawnApi } from './spawn.js';

const { i32, u32, u64, cstring, ptr: pointer } = FFIType;

const WNOHANG = 1;
/** How often a foreground wait looks even without a SIGCHLD (it also keeps the event loop alive). */
const WAIT_POLL_MS = 100;

let c: ReturnType<typeof open> | undefined;

function open() {
  return dlopen('libc.so.6', {
    flock: { args: [i32, i32], returns: i32 },
    mkfifo: { args: [cstring, u32], returns: i32 },
    waitpid: { args: [i32, pointer, i32], returns: i32 },
    prctl: { args: [i32, u64, u64, u64, u64], returns: i32 },
    umount2: { args: [cstring, i32], returns: i32 },
    mount: { args: [cstring, cstring, cstring, u64, cstring], returns: i32 },
    __errno_location: { args: [], returns: pointer },
    memfd_create: { args: [cstring, u32], returns: i32 },
    posix_spawn: { args: [pointer, cstring, pointer, pointer, pointer, pointer], returns: i32 },
    posix_spawn_file_actions_init: { args: [pointer], returns: i32 },
    posix_spawn_file_actions_adddup2: { args: [pointer, i32, i32], returns: i32 },
    posix_spawn_file_actions_destroy: { args: [pointer], returns: i32 },
    posix_spawnattr_init: { args: [pointer], returns: i32 },
    posix_spawnattr_setflags: { args: [pointer, i32], returns: i32 },
    posix_spawnattr_setsigdefault: { args: [pointer, pointer], returns: i32 },
    posix_spawnattr_setsigmask: { args: [pointer, pointer], returns: i32 },
    posix_spawnattr_destroy: { args: [pointer], returns: i32 },
    sigfillset: { args: [pointer], returns: i32 },
    sigemptyset: { args: [pointer], returns: i32 },
    socketpair: { args: [i32, i32, i32, pointer], returns: i32 },
    fcntl: { args: [i32, i32, i32], returns: i32 },
  }).symbols;
}

function libcSymbols() {
  c ??= open();
  return c;
}

const z = (s: string) => Buffer.from(`${s}\0`);
const num = (v: unknown) => v as number;
const errno = () => read.i32(libcSymbols().__errno_location() as Pointer, 0);

function waitpid(pid: number, status: number[], options: number): number {
  const out = new Int32Array(1);
  const r = num(libcSymbols().waitpid(pid, out, options));
  status[0] = out[0];
  return r;
}

/**
 * Waits for a child without a thread: the init is our child (CLONE_PARENT), so
 * its exit raises SIGCHLD; each one (and a slow poll, in case signals merged
 * with another child's) tries waitpid(WNOHANG).
 */
function waitpidAsync(pid: number): Promise<{ pid: number; status: number }> {
  // like koffi's waitpid.async: -1 (not our child) is an answer too
  return new Promise((resolve) => {
    const check = () => {
      const status = [0];
      const r = waitpid(pid, status, WNOHANG);
      if (r === 0) return;
      process.off('SIGCHLD', check);
      clearInterval(timer);
      resolve({ pid: r, status: status[0] });
    };
    const timer = setInterval(check, WAIT_POLL_MS);
    process.on('SIGCHLD', check);
    check();
  });
}

export function bunLibc(): Libc {
  const s = libcSymbols();
  return {
    flock: (fd, op) => num(s.flock(fd, op)),
    mkfifo: (path, mode) => num(s.mkfifo(z(path), mode)),
    waitpid,
    waitpidAsync,
    prctl: (option, a, b, d, e) => num(s.prctl(option, a, b, d, e)),
    umount2: (target, flags) => num(s.umount2(z(target), flags)),
    mount: (source, target, fstype, flags, data) => num(s.mount(z(source), z(target), z(fstype), flags, z(data))),
    memfdCreate: (name, flags) => num(s.memfd_create(z(name), flags)),
    addSeals: (fd, seals) => num(s.fcntl(fd, F_ADD_SEALS, seals)),
    errno,
  };
}

/** A NULL-terminated char *[] of the strings; keep holds their buffers alive for the call. */
function cStrings(list: readonly (string | null)[], keep: Buffer[]): BigUint64Array {
  const arr = new BigUint64Array(list.length);
  list.forEach((item, i) => {
    if (item === null) return;
    const b = z(item);
    keep.push(b);
    arr[i] = BigInt(ptr(b));
  });
  return arr;
}

export function bunSpawnApi(): SpawnApi {
  const s = libcSymbols();
  return {
    posixSpawn: (pid, path, fa, attr, argv, envp) => {
      const out = new Int32Array(1);
      const keep: Buffer[] = [];
      const r = num(s.posix_spawn(out, z(path), fa, attr, cStrings(argv, keep), cStrings(envp, keep)));
      pid[0] = out[0];
      keep.length = 0; // the strings' buffers stay referenced until the call has returned
      return r;
    },
    faInit: (fa) => num(s.posix_spawn_file_actions_init(fa)),
    faAddDup2: (fa, fd, newfd) => num(s.posix_spawn_file_actions_adddup2(fa, fd, newfd)),
    faDestroy: (fa) => num(s.posix_spawn_file_actions_destroy(fa)),
    attrInit: (attr) => num(s.posix_spawnattr_init(attr)),
    attrSetFlags: (attr, flags) => num(s.posix_spawnattr_setflags(attr, flags)),
    attrSetSigDefault: (attr, set) => num(s.posix_spawnattr_setsigdefault(attr, set)),
    attrSetSigMask: (attr, set) => num(s.posix_spawnattr_setsigmask(attr, set)),
    attrDestroy: (attr) => num(s.posix_spawnattr_destroy(attr)),
    sigfillset: (set) => num(s.sigfillset(set)),
    sigemptyset: (set) => num(s.sigemptyset(set)),
    socketpair: (domain, type, protocol, sv) => {
      const out = new Int32Array(2);
      const r = num(s.socketpair(domain, type, protocol, out));
      sv[0] = out[0];
      sv[1] = out[1];
      return r;
    },
    fcntl: (fd, cmd, _type, arg) => num(s.fcntl(fd, cmd, arg)),
    errno,
  };
}
