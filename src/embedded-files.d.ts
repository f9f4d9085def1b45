// What only the Bun build sees (src/cli/bun-main.ts, src/linux/bun-libc.ts).

// A file the Bun build embeds: importing it gives its path inside the binary.
declare module '*/tsrunc-nsexec' {
  const path: string;
  export default path;
}

// The part of bun:ffi that bun-libc.ts uses.
declare module 'bun:ffi' {
  export type Pointer = number & { readonly __pointer: unique symbol };
  export const FFIType: { readonly i32: 5; readonly u32: 6; readonly u64: 8; readonly cstring: 14; readonly ptr: 12 };
  interface Signature {
    args: readonly number[];
    returns: number;
  }
  export function dlopen<T extends Record<string, Signature>>(
    path: string,
    symbols: T,
  ): { symbols: { [K in keyof T]: (...args: unknown[]) => unknown }; close(): void };
  export const read: { i32(ptr: Pointer, offset: number): number };
  export function ptr(view: ArrayBufferView): Pointer;
}
