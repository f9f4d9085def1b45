// Signal names and numbers as `kill` accepts them: KILL, SIGKILL, sigkill, 9.
import { constants } from 'node:os';
import { UserError } from '../errors.js';

const SIGNALS = constants.signals as Record<string, number>;

/** glibc's real-time range on Linux: SIGRTMIN is 34 (two are kept for threads), SIGRTMAX 64. */
const RTMIN = 34;
const RTMAX = 64;

/** 0 is valid: `kill <id> 0` only checks that the init is alive, as kill(2) does. */
export function parseSignal(raw: string): number {
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n >= 0 && n <= RTMAX) return n;
    throw new UserError(`invalid signal number "${raw}"`);
  }
  const upper = raw.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const rt = name.match(/^SIGRTMIN(?:\+(\d+))?$|^SIGRTMAX(?:-(\d+))?$/);
  if (rt) {
    const n = rt[0].startsWith('SIGRTMIN') ? RTMIN + Number(rt[1] ?? 0) : RTMAX - Number(rt[2] ?? 0);
    if (n < RTMIN || n > RTMAX) throw new UserError(`unknown signal "${raw}": real-time signals are SIGRTMIN (${RTMIN}) to SIGRTMAX (${RTMAX})`);
    return n;
  }
  const n = SIGNALS[name];
  if (n === undefined) throw new UserError(`unknown signal "${raw}"`);
  return n;
}
