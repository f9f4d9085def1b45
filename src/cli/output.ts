// Writing to stdout and stderr without process.stdout/stderr: creating those
// streams costs a short command ~4 ms (node loads its stream and socket
// modules). Writes are synchronous, as node's own are for files and pipes on
// Linux; a non-blocking descriptor that is full (EAGAIN) gets the rest, and
// everything after it, through the stream, so the order holds.
import { writeSync } from 'node:fs';

const throughStream = new Set<number>();

export function writeOut(text: string): void {
  write(1, text);
}

export function writeErr(text: string): void {
  write(2, text);
}

function write(fd: 1 | 2, text: string): void {
  let buf = Buffer.from(text);
  if (!throughStream.has(fd)) {
    try {
      while (buf.length > 0) buf = buf.subarray(writeSync(fd, buf));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      throughStream.add(fd);
    }
  }
  (fd === 1 ? process.stdout : process.stderr).write(buf);
}
