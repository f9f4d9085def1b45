// What /proc says about a process: its state letter and start time. The start
// time (field 22 of /proc/<pid>/stat) tells a container's init apart from a
// later process that reused its pid.
import { readFileSync } from 'node:fs';

export interface ProcStat {
  state: string;
  startTime: string;
}

export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0], startTime: rest[19] };
}

/** True while the process exists, is not a zombie, and is the one started at startTime. */
export function isAlive(pid: number, startTime?: string): boolean {
  if (pid <= 0) return false;
  const st = procStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return startTime === undefined || st.startTime === startTime;
}

/** Polls until the process is gone or a zombie; returns false on timeout. */
export function waitGone(pid: number, startTime: string | undefined, timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid, startTime)) {
    if (Date.now() > deadline) return false;
    sleepMs(5);
  }
  return true;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
export function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
