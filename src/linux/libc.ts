// The few libc calls Node does not offer, through koffi. Loaded lazily: most
// commands (state, list) never need it, and loading koffi costs start-up time.
// The self-contained binary offers its own (bun:ffi, src/linux/bun-libc.ts):
// kill, start, delete, create and run then never load koffi.
import { hostRuntime } from './host-runtime.js';
import { koffi } from './koffi.js';

export interface Libc {
  flock(fd: number, op: number): number;
  mkfifo(path: string, mode: number): number;
  waitpid(pid: number, status: number[], options: number): number;
  waitpidAsync(pid: number): Promise<{ pid: number; status: number }>;
  prctl(option: number, a: number, b: number, c: number, d: number): number;
  umount2(target: string, flags: number): number;
  memfdCreate(name: string, flags: number): number;
  /** fcntl(F_ADD_SEALS) */
  addSeals(fd: number, seals: number): number;
  /** mount(2) with string arguments (a bind mount ignores fstype and data) */
  mount(source: string, target: string, fstype: string, flags: number, data: string): number;
  errno(): number;
}

export const F_ADD_SEALS = 1033;

let cached: Libc | undefined;

export function libc(): Libc {
  cached ??= hostRuntime().libc?.() ?? koffiLibc();
  return cached;
}

let koffiCached: Libc | undefined;

export function koffiLibc(): Libc {
  if (koffiCached) return koffiCached;
  const lib = koffi().load('libc.so.6');
  const waitpid = lib.func('int waitpid(int pid, _Out_ int *status, int options)');
  const fcntl = lib.func('int fcntl(int fd, int cmd, ...)');
  koffiCached = {
    flock: lib.func('int flock(int fd, int op)'),
    mkfifo: lib.func('int mkfifo(const char *path, uint32_t mode)'),
    waitpid: (pid, status, options) => waitpid(pid, status, options),
    waitpidAsync: (pid) =>
      new Promise((resolve, reject) => {
        const status = [0];
        waitpid.async(pid, status, 0, (err: unknown, res: number) => {
          if (err) reject(err);
          else resolve({ pid: res, status: status[0] });
        });
      }),
    prctl: lib.func('int prctl(int option, unsigned long a, unsigned long b, unsigned long c, unsigned long d)'),
    umount2: lib.func('int umount2(const char *target, int flags)'),
    memfdCreate: lib.func('int memfd_create(const char *name, unsigned int flags)'),
    addSeals: (fd, seals) => fcntl(fd, F_ADD_SEALS, 'int', seals),
    mount: lib.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
    errno: () => koffi().errno(),
  };
  return koffiCached;
}

export const LOCK_EX = 2;
export const MNT_DETACH = 2;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;

/** Decodes a wait status into runc's exit code convention (128 + signal). */
export function exitCodeOf(status: number): number {
  const sig = status & 0x7f;
  return sig === 0 ? (status >> 8) & 0xff : 128 + sig;
}

export function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(koffi().os.errno)) if (value === errno) return name;
  return `errno ${errno}`;
}
