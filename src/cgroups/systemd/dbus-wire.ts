// The D-Bus wire format (little-endian), as much of it as a systemd client needs: method
// calls out, method returns, errors and signals in. Pure: bytes in, values out.
// Spec: https://dbus.freedesktop.org/doc/dbus-specification.html#message-protocol
//
// Values: y/n/q/i/u → number, x/t → bigint (number accepted when writing), b → boolean,
// s/o/g → string, a<T> → T[], a{KV} → [K, V][], (…) → unknown[], v → Variant, ay → Buffer.

export class Variant {
  constructor(
    readonly signature: string,
    readonly value: DBusValue,
  ) {}
}

export type DBusValue = number | bigint | boolean | string | Buffer | Variant | DBusValue[];

export const MessageType = { MethodCall: 1, MethodReturn: 2, Error: 3, Signal: 4 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Header field codes. */
const F_PATH = 1;
const F_INTERFACE = 2;
const F_MEMBER = 3;
const F_ERROR_NAME = 4;
const F_REPLY_SERIAL = 5;
const F_DESTINATION = 6;
const F_SENDER = 7;
const F_SIGNATURE = 8;

export interface Message {
  type: MessageType;
  serial: number;
  flags?: number;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  destination?: string;
  sender?: string;
  signature?: string;
  body?: DBusValue[];
}

/** Splits a signature into its complete types ("sa(sv)b" → ["s", "a(sv)", "b"]). */
export function splitSignature(sig: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < sig.length) {
    const end = completeTypeEnd(sig, i);
    out.push(sig.slice(i, end));
    i = end;
  }
  return out;
}

function completeTypeEnd(sig: string, i: number): number {
  const c = sig[i];
  if (c === undefined) throw new Error(`D-Bus signature "${sig}" ends early`);
  if (c === 'a') return completeTypeEnd(sig, i + 1);
  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}';
    let j = i + 1;
    while (sig[j] !== close) {
      if (j >= sig.length) throw new Error(`D-Bus signature "${sig}": unclosed ${c}`);
      j = completeTypeEnd(sig, j);
    }
    return j + 1;
  }
  if ('ybnqiuxtdsogvh'.includes(c)) return i + 1;
  throw new Error(`D-Bus signature "${sig}": unknown type code "${c}"`);
}

function alignment(code: string): number {
  switch (code) {
    case 'y':
    case 'g':
    case 'v':
      return 1;
    case 'n':
    case 'q':
      return 2;
    case 'b':
    case 'i':
    case 'u':
    case 's':
    case 'o':
    case 'a':
    case 'h':
      return 4;
    default:
      return 8; // x t d ( {
  }
}

/** A growing little-endian buffer whose offsets are the message's (alignment counts from 0). */
class Writer {
  private buf = Buffer.alloc(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    this.room(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  u8(v: number): void {
    this.room(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }

  u32(v: number): void {
    this.align(4);
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.length);
    this.length += 4;
  }

  setU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v >>> 0, at);
  }

  bytes(b: Buffer): void {
    this.room(b.length);
    b.copy(this.buf, this.length);
    this.length += b.length;
  }

