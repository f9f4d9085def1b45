// The terminal of a foreground `run` without --console-socket. Node cannot
// receive the pty master over a unix socket, so the stub binary runs as a
// small proxy (`tsrunc-nsexec console-proxy SOCKET`, nsexec/console_proxy.c):
// it listens on a private socket that the container's init sends the master
// to, and copies between our stdio and the pty until the container ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { UserError } from '../errors.js';
import { stubExecutable } from './stub-binary.js';

export interface ConsoleProxy {
  /** The console socket to put in the plan. */
  socket: string;
  /** Resolves when the proxy has copied the last output (the pty hung up). */
  done: Promise<void>;
  /** Ends the proxy (restoring the host terminal) and removes its socket. */
  stop(): void;
}

export async function startConsoleProxy(): Promise<ConsoleProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'tsrunc-console-'));
  const socket = join(dir, 'console.sock');
  const child: ChildProcess = spawn(stubExecutable(), ['console-proxy', socket], {
    argv0: 'tsrunc-nsexec',
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    env: {},
  });
  const done = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = () => {
    // Before it received the master SIGTERM ends it at once; after, it restores the terminal first.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const ready = child.stdio[3] as Socket;
      let seen = '';
      ready.on('data', (b: Buffer) => {
        seen += b.toString('utf8');
        if (seen.includes('ready\n')) resolve();
      });
      ready.on('error', () => {});
      ready.on('close', () => reject(new UserError('console proxy exited before it was ready')));
      child.on('error', (err) => reject(new UserError(`start console proxy: ${err.message}`)));
    });
  } catch (err) {
    stop();
    throw err;
  }
  (child.stdio[3] as Socket).destroy();
  return { socket, done, stop };
}
