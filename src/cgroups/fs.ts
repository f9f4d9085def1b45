// File access shared by the v1 and v2 drivers: cgroup files are small, read whole
// and written with one write(2), so the kernel sees each value exactly once.
import { closeSync, constants, existsSync, openSync, readdirSync, readFileSync, rmdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, describeSystemError, errnoText } from '../errors.js';
import { hugePageSizeName } from './convert.js';

/** Where a resources field came from, for error messages ("config.json: /linux/resources"). */
export interface ApplyContext {
  where: string;
  warn(msg: string): void;
}

/** describeSystemError as an Error that keeps the errno code (rootless mode tells permission problems apart). */
export function systemError(what: string, err: unknown): Error {
  const e: NodeJS.ErrnoException = new Error(describeSystemError(what, err));
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') e.code = code;
  return e;
}

/**
 * Runs a device-rule write; when optional (rootless: device rules need privileges a user
 * never has, and runc ignores their errors then), a failure is dropped.
 */
export function deviceRules(optional: boolean, write: () => void): void {
  try {
    write();
  } catch (err) {
    if (!optional) throw err;
  }
}

export function fieldError(ctx: ApplyContext, field: string, msg: string): UserError {
  return new UserError(`${ctx.where}/${field}: ${msg}`);
}

/** Writes one value; a kernel rejection becomes a UserError naming the resources field. */
export function writeField(ctx: ApplyContext, field: string, dir: string, file: string, value: string): void {
  try {
    writeCgroupFile(dir, file, value);
  } catch (err) {
    throw fieldError(ctx, field, `${file} rejected ${JSON.stringify(value)}: ${reason(err)}`);
  }
}

export function writeCgroupFile(dir: string, file: string, value: string): void {
  const before = journal ? previousValue(dir, file) : undefined;
  // O_WRONLY without O_CREAT/O_TRUNC: cgroup files exist or the feature is missing. Not
  // O_RDWR: write-only files (cgroup.kill, 0200) would refuse a user who owns them.
  const fd = openSync(join(dir, file), constants.O_WRONLY);
  try {
    writeSync(fd, value);
  } finally {
    closeSync(fd);
  }
  if (journal && before !== undefined) journal.push({ dir, file, value: before });
}

/** Values overwritten inside withRollback(), oldest first. */
let journal: { dir: string; file: string; value: string }[] | undefined;

/**
 * Runs fn; if it throws, writes back every single-value file it changed (newest first),
 * so a rejected `update` leaves the limits as they were. Per-device files (blkio
 * throttles, io.max, ...) hold lists that cannot be written back whole: they are skipped.
 */
export function withRollback<T>(fn: () => T, warn: (msg: string) => void): T {
  if (journal) return fn();
  journal = [];
  try {
    return fn();
  } catch (err) {
    const undo = journal.reverse();
    journal = undefined;
    for (const w of undo) {
      try {
        writeCgroupFile(w.dir, w.file, w.value);
      } catch (e) {
        warn(describeSystemError(`restore ${join(w.dir, w.file)} to ${JSON.stringify(w.value)}`, e));
      }
    }
    throw err;
  } finally {
    journal = undefined;
  }
}

/** The file's value if it is one plain value that can be written back; else undefined. */
function previousValue(dir: string, file: string): string | undefined {
  let text: string;
  try {
    text = readCgroupFile(dir, file).trim();
  } catch {
    return undefined; // write-only (cgroup.procs, devices.allow) or absent
  }
  if (text === '' || text.includes('\n') || /^\d+:\d+\s/.test(text)) return undefined;
  return text;
}

export function readCgroupFile(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8');
}

/** The file's content, or undefined when it does not exist (controller or feature absent). */
export function readOptional(dir: string, file: string): string | undefined {
  try {
    return readCgroupFile(dir, file);
  } catch (err) {
    if (isCode(err, 'ENOENT') || isCode(err, 'ENODEV')) return undefined;
    throw err;
  }
}

/** A single unsigned number ("max" → Infinity); undefined when the file is absent. */
export function readUint(dir: string, file: string): number | undefined {
  const text = readOptional(dir, file);
  if (text === undefined) return undefined;
  return parseUint(text.trim());
}

export function parseUint(text: string): number {
  if (text === 'max') return Infinity;
  return Number(text);
}

/** "key value" lines (memory.stat, cpu.stat) as a map. */
export function readKeyValues(dir: string, file: string): Record<string, number> | undefined {
  const text = readOptional(dir, file);
  if (text === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out[k] = parseUint(v);
  }
  return out;
}

export function isCode(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}

export function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? errnoText(code) : String(err);
}

/** Synchronous sleep: the drivers are synchronous, like the kernel interface they wrap. */
export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** All pids in dir and its descendants (cgroup.procs of every level). */
export function allPids(dir: string): number[] {
  const pids: number[] = [];
  const walk = (d: string, top: boolean): void => {
    let text: string | undefined;
    let entries: string[];
    try {
      text = readCgroupFile(d, 'cgroup.procs');
      entries = readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (err) {
      // a child removed while we walk is not an error; the cgroup itself missing is
      if (!top && (isCode(err, 'ENOENT') || isCode(err, 'ENODEV'))) return;
      throw new Error(describeSystemError(`read ${join(d, 'cgroup.procs')}`, err));
    }
    for (const line of text.split('\n')) if (line) pids.push(Number(line));
    for (const name of entries) walk(join(d, name), false);
  };
  walk(dir, true);
  return pids;
}

/** How long rmdir is retried while the cgroup is still busy. */
const RMDIR_BUSY_MS = 5000;

/**
 * Removes dir and its sub-cgroups, deepest first. rmdir fails with EBUSY while
 * killed processes are still exiting, so each level is retried with a growing delay.
 */
export function removeCgroupDir(dir: string): void {
  let children: string[];
  try {
    children = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if (isCode(err, 'ENOENT')) return;
    throw new Error(describeSystemError(`readdir ${dir}`, err));
  }
  for (const name of children) removeCgroupDir(join(dir, name));
  let delay = 1;
  // a killed task leaves the cgroup only once its parent reaped it, which a busy host may delay
  const deadline = Date.now() + RMDIR_BUSY_MS;
  for (;;) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      if (isCode(err, 'ENOENT')) return;
      if (!isCode(err, 'EBUSY') || Date.now() > deadline) throw new Error(describeSystemError(`rmdir ${dir}`, err));
    }
    sleepMs(delay);
    delay = Math.min(delay * 2, 200);
  }
}

export function exists(path: string): boolean {
  return existsSync(path);
}

/** Huge page sizes the kernel supports, named as in cgroup files ("2MB", "1GB"). */
export function hugePageSizes(): string[] {
  let names: string[];
  try {
    names = readdirSync('/sys/kernel/mm/hugepages');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    const m = /^hugepages-(\d+)kB$/.exec(name);
    if (m) out.push(hugePageSizeName(Number(m[1])));
  }
  return out.sort(); // the order runc's JSON map has
}
