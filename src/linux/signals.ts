// Signal names and numbers as `kill` accepts them: KILL, SIGKILL, sigkill, 9.
import { constants } from 'node:os';
import { UserError } from '../errors.js';

const SIGNALS = constants.signals as Record<string, number>;

export function parseSignal(raw: string): number {
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n >= 1 && n <= 64) return n;
    throw new UserError(`invalid signal number "${raw}"`);
  }
  const upper = raw.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const rt = name.match(/^SIGRTMIN(?:\+(\d+))?$|^SIGRTMAX(?:-(\d+))?$/);
  if (rt) return rt[0].startsWith('SIGRTMIN') ? 34 + Number(rt[1] ?? 0) : 64 - Number(rt[2] ?? 0);
  const n = SIGNALS[name];
  if (n === undefined) throw new UserError(`unknown signal "${raw}"`);
  return n;
}
