// Expected failures (bad input, unknown container, wrong state) are UserError:
// printed as one line, exit 1, no stack trace. Anything else is a bug.

export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** Turns a Node system error into "<what>: <reason>" (e.g. "open /x: no such file or directory"). */
export function describeSystemError(what: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const reason = e && typeof e.code === 'string' ? errnoText(e.code) : String((e && e.message) || e);
  return `${what}: ${reason}`;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'file exists',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ESRCH: 'no such process',
  EINVAL: 'invalid argument',
  EBUSY: 'device or resource busy',
  ENOTEMPTY: 'directory not empty',
  ENOSPC: 'no space left on device',
  ERANGE: 'numerical result out of range',
  ENAMETOOLONG: 'file name too long',
};

export function errnoText(code: string): string {
  return ERRNO_TEXT[code] ?? code.toLowerCase();
}
