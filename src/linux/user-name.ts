// A uid's login name from /etc/passwd, as Go's user.LookupUid does for runc's
// `list` OWNER column; "#<uid>" when the host has no such user.
import { readFileSync } from 'node:fs';

/** The name of uid in passwd text (the format of /etc/passwd). */
export function userNameIn(passwd: string, uid: number): string | undefined {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && f[2] === String(uid) && f[0] !== '') return f[0];
  }
  return undefined;
}

export function userName(uid: number, passwdPath = '/etc/passwd'): string {
  let passwd = '';
  try {
    passwd = readFileSync(passwdPath, 'utf8');
  } catch {
    // no passwd file: the number stands for the user
  }
  return userNameIn(passwd, uid) ?? `#${uid}`;
}
