// Server-side TLS bytes for tests: encoders for the messages a server sends (so the parser can
// be fed flights no local OpenSSL would produce: SSLv3, SSLv2, Heartbleed answers), and a small
// ClientHello decoder so a scripted server can answer what a probe offered.

const u8 = (v: number) => Buffer.from([v & 0xff]);
const u16 = (v: number) => Buffer.from([(v >> 8) & 0xff, v & 0xff]);
const u24 = (v: number) => Buffer.from([(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff]);
const vec8 = (b: Buffer) => Buffer.concat([u8(b.length), b]);
const vec16 = (b: Buffer) => Buffer.concat([u16(b.length), b]);
const vec24 = (b: Buffer) => Buffer.concat([u24(b.length), b]);

export function record(type: number, version: number, payload: Buffer): Buffer {
  return Buffer.concat([u8(type), u16(version), u16(payload.length), payload]);
}

export function handshake(type: number, body: Buffer): Buffer {
  return Buffer.concat([u8(type), u24(body.length), body]);
}

export interface Ext {
  type: number;
  data: Buffer;
}

export const ext = {
  supportedVersions: (v: number): Ext => ({ type: 43, data: u16(v) }),
  keyShare: (group: number, keyLength = 32): Ext => ({ type: 51, data: Buffer.concat([u16(group), vec16(Buffer.alloc(keyLength, 7))]) }),
  hrrKeyShare: (group: number): Ext => ({ type: 51, data: u16(group) }),
  renegotiationInfo: (): Ext => ({ type: 0xff01, data: vec8(Buffer.alloc(0)) }),
  extendedMasterSecret: (): Ext => ({ type: 23, data: Buffer.alloc(0) }),
  sessionTicket: (): Ext => ({ type: 35, data: Buffer.alloc(0) }),
  statusRequest: (): Ext => ({ type: 5, data: Buffer.alloc(0) }),
  heartbeat: (mode = 1): Ext => ({ type: 15, data: u8(mode) }),
  alpn: (p: string): Ext => ({ type: 16, data: vec16(vec8(Buffer.from(p))) }),
  ecPointFormats: (): Ext => ({ type: 11, data: vec8(Buffer.from([0])) }),
};

export const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

export function serverHello(o: {
  version: number;
  suite: number;
  random?: Buffer;
  sessionId?: Buffer;
  compression?: number;
  extensions?: Ext[];
}): Buffer {
  const exts = o.extensions ? vec16(Buffer.concat(o.extensions.map((e) => Buffer.concat([u16(e.type), vec16(e.data)])))) : Buffer.alloc(0);
  return handshake(
    2,
    Buffer.concat([
      u16(o.version),
      o.random ?? Buffer.alloc(32, 0x11),
      vec8(o.sessionId ?? Buffer.alloc(0)),
      u16(o.suite),
      u8(o.compression ?? 0),
      exts,
    ]),
  );
}

export function certificate(ders: Buffer[]): Buffer {
  return handshake(11, vec24(Buffer.concat(ders.map((d) => vec24(d)))));
}

export function ecdheKeyExchange(curve: number, pointLength = 65): Buffer {
  return handshake(12, Buffer.concat([u8(3), u16(curve), vec8(Buffer.alloc(pointLength, 4)), u16(0x0401), vec16(Buffer.alloc(64, 9))]));
}

export function dheKeyExchange(prime: Buffer, generator = Buffer.from([2])): Buffer {
  return handshake(
    12,
    Buffer.concat([vec16(prime), vec16(generator), vec16(Buffer.alloc(prime.length, 5)), u16(0x0401), vec16(Buffer.alloc(64, 9))]),
  );
}

export function certificateStatus(response: Buffer): Buffer {
  return handshake(22, Buffer.concat([u8(1), vec24(response)]));
}

export const serverHelloDone = (): Buffer => handshake(14, Buffer.alloc(0));

export function alertRecord(description: number, version = 0x0303, level = 2): Buffer {
  return record(21, version, Buffer.from([level, description]));
}

export function sslv2ServerHello(kinds: number[], cert = Buffer.from('not-a-real-certificate')): Buffer {
  const specs = Buffer.concat(kinds.map((k) => Buffer.from([(k >> 16) & 0xff, (k >> 8) & 0xff, k & 0xff])));
  const conn = Buffer.alloc(16, 3);
  const body = Buffer.concat([u8(4), u8(0), u8(1), u16(0x0002), u16(cert.length), u16(specs.length), u16(conn.length), cert, specs, conn]);
  return Buffer.concat([u16(0x8000 | body.length), body]);
}

/** A TLS 1.2-style first flight in one record: ServerHello, Certificate, ServerKeyExchange, ServerHelloDone. */
export function tls12Flight(suite = 0xc02f, version = 0x0303): Buffer {
  const msgs = Buffer.concat([
    serverHello({
      version,
      suite,
      sessionId: Buffer.alloc(32, 1),
      extensions: [ext.renegotiationInfo(), ext.extendedMasterSecret(), ext.ecPointFormats()],
    }),
    certificate([Buffer.alloc(300, 0x30), Buffer.alloc(200, 0x31)]),
    ecdheKeyExchange(0x001d, 32),
    serverHelloDone(),
  ]);
  return record(22, version, msgs);
}

// ---------------------------------------------------------------------------------------------
// ClientHello decoding, for scripted servers

export interface DecodedClientHello {
  recordVersion: number;
  version: number;
  suites: number[];
  compression: number[];
  extensions: Map<number, Buffer>;
  supportedVersions?: number[];
}

/** Decodes the first record if it holds a whole ClientHello; undefined while more bytes are needed. */
export function decodeClientHello(buf: Buffer): { hello: DecodedClientHello; consumed: number } | undefined {
  if (buf.length < 5) return undefined;
  const len = buf.readUInt16BE(3);
  if (buf.length < 5 + len) return undefined;
  const recordVersion = buf.readUInt16BE(1);
  const msg = buf.subarray(5, 5 + len);
  let p = 4;
  const version = msg.readUInt16BE(p);
  p += 2 + 32;
  p += 1 + msg[p]!;
  const suitesLen = msg.readUInt16BE(p);
  p += 2;
  const suites: number[] = [];
  for (let i = 0; i < suitesLen; i += 2) suites.push(msg.readUInt16BE(p + i));
  p += suitesLen;
  const compression = [...msg.subarray(p + 1, p + 1 + msg[p]!)];
  p += 1 + msg[p]!;
  const extensions = new Map<number, Buffer>();
  if (p < msg.length) {
    const end = p + 2 + msg.readUInt16BE(p);
    p += 2;
    while (p < end) {
      const t = msg.readUInt16BE(p);
      const l = msg.readUInt16BE(p + 2);
      extensions.set(t, msg.subarray(p + 4, p + 4 + l));
      p += 4 + l;
    }
  }
  const sv = extensions.get(43);
  const supportedVersions = sv ? Array.from({ length: sv[0]! / 2 }, (_, i) => sv.readUInt16BE(1 + 2 * i)) : undefined;
  return {
    hello: { recordVersion, version, suites, compression, extensions, ...(supportedVersions ? { supportedVersions } : {}) },
    consumed: 5 + len,
  };
}

/** The cipher kinds of an SSLv2 CLIENT-HELLO (two-byte header). */
export function decodeSslv2ClientHello(buf: Buffer): number[] | undefined {
  if (buf.length < 2 || (buf[0]! & 0x80) === 0) return undefined;
  const len = ((buf[0]! & 0x7f) << 8) | buf[1]!;
  if (buf.length < 2 + len || buf[2] !== 1) return undefined;
  const specsLen = buf.readUInt16BE(5);
  const specs = buf.subarray(11, 11 + specsLen);
  const kinds: number[] = [];
  for (let i = 0; i + 2 < specs.length; i += 3) kinds.push((specs[i]! << 16) | (specs[i + 1]! << 8) | specs[i + 2]!);
  return kinds;
}

/** A deterministic PRNG (mulberry32) so fuzz runs repeat. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
