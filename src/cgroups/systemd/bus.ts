// A synchronous D-Bus client on a unix socket: connect (koffi: Node has no blocking unix
// sockets), SASL EXTERNAL with our uid, Hello, then method calls that block for their
// reply, and waiting for a signal. Synchronous because the cgroup drivers are (the
// CgroupManager interface mirrors the kernel's file interface); see docs/cgroups.md for why
// this is a client of our own and not an npm library.
import { closeSync, readSync, writeSync } from 'node:fs';
import { ConnectError, connectUnix, setSocketTimeouts } from '../../linux/unix-socket.js';
import { decodeMessage, encodeMessage, messageLength, MessageType, type DBusValue, type Message } from './dbus-wire.js';

export { ConnectError };

export const SYSTEM_BUS_SOCKET = '/run/dbus/system_bus_socket';

/** An error reply: name (org.freedesktop.systemd1.NoSuchUnit, …) and its message. */
export class DBusError extends Error {
  constructor(
    readonly errorName: string,
    readonly text: string,
  ) {
    super(`${errorName}: ${text}`);
  }
}

/** The first unix:path= of a D-Bus address list, or undefined. */
function unixPath(address: string): string | undefined {
  for (const one of address.split(';')) {
    const [transport, params = ''] = one.split(':', 2);
    if (transport !== 'unix') continue;
    for (const kv of params.split(',')) {
      const [k, v] = kv.split('=');
      if (k === 'path' && v) return decodeURIComponent(v);
    }
  }
  return undefined;
}

/** The socket path of the system bus: DBUS_SYSTEM_BUS_ADDRESS (unix:path=…) or the default. */
export function systemBusPath(env: NodeJS.ProcessEnv = process.env): string {
  const address = env.DBUS_SYSTEM_BUS_ADDRESS;
  if (!address) return SYSTEM_BUS_SOCKET;
  const path = unixPath(address);
  if (!path) throw new Error(`DBUS_SYSTEM_BUS_ADDRESS=${address}: no unix:path= address in it`);
  return path;
}

/**
 * The socket path of a user's session bus, where their systemd instance answers (as runc):
 * DBUS_SESSION_BUS_ADDRESS (unix:path=…), else $XDG_RUNTIME_DIR/bus.
 */
export function sessionBusPath(env: NodeJS.ProcessEnv = process.env): string {
  const address = env.DBUS_SESSION_BUS_ADDRESS;
  if (address) {
    const path = unixPath(address);
    if (!path) throw new Error(`DBUS_SESSION_BUS_ADDRESS=${address}: no unix:path= address in it`);
    return path;
  }
  if (env.XDG_RUNTIME_DIR) return `${env.XDG_RUNTIME_DIR.replace(/\/+$/, '')}/bus`;
  throw new Error('neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set, so the session bus cannot be found');
}

export class Bus {
  private serial = 0;
  private pending = Buffer.alloc(0);
  /** Signals that arrived while waiting for a reply. */
  private signals: Message[] = [];
  uniqueName = '';

  private constructor(
    private fd: number,
    readonly path: string,
  ) {}

  /** Connects and authenticates; timeoutMs bounds every later read and write too. */
  static connect(path: string, timeoutMs = 30_000): Bus {
    const bus = new Bus(connectUnix(path), path);
    try {
      setSocketTimeouts(bus.fd, timeoutMs);
      bus.authenticate();
      const hello = bus.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' });
      bus.uniqueName = String(hello[0]);
      return bus;
    } catch (err) {
      bus.close();
      throw err;
    }
  }

  private authenticate(): void {
    const uid = Buffer.from(String(process.getuid?.() ?? 0)).toString('hex');
    this.send(Buffer.from(`\0AUTH EXTERNAL ${uid}\r\n`));
    const reply = this.readLine();
    if (!reply.startsWith('OK ')) throw new Error(`D-Bus authentication on ${this.path} refused: ${reply}`);
    this.send(Buffer.from('BEGIN\r\n'));
  }

  private readLine(): string {
    for (;;) {
      const nl = this.pending.indexOf('\r\n');
      if (nl >= 0) {
        const line = this.pending.subarray(0, nl).toString('ascii');
        this.pending = this.pending.subarray(nl + 2);
        return line;
      }
      this.fill();
    }
  }

  private send(b: Buffer): void {
    for (let off = 0; off < b.length; ) off += this.io(() => writeSync(this.fd, b, off));
  }

  private fill(): void {
    const chunk = Buffer.alloc(65536);
    const n = this.io(() => readSync(this.fd, chunk, 0, chunk.length, null));
    if (n === 0) throw new Error(`D-Bus: ${this.path} closed the connection`);
    this.pending = Buffer.concat([this.pending, chunk.subarray(0, n)]);
  }

  private io(fn: () => number): number {
    try {
      return fn();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') throw new Error(`D-Bus: no answer on ${this.path} in time`);
      throw err;
    }
  }

  private readMessage(): Message {
    for (;;) {
      const len = messageLength(this.pending);
      if (len !== undefined && this.pending.length >= len) {
        const m = decodeMessage(this.pending.subarray(0, len));
        this.pending = this.pending.subarray(len);
        return m;
      }
      this.fill();
    }
  }

  /** Sends a method call and blocks until its reply; an error reply throws DBusError. */
  call(m: Omit<Message, 'type' | 'serial'>): DBusValue[] {
    const serial = ++this.serial;
    this.send(encodeMessage({ ...m, type: MessageType.MethodCall, serial }));
    for (;;) {
      const r = this.readMessage();
      if (r.type === MessageType.Signal) {
        this.signals.push(r);
        continue;
      }
      if (r.replySerial !== serial) continue;
      if (r.type === MessageType.Error) throw new DBusError(r.errorName ?? 'org.freedesktop.DBus.Error.Failed', String(r.body?.[0] ?? ''));
      return r.body ?? [];
    }
  }

  /** Blocks until a signal matches (signals that came with earlier replies count too). */
  waitSignal(match: (m: Message) => boolean): Message {
    for (;;) {
      const i = this.signals.findIndex(match);
      if (i >= 0) return this.signals.splice(i, 1)[0];
      const m = this.readMessage();
      if (m.type === MessageType.Signal) this.signals.push(m);
    }
  }

  close(): void {
    if (this.fd < 0) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = -1;
  }
}