  write(sig: string, v: DBusValue): void {
    const c = sig[0];
    const bad = (): never => {
      throw new Error(`D-Bus: ${JSON.stringify(typeof v === 'bigint' ? String(v) : v)} is not a value of type "${sig}"`);
    };
    switch (c) {
      case 'y':
        if (typeof v !== 'number') return bad();
        this.u8(v);
        return;
      case 'b':
        if (typeof v !== 'boolean') return bad();
        this.u32(v ? 1 : 0);
        return;
      case 'n':
      case 'q': {
        if (typeof v !== 'number') return bad();
        this.align(2);
        this.room(2);
        if (c === 'n') this.buf.writeInt16LE(v, this.length);
        else this.buf.writeUInt16LE(v, this.length);
        this.length += 2;
        return;
      }
      case 'i':
      case 'u':
      case 'h': {
        if (typeof v !== 'number') return bad();
        this.align(4);
        this.room(4);
        if (c === 'i') this.buf.writeInt32LE(v, this.length);
        else this.buf.writeUInt32LE(v, this.length);
        this.length += 4;
        return;
      }
      case 'x':
      case 't': {
        if (typeof v !== 'number' && typeof v !== 'bigint') return bad();
        this.align(8);
        this.room(8);
        if (c === 'x') this.buf.writeBigInt64LE(BigInt(v), this.length);
        else this.buf.writeBigUInt64LE(BigInt(v), this.length);
        this.length += 8;
        return;
      }
      case 'd': {
        if (typeof v !== 'number') return bad();
        this.align(8);
        this.room(8);
        this.buf.writeDoubleLE(v, this.length);
        this.length += 8;
        return;
      }
      case 's':
      case 'o': {
        if (typeof v !== 'string') return bad();
        const b = Buffer.from(v, 'utf8');
        this.u32(b.length);
        this.bytes(b);
        this.u8(0);
        return;
      }
      case 'g': {
        if (typeof v !== 'string') return bad();
        const b = Buffer.from(v, 'ascii');
        this.u8(b.length);
        this.bytes(b);
        this.u8(0);
        return;
      }
      case 'v': {
        if (!(v instanceof Variant)) return bad();
        this.write('g', v.signature);
        this.write(v.signature, v.value);
        return;
      }
      case 'a': {
        const elem = sig.slice(1, completeTypeEnd(sig, 1));
        this.u32(0);
        const lengthAt = this.length - 4;
        this.align(alignment(elem[0]));
        const start = this.length;
        if (elem === 'y' && Buffer.isBuffer(v)) {
          this.bytes(v);
        } else {
          if (!Array.isArray(v)) return bad();
          for (const item of v) this.write(elem, item);
        }
        this.setU32(lengthAt, this.length - start);
        return;
      }
      case '(':
      case '{': {
        if (!Array.isArray(v)) return bad();
        const fields = splitSignature(sig.slice(1, -1));
        if (fields.length !== v.length) return bad();
        this.align(8);
        fields.forEach((f, i) => this.write(f, v[i]));
        return;
      }
      default:
        throw new Error(`D-Bus: cannot write type "${sig}"`);
    }
  }

  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** The bytes of one message (serial and flags as given). */
export function encodeMessage(m: Message): Buffer {
  const sig = m.signature ?? '';
  const types = splitSignature(sig);
  const body = new Writer();
  (m.body ?? []).forEach((v, i) => {
    if (types[i] === undefined) throw new Error(`D-Bus: more body values than signature "${sig}" has`);
    body.write(types[i], v);
  });
  if (types.length !== (m.body ?? []).length) throw new Error(`D-Bus: signature "${sig}" wants ${types.length} values`);

  const fields: DBusValue[] = [];
  const field = (code: number, type: string, value: string | number | undefined) => {
    if (value !== undefined) fields.push([code, new Variant(type, value)]);
  };
  field(F_PATH, 'o', m.path);
  field(F_INTERFACE, 's', m.interface);
  field(F_MEMBER, 's', m.member);
  field(F_ERROR_NAME, 's', m.errorName);
  field(F_REPLY_SERIAL, 'u', m.replySerial);
  field(F_DESTINATION, 's', m.destination);
  field(F_SENDER, 's', m.sender);
  if (sig) field(F_SIGNATURE, 'g', sig);

  const head = new Writer();
  head.u8('l'.charCodeAt(0));
  head.u8(m.type);
  head.u8(m.flags ?? 0);
  head.u8(1); // protocol version
  head.u32(body.length);
  head.u32(m.serial);
  head.write('a(yv)', fields);
  head.align(8);
  head.bytes(body.result());
  return Buffer.from(head.result());
}

class Reader {
  constructor(
    private readonly buf: Buffer,
    public pos: number,
    /** Offset alignment is counted from (the message start). */
    private readonly base: number,
  ) {}

