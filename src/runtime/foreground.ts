// What a foreground `run` or `exec` does while its process runs: forward our
// signals to it, wait for its exit status, and let the terminal proxy drain.
import { exitCodeOf, libc } from '../linux/libc.js';
import { waitGone } from '../linux/proc.js';
import type { ConsoleProxy } from '../linux/console.js';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/**
 * Forwards our signals to the process. Armed before the stub is spawned: the
 * process may run (and be signalled by our caller) before we have read the
 * stub's pid message, so signals that arrive earlier are held and delivered
 * once the pid is known, instead of killing tsrunc.
 */
export class SignalForwarder {
  private pid = 0;
  private armed = false;
  private held: NodeJS.Signals[] = [];
  private readonly forward = (sig: NodeJS.Signals) => {
    if (this.pid === 0) this.held.push(sig);
    else killQuietly(this.pid, sig);
  };

  arm(): void {
    if (this.armed) return;
    this.armed = true;
    for (const sig of FORWARDED) process.on(sig, this.forward);
  }

  start(pid: number): void {
    if (this.pid !== 0) return;
    this.pid = pid;
    for (const sig of this.held.splice(0)) killQuietly(pid, sig);
  }

  stop(): void {
    if (this.armed) for (const sig of FORWARDED) process.off(sig, this.forward);
    this.armed = false;
  }
}

/** The stub cloned the process with CLONE_PARENT: it is our child, so we can wait for it. */
export async function waitForExit(pid: number): Promise<number> {
  const { pid: reaped, status } = await libc().waitpidAsync(pid);
  if (reaped === pid) return exitCodeOf(status);
  // not our child after all (should not happen with CLONE_PARENT): wait it out
  waitGone(pid, undefined, 24 * 3600 * 1000);
  return 255;
}

export function killQuietly(pid: number, sig: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** How long the terminal proxy may keep copying after the process exited (others may hold the pty). */
const CONSOLE_DRAIN_MS = 5000;

export async function drainConsole(proxy: ConsoleProxy): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CONSOLE_DRAIN_MS);
  });
  await Promise.race([proxy.done, late]);
  clearTimeout(timer);
  proxy.stop();
}
