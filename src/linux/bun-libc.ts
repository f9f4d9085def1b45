// src/linux/libc.ts's calls through bun:ffi, for the self-contained binary:
// loading koffi's native module costs a command about twice what bun:ffi does
// (8.2M vs 3.5M instructions for one flock), and kill, start and delete need
// nothing else. waitpidAsync, for a foreground run, goes on through koffi,
// which can call waitpid off the main thread.
import { dlopen, FFIType, read, type Pointer } from 'bun:ffi';
import { koffiLibc, type Libc } from './libc.js';

const { i32, u32, u64, cstring, ptr } = { i32: FFIType.i32, u32: FFIType.u32, u64: FFIType.u64, cstring: FFIType.cstring, ptr: FFIType.ptr };

export function bunLibc(): Libc {
  const { symbols: c } = dlopen('libc.so.6', {
    flock: { args: [i32, i32], returns: i32 },
    mkfifo: { args: [cstring, u32], returns: i32 },
    waitpid: { args: [i32, ptr, i32], returns: i32 },
    prctl: { args: [i32, u64, u64, u64, u64], returns: i32 },
    umount2: { args: [cstring, i32], returns: i32 },
    __errno_location: { args: [], returns: ptr },
  });
  const z = (s: string) => Buffer.from(`${s}\0`);
  return {
    flock: (fd, op) => c.flock(fd, op) as number,
    mkfifo: (path, mode) => c.mkfifo(z(path), mode) as number,
    waitpid: (pid, status, options) => {
      const out = new Int32Array(1);
      const r = c.waitpid(pid, out, options) as number;
      status[0] = out[0];
      return r;
    },
    waitpidAsync: (pid) => koffiLibc().waitpidAsync(pid),
    prctl: (option, a, b, d, e) => c.prctl(option, a, b, d, e) as number,
    umount2: (target, flags) => c.umount2(z(target), flags) as number,
    errno: () => read.i32(c.__errno_location() as Pointer, 0),
  };
}
