// The little of the protobuf wire format that CRIU's RPC (rpc.proto, proto2)
// needs: varints, length-delimited strings and nested messages. A message is
// described by a table of field name → number and kind, so the encoder and
// decoder stay one generic function each.

export type Kind = 'int' | 'bool' | 'string' | { message: Schema };
export type Schema = Readonly<Record<string, readonly [number, Kind, 'repeated'?]>>;

/** A decoded or to-be-encoded message: field name → value (arrays for repeated fields). */
export type Message = { [field: string]: Value | Value[] | undefined };
type Value = number | boolean | string | Message;

function varint(n: bigint, out: number[]): void {
  let v = BigInt.asUintN(64, n);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

function key(field: number, wire: number, out: number[]): void {
  varint(BigInt((field << 3) | wire), out);
}

function encodeInto(schema: Schema, msg: Message, out: number[]): void {
  // fields in number order, as protoc writes them (any order is valid)
  const entries = Object.entries(schema).sort((a, b) => a[1][0] - b[1][0]);
  for (const [name, [num, kind]] of entries) {
    const v = msg[name];
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) {
      if (kind === 'int' || kind === 'bool') {
        key(num, 0, out);
        // int32 negatives are sign-extended to 64 bits, as protobuf does
        varint(BigInt(typeof one === 'boolean' ? (one ? 1 : 0) : (one as number)), out);
      } else {
        const body: number[] = [];
        if (kind === 'string') body.push(...Buffer.from(String(one), 'utf8'));
        else encodeInto(kind.message, one as Message, body);
        key(num, 2, out);
        varint(BigInt(body.length), out);
        out.push(...body);
      }
    }
  }
}

export function encode(schema: Schema, msg: Message): Buffer {
  const out: number[] = [];
  encodeInto(schema, msg, out);
  return Buffer.from(out);
}

/** Decodes the fields the schema names; others are skipped (newer CRIU versions add some). */
export function decode(schema: Schema, buf: Uint8Array): Message {
  const byNumber = new Map(Object.entries(schema).map(([name, spec]) => [spec[0], { name, kind: spec[1], repeated: spec[2] === 'repeated' }]));
  const msg: Message = {};
  let off = 0;
  const readVarint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (off >= buf.length) throw new Error('protobuf: truncated varint');
      const b = buf[off++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      if (shift > 63n) throw new Error('protobuf: varint too long');
    }
  };
  while (off < buf.length) {
    const k = Number(readVarint());
    const num = k >>> 3;
    const wire = k & 7;
    const f = byNumber.get(num);
    let value: Value | undefined;
    if (wire === 0) {
      const raw = readVarint();
      if (f?.kind === 'bool') value = raw !== 0n;
      else value = Number(BigInt.asIntN(32, raw));
    } else if (wire === 2) {
      const len = Number(readVarint());
      if (off + len > buf.length) throw new Error('protobuf: truncated field');
      const body = buf.subarray(off, off + len);
      off += len;
      if (f?.kind === 'string') value = Buffer.from(body).toString('utf8');
      else if (f && typeof f.kind === 'object') value = decode(f.kind.message, body);
    } else if (wire === 5) {
      off += 4;
    } else if (wire === 1) {
      off += 8;
    } else {
      throw new Error(`protobuf: unsupported wire type ${wire}`);
    }
    if (!f || value === undefined) continue;
    if (f.repeated) ((msg[f.name] ??= []) as Value[]).push(value);
    else msg[f.name] = value;
  }
  return msg;
}