  align(n: number): void {
    const rel = this.pos - this.base;
    this.pos += (n - (rel % n)) % n;
  }

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error('D-Bus: message truncated');
  }

  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }

  u32(): number {
    this.align(4);
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  read(sig: string): DBusValue {
    const c = sig[0];
    switch (c) {
      case 'y':
        return this.u8();
      case 'b':
        return this.u32() !== 0;
      case 'n':
      case 'q': {
        this.align(2);
        this.need(2);
        const v = c === 'n' ? this.buf.readInt16LE(this.pos) : this.buf.readUInt16LE(this.pos);
        this.pos += 2;
        return v;
      }
      case 'i': {
        this.align(4);
        this.need(4);
        const v = this.buf.readInt32LE(this.pos);
        this.pos += 4;
        return v;
      }
      case 'u':
      case 'h':
        return this.u32();
      case 'x':
      case 't': {
        this.align(8);
        this.need(8);
        const v = c === 'x' ? this.buf.readBigInt64LE(this.pos) : this.buf.readBigUInt64LE(this.pos);
        this.pos += 8;
        return v;
      }
      case 'd': {
        this.align(8);
        this.need(8);
        const v = this.buf.readDoubleLE(this.pos);
        this.pos += 8;
        return v;
      }
      case 's':
      case 'o': {
        const n = this.u32();
        this.need(n + 1);
        const s = this.buf.toString('utf8', this.pos, this.pos + n);
        this.pos += n + 1;
        return s;
      }
      case 'g': {
        const n = this.u8();
        this.need(n + 1);
        const s = this.buf.toString('ascii', this.pos, this.pos + n);
        this.pos += n + 1;
        return s;
      }
      case 'v': {
        const inner = this.read('g') as string;
        return new Variant(inner, this.read(inner));
      }
      case 'a': {
        const elem = sig.slice(1, completeTypeEnd(sig, 1));
        const n = this.u32();
        this.align(alignment(elem[0]));
        const end = this.pos + n;
        this.need(n);
        if (elem === 'y') {
          const b = Buffer.from(this.buf.subarray(this.pos, end));
          this.pos = end;
          return b;
        }
        const items: DBusValue[] = [];
        while (this.pos < end) items.push(this.read(elem));
        return items;
      }
      case '(':
      case '{': {
        this.align(8);
        return splitSignature(sig.slice(1, -1)).map((f) => this.read(f));
      }
      default:
        throw new Error(`D-Bus: cannot read type "${sig}"`);
    }
  }
}

/** Length of the message at the start of buf, or undefined when its fixed header is not all there. */
export function messageLength(buf: Buffer): number | undefined {
  if (buf.length < 16) return undefined;
  if (buf[0] !== 'l'.charCodeAt(0)) throw new Error('D-Bus: only little-endian messages are understood');
  const bodyLength = buf.readUInt32LE(4);
  const fieldsLength = buf.readUInt32LE(12);
  const headerEnd = 16 + fieldsLength;
  return headerEnd + ((8 - (headerEnd % 8)) % 8) + bodyLength;
}

/** Parses one whole message (buf holds exactly messageLength(buf) bytes or more). */
export function decodeMessage(buf: Buffer): Message {
  const r = new Reader(buf, 0, 0);
  if (r.u8() !== 'l'.charCodeAt(0)) throw new Error('D-Bus: only little-endian messages are understood');
  const type = r.u8() as MessageType;
  const flags = r.u8();
  if (r.u8() !== 1) throw new Error('D-Bus: unknown protocol version');
  const bodyLength = r.u32();
  const serial = r.u32();
  const m: Message = { type, serial, flags };
  for (const f of r.read('a(yv)') as DBusValue[][]) {
    const [code, v] = f as [number, Variant];
    const value = v.value;
    if (code === F_PATH) m.path = value as string;
    else if (code === F_INTERFACE) m.interface = value as string;
    else if (code === F_MEMBER) m.member = value as string;
    else if (code === F_ERROR_NAME) m.errorName = value as string;
    else if (code === F_REPLY_SERIAL) m.replySerial = value as number;
    else if (code === F_DESTINATION) m.destination = value as string;
    else if (code === F_SENDER) m.sender = value as string;
    else if (code === F_SIGNATURE) m.signature = value as string;
  }
  r.align(8);
  const end = r.pos + bodyLength;
  if (end > buf.length) throw new Error('D-Bus: message truncated');
  m.body = splitSignature(m.signature ?? '').map((t) => r.read(t));
  if (r.pos !== end) throw new Error('D-Bus: body longer than its signature');
  return m;
}
