// runc-style logging: with --log, lines go to that file in text or JSON form
// (containerd's shim shows the last "error" line of the JSON log to users);
// errors are also printed plainly on stderr.
import { appendFileSync } from 'node:fs';
import { writeErr } from './output.js';

export type LogFormat = 'text' | 'json';
type Level = 'debug' | 'info' | 'warning' | 'error';

export interface LogConfig {
  file?: string;
  format: LogFormat;
  debug: boolean;
}

let config: LogConfig = { format: 'text', debug: false };

export function configureLog(c: LogConfig): void {
  config = c;
  // as runc: the file exists once the command ran, even when nothing was logged
  if (c.file) {
    try {
      appendFileSync(c.file, '');
    } catch {
      // reported by the first write, which then goes to stderr
    }
  }
}

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function format(level: Level, msg: string): string {
  if (config.format === 'json') return JSON.stringify({ level, msg, time: timestamp() }) + '\n';
  return `time="${timestamp()}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

function write(level: Level, msg: string): void {
  if (config.file) {
    try {
      appendFileSync(config.file, format(level, msg));
      return;
    } catch {
      // an unwritable log must not hide the message: fall through to stderr
    }
  }
  writeErr(format(level, msg));
}

export const log = {
  debug(msg: string): void {
    if (config.debug) write('debug', msg);
  },
  warn(msg: string): void {
    write('warning', msg);
  },
  /** The one line a user sees for a failed command. */
  error(msg: string): void {
    if (config.file) write('error', msg);
    writeErr(`tsrunc: ${msg}\n`);
  },
};
