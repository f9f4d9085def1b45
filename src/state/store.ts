// The state directory: <root>/<id>/ holds state.json and, until start, exec.fifo.
// Commands on one container are serialized by flock on the directory itself.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeSystemError, UserError } from '../errors.js';
import { isAlive } from '../linux/proc.js';
import { libc, LOCK_EX } from '../linux/libc.js';
import type { ContainerRecord, Status } from './container-state.js';

export const EXEC_FIFO = 'exec.fifo';
const STATE_FILE = 'state.json';
/** The cgroup directories, written by create before state.json exists (see writeCgroupDirs). */
const CGROUP_FILE = 'cgroup.json';

const ID_FORMAT = /^[\w+.-]+$/;

export function validateId(id: string): void {
  if (!id) throw new UserError('container id cannot be empty');
  if (!ID_FORMAT.test(id) || id === '.' || id === '..') throw new UserError(`invalid container id format: ${id}`);
}

/** Locks this process holds, by directory: flock conflicts between two opens even in one process. */
const heldLocks = new Map<string, number>();

export class ContainerDir {
  readonly path: string;

  constructor(readonly root: string, readonly id: string) {
    validateId(id);
    this.path = join(root, id);
  }

  get fifoPath(): string {
    return join(this.path, EXEC_FIFO);
  }

  exists(): boolean {
    return existsSync(join(this.path, STATE_FILE)) || existsSync(this.path);
  }

  /** Makes the directory; fails if the id is taken. Locks it. */
  createAndLock(): void {
    try {
      mkdirSync(this.root, { recursive: true, mode: 0o711 });
    } catch (err) {
      throw new UserError(describeSystemError(`create root directory ${this.root}`, err));
    }
    try {
      mkdirSync(this.path, { mode: 0o711 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UserError(`container with id exists: ${this.id}`);
      throw new UserError(describeSystemError(`create state directory ${this.path}`, err));
    }
    this.lock();
  }

  /** Takes the container's lock, waiting for another tsrunc command to finish. */
  lock(): void {
    if (heldLocks.has(this.path)) return;
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      throw notExist(this.id);
    }
    if (libc().flock(fd, LOCK_EX) !== 0) {
      closeSync(fd);
      throw new Error(`flock ${this.path}: errno ${libc().errno()}`);
    }
    heldLocks.set(this.path, fd);
  }

  unlock(): void {
    const fd = heldLocks.get(this.path);
    if (fd !== undefined) closeSync(fd);
    heldLocks.delete(this.path);
  }

  read(): ContainerRecord {
    const file = join(this.path, STATE_FILE);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw notExist(this.id);
    }
    let rec: unknown;
    try {
      rec = JSON.parse(text);
    } catch {
      rec = undefined;
    }
    if (!isRecord(rec)) throw new CorruptState(file);
    return rec;
  }

  /** Written atomically: a reader never sees half a file. */
  write(rec: ContainerRecord): void {
    const tmp = join(this.path, `.${STATE_FILE}.tmp`);
    writeFileSync(tmp, JSON.stringify(rec));
    renameSync(tmp, join(this.path, STATE_FILE));
  }

  /** Lets delete --force find the cgroup of a create that crashed before writing state.json. */
  writeCgroupDirs(dirs: Readonly<Record<string, string>>): void {
    writeFileSync(join(this.path, CGROUP_FILE), JSON.stringify(dirs));
  }

  readCgroupDirs(): Record<string, string> | undefined {
    try {
      return JSON.parse(readFileSync(join(this.path, CGROUP_FILE), 'utf8')) as Record<string, string>;
    } catch {
      return undefined;
    }
  }

  remove(): void {
    this.unlock();
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** state.json that cannot be read back: delete --force then works from what else is left. */
export class CorruptState extends UserError {
  constructor(readonly file: string) {
    super(`${file}: corrupted state file, not a container record (delete --force removes the container)`);
  }
}

/** Enough of a record to act on: the fields every command reads. */
function isRecord(v: unknown): v is ContainerRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.id === 'string' && typeof r.pid === 'number' && typeof r.rootfs === 'string'
    && typeof r.bundle === 'string' && typeof r.config === 'object' && r.config !== null;
}

/** runc's exact text: containerd matches on "does not exist". */
export function notExist(_id: string): UserError {
  return new UserError('container does not exist');
}

/** Status derived from the real process, never stored. */
export function deriveStatus(dir: ContainerDir, rec: ContainerRecord, frozen: () => boolean): Status {
  if (!isAlive(rec.pid, rec.pidStartTime)) return 'stopped';
  // runc can pause a created container too; it then reports paused
  if (frozen()) return 'paused';
  return existsSync(dir.fifoPath) ? 'created' : 'running';
}

export function listIds(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(root, d.name, STATE_FILE)))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}
