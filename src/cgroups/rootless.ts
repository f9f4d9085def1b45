// runc's rootless cgroup rules around a cgroupfs manager: when the cgroup cannot be
// created for lack of permission, a container that sets no limits and names no
// cgroupsPath runs without one (it stays in the caller's cgroup); one that sets a
// limit fails with the field named; an explicit cgroupsPath must be writable.
import type { LinuxResources } from '../spec/config.js';
import { UserError } from '../errors.js';
import { NoCgroup } from './none.js';
import { ForwardingCgroup } from './forwarding.js';
import type { CgroupManager } from './types.js';

/** EPERM, EACCES and EROFS: for a user, a read-only cgroupfs is a permission problem too. */
export function isPermissionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPERM' || code === 'EACCES' || code === 'EROFS';
}

export interface RootlessCgroupOptions {
  /** linux.cgroupsPath was set: then its cgroup must be made, as runc. */
  explicitPath: boolean;
  /** The first limit the resources ask for (devices aside), if any. */
  requested: (r: LinuxResources) => string | undefined;
}

export class RootlessCgroup extends ForwardingCgroup {
  private current: CgroupManager;
  /** Why the cgroup could not be made, once create() gave up on it. */
  private skipped?: string;

  constructor(
    private readonly inner: CgroupManager,
    private readonly opts: RootlessCgroupOptions,
  ) {
    super();
    this.current = inner;
  }

  protected override get target(): CgroupManager {
    return this.current;
  }

  override create(): void {
    try {
      this.inner.create();
    } catch (err) {
      if (!isPermissionError(err)) throw err;
      const why = (err as Error).message;
      if (this.opts.explicitPath) {
        throw new UserError(`config.json: /linux/cgroupsPath: ${why} (rootless: a cgroupsPath must name a cgroup you may write to, e.g. one delegated to you)`);
      }
      this.skipped = why;
      this.current = new NoCgroup(this.inner.path);
    }
  }

  override apply(r: LinuxResources, specDevices?: readonly { path: string }[]): void {
    if (this.skipped === undefined) {
      this.inner.apply(r, specDevices);
      return;
    }
    const field = this.opts.requested(r);
    if (field) {
      throw new UserError(
        `config.json: /linux/resources/${field}: cannot be set: the rootless container could not create its cgroup (${this.skipped}); remove the limit or give the container a cgroup you may write to`,
      );
    }
  }
}
