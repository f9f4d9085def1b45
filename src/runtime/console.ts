// process.terminal and --console-socket, with runc's rules: a detached
// container (create, run -d) needs a console socket to hand the pty master
// to; a foreground run proxies the pty to its own stdio instead
// (src/linux/console.ts); a console socket without a terminal is refused.
import { resolve } from 'node:path';
import type { Process } from '../spec/config.js';
import type { Plan } from '../plan/types.js';
import { UserError } from '../errors.js';
import type { ConsoleProxy } from '../linux/console.js';

export interface ConsoleSetup {
  console?: Plan['console'];
  proxy?: ConsoleProxy;
}

export function checkTerminal(terminal: boolean, detach: boolean, consoleSocket: string | undefined): void {
  if (detach && terminal && !consoleSocket) {
    throw new UserError('cannot allocate tty if tsrunc will detach without setting console socket');
  }
  if ((!detach || !terminal) && consoleSocket) {
    throw new UserError('cannot use console socket if tsrunc will not detach or allocate tty');
  }
}

/** Checks the flags, and for a foreground terminal starts the proxy (the caller stops it on failure). */
export async function openConsole(proc: Process, detach: boolean, consoleSocket: string | undefined): Promise<ConsoleSetup> {
  const terminal = proc.terminal ?? false;
  checkTerminal(terminal, detach, consoleSocket);
  if (!terminal) return {};
  const size = { rows: proc.consoleSize?.height ?? 0, cols: proc.consoleSize?.width ?? 0 };
  if (consoleSocket) return { console: { socket: resolve(consoleSocket), ...size } };
  // imported here: it loads child_process, which a create without a terminal does not need
  const { startConsoleProxy } = await import('../linux/console.js');
  const proxy = await startConsoleProxy();
  return { console: { socket: proxy.socket, ...size }, proxy };
}
