// Protocol Buffers wire format, as little of it as OTLP/HTTP needs: writing length-delimited
// fields (strings, nested messages), fixed64 and double; reading the fields of a collector's small
// answer. https://protobuf.dev/programming-guides/encoding/
//
// A message knows its encoded size as it is built (children are built before their parent), so
// the whole request is written into one buffer of the right size, with no copying of parts.

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

type Field =
  | { key: number; kind: 'text'; text: string; length: number }
  | { key: number; kind: 'message'; message: ProtoMessage }
  | { key: number; kind: 'encoded'; bytes: Buffer }
  | { key: number; kind: 'fixed64'; value: bigint }
  | { key: number; kind: 'double'; value: number };

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[at++] = n;
  return at;
}

/**
 * A message being built. Fields are written in the order they are added; proto3 leaves a field
 * with its default value out, which is the caller's choice to make (a oneof member is written
 * even when it is 0 or empty: that it is set is the information).
 */
export class ProtoMessage {
  private readonly fields: Field[] = [];
  /** Encoded size in bytes, so far. */
  size = 0;

  string(field: number, text: string): this {
    const key = field * 8 + LEN;
    const length = Buffer.byteLength(text, 'utf8');
    this.fields.push({ key, kind: 'text', text, length });
    this.size += varintSize(key) + varintSize(length) + length;
    return this;
  }

  message(field: number, message: ProtoMessage): this {
    const key = field * 8 + LEN;
    this.fields.push({ key, kind: 'message', message });
    this.size += varintSize(key) + varintSize(message.size) + message.size;
    return this;
  }

  /** A message encoded before: the same attribute recurs on thousands of data points. */
  encoded(field: number, bytes: Buffer): this {
    const key = field * 8 + LEN;
    this.fields.push({ key, kind: 'encoded', bytes });
    this.size += varintSize(key) + varintSize(bytes.length) + bytes.length;
    return this;
  }

  fixed64(field: number, value: bigint): this {
    const key = field * 8 + I64;
    this.fields.push({ key, kind: 'fixed64', value: BigInt.asUintN(64, value) });
    this.size += varintSize(key) + 8;
    return this;
  }

  double(field: number, value: number): this {
    const key = field * 8 + I64;
    this.fields.push({ key, kind: 'double', value });
    this.size += varintSize(key) + 8;
    return this;
  }

  encode(): Buffer {
    const buf = Buffer.allocUnsafe(this.size);
    const end = this.writeInto(buf, 0);
    if (end !== this.size) throw new Error(`protobuf: wrote ${end} bytes of ${this.size}`);
    return buf;
  }

  private writeInto(buf: Buffer, at: number): number {
    for (const f of this.fields) {
      at = writeVarint(buf, at, f.key);
      switch (f.kind) {
        case 'text':
          at = writeVarint(buf, at, f.length);
          at += buf.write(f.text, at, f.length, 'utf8');
          break;
        case 'message':
          at = writeVarint(buf, at, f.message.size);
          at = f.message.writeInto(buf, at);
          break;
        case 'encoded':
          at = writeVarint(buf, at, f.bytes.length);
          at += f.bytes.copy(buf, at);
          break;
        case 'fixed64':
          at = buf.writeBigUInt64LE(f.value, at);
          break;
        case 'double':
          at = buf.writeDoubleLE(f.value, at);
          break;
      }
    }
    return at;
  }
}

export interface ReadField {
  field: number;
  /** A varint as read (int64 fields may exceed 2^53); the bytes of a length-delimited field. */
  value: bigint | Buffer;
}

/**
 * The top-level fields of a message, unknown ones included; fixed-width fields are skipped. Throws
 * on bytes that are not a well-formed message (a server's answer is not trusted to be).
 */
export function readFields(buf: Buffer): ReadField[] {
  const out: ReadField[] = [];
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (at >= buf.length) throw new Error('protobuf: truncated varint');
      const byte = buf[at++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return result;
    }
    throw new Error('protobuf: varint too long');
  };
  while (at < buf.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0) throw new Error('protobuf: field number 0');
    if (wire === VARINT) out.push({ field, value: varint() });
    else if (wire === LEN) {
      const length = Number(varint());
      if (at + length > buf.length) throw new Error('protobuf: truncated field');
      out.push({ field, value: buf.subarray(at, at + length) });
      at += length;
    } else if (wire === I64 || wire === I32) {
      at += wire === I64 ? 8 : 4;
      if (at > buf.length) throw new Error('protobuf: truncated field');
    } else throw new Error(`protobuf: wire type ${wire}`);
  }
  return out;
}
