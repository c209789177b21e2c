// The reflector's wire protocol, version 1 (docs/probe-protocol.md): request authentication,
// session keys and the UDP probe packet. Both sides import this file; nothing here does I/O.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const PROTOCOL = 'SRP1';
export const AUTH_SKEW_MS = 120_000;
export const UDP_MAGIC = 0x53525531; // "SRU1"
export const UDP_HEADER_BYTES = 64;
export const UDP_MAX_BYTES = 1472; // one Ethernet frame of IPv4/UDP payload
export const UDP_TYPE_PROBE = 1;
export const UDP_TYPE_REPLY = 2;
/** Probe flag: mark the reply with the TOS in byte 18 (QoS tests measure the return path this way). */
export const UDP_FLAG_MARK_REPLY = 0x01;
/** Reply flag: bytes 6 and 7 hold the TOS and TTL the probe arrived with (the reflector can read them). */
export const UDP_FLAG_MARKS_READ = 0x80;
/** Reply flag: this reply left the reflector marked with the TOS the probe asked for. */
export const UDP_FLAG_REPLY_MARKED = 0x40;
/** Flags a client may set; the reflector sets the others on its replies. */
export const UDP_CLIENT_FLAGS = 0x3f;
export const TCP_UPGRADE = 'siteready-tcp';

/** `push`: the reflector stays silent until X-SR-Push-After-Ms, then sends PUSH_MESSAGE (server push after idle). */
export type TcpMode = 'download' | 'upload' | 'echo' | 'push';
export const PUSH_MESSAGE = 'SRPUSH1\n';

function hmac(key: string | Buffer, text: string | Buffer): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

function safeEqualHex(a: string, b: Buffer): boolean {
  if (!/^[0-9a-f]{64}$/.test(a)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), b);
}

/** What a request MACs: method, path (with query) and a fresh timestamp + nonce against replay. */
function authString(method: string, path: string, ts: number, nonce: string): string {
  return `${PROTOCOL}\n${method.toUpperCase()}\n${path}\n${ts}\n${nonce}`;
}

export function authHeader(token: string, method: string, path: string, now = Date.now()): string {
  const nonce = randomBytes(12).toString('hex');
  const mac = hmac(token, authString(method, path, now, nonce)).toString('hex');
  return `${PROTOCOL} ts=${now}, nonce=${nonce}, mac=${mac}`;
}

export type AuthFailure = 'missing' | 'malformed' | 'stale' | 'replayed' | 'bad-mac';

export function parseAuthHeader(value: string | undefined): { ts: number; nonce: string; mac: string } | undefined {
  if (!value || !value.startsWith(`${PROTOCOL} `)) return undefined;
  const fields = Object.fromEntries(
    value
      .slice(PROTOCOL.length + 1)
      .split(',')
      .map((p) => p.trim().split('=', 2) as [string, string]),
  );
  const ts = Number(fields.ts);
  if (!Number.isSafeInteger(ts) || !/^[0-9a-f]{24}$/.test(fields.nonce ?? '') || !fields.mac) return undefined;
  return { ts, nonce: fields.nonce!, mac: fields.mac };
}

/** Remembers nonces for twice the allowed skew, bounded in size: replay protection without growth. */
export class NonceCache {
  private readonly seen = new Map<string, number>();
  constructor(private readonly max = 20_000) {}

  /** false when the nonce was seen before. */
  remember(nonce: string, now: number): boolean {
    if (this.seen.has(nonce)) return false;
    if (this.seen.size >= this.max) {
      for (const [n, t] of this.seen) {
        if (now - t > 2 * AUTH_SKEW_MS || this.seen.size >= this.max) this.seen.delete(n);
        else break;
      }
    }
    this.seen.set(nonce, now);
    return true;
  }
}

export function verifyAuth(
  token: string,
  header: string | undefined,
  method: string,
  path: string,
  nonces: NonceCache,
  now = Date.now(),
): AuthFailure | undefined {
  if (!header) return 'missing';
  const parsed = parseAuthHeader(header);
  if (!parsed) return 'malformed';
  if (Math.abs(now - parsed.ts) > AUTH_SKEW_MS) return 'stale';
  if (!safeEqualHex(parsed.mac, hmac(token, authString(method, path, parsed.ts, parsed.nonce)))) return 'bad-mac';
  if (!nonces.remember(parsed.nonce, now)) return 'replayed';
  return undefined;
}

/** Both sides derive the per-session key; it never crosses the wire. */
export function sessionKey(token: string, sessionId: string): Buffer {
  return hmac(token, `${PROTOCOL} session ${sessionId}`);
}

export function newSessionId(): string {
  return randomBytes(8).toString('hex');
}

// ---- UDP probe packet ------------------------------------------------------------------------
//  0 magic u32 | 4 type u8 | 5 flags u8 | 6 tos seen u8 | 7 ttl seen u8
//  8 session id (8 bytes)  | 16 stream u16 | 18 reply tos u8 | 19 probe tos u8 | 20 seq u32
// 24 client send µs u64    | 32 server receive µs u64 | 40 server send µs u64
// 48 server received count u32 | 52 reserved u32 | 56 mac (8 bytes, HMAC-SHA256 truncated)
// 64 padding to the requested size (echoed unchanged: a reply is never larger than its probe)

export interface UdpProbe {
  type: number;
  flags: number;
  /** In a reply: the TOS byte the probe arrived with (valid with UDP_FLAG_MARKS_READ). */
  tos: number;
  /** In a reply: the TTL / hop limit the probe arrived with (valid with UDP_FLAG_MARKS_READ). */
  ttl: number;
  session: string;
  stream: number;
  seq: number;
  clientSendUs: bigint;
  serverRecvUs: bigint;
  serverSendUs: bigint;
  serverReceived: number;
  /** The TOS byte the reply should carry (with UDP_FLAG_MARK_REPLY). */
  replyTos?: number;
  /** The TOS byte the client marked this probe with (informative: what was sent). */
  probeTos?: number;
}

function macOf(key: Buffer, packet: Buffer): Buffer {
  return createHmac('sha256', key).update(packet.subarray(0, 56)).digest().subarray(0, 8);
}

export function encodeProbe(key: Buffer, p: UdpProbe, size: number, into?: Buffer): Buffer {
  const len = Math.max(UDP_HEADER_BYTES, Math.min(UDP_MAX_BYTES, size));
  const b = into && into.length === len ? into : Buffer.alloc(len);
  b.writeUInt32BE(UDP_MAGIC, 0);
  b.writeUInt8(p.type, 4);
  b.writeUInt8(p.flags, 5);
  b.writeUInt8(p.tos, 6);
  b.writeUInt8(p.ttl, 7);
  b.write(p.session, 8, 8, 'hex');
  b.writeUInt16BE(p.stream, 16);
  b.writeUInt8((p.replyTos ?? 0) & 0xff, 18);
  b.writeUInt8((p.probeTos ?? 0) & 0xff, 19);
  b.writeUInt32BE(p.seq >>> 0, 20);
  b.writeBigUInt64BE(p.clientSendUs, 24);
  b.writeBigUInt64BE(p.serverRecvUs, 32);
  b.writeBigUInt64BE(p.serverSendUs, 40);
  b.writeUInt32BE(p.serverReceived >>> 0, 48);
  b.writeUInt32BE(0, 52);
  macOf(key, b).copy(b, 56);
  return b;
}

/** Header fields without checking the MAC (the server needs the session id to find the key). */
export function peekProbe(b: Buffer): UdpProbe | undefined {
  if (b.length < UDP_HEADER_BYTES || b.length > UDP_MAX_BYTES || b.readUInt32BE(0) !== UDP_MAGIC) return undefined;
  return {
    type: b.readUInt8(4),
    flags: b.readUInt8(5),
    tos: b.readUInt8(6),
    ttl: b.readUInt8(7),
    session: b.toString('hex', 8, 16),
    stream: b.readUInt16BE(16),
    replyTos: b.readUInt8(18),
    probeTos: b.readUInt8(19),
    seq: b.readUInt32BE(20),
    clientSendUs: b.readBigUInt64BE(24),
    serverRecvUs: b.readBigUInt64BE(32),
    serverSendUs: b.readBigUInt64BE(40),
    serverReceived: b.readUInt32BE(48),
  };
}

export function verifyProbeMac(key: Buffer, b: Buffer): boolean {
  return b.length >= UDP_HEADER_BYTES && timingSafeEqual(macOf(key, b), b.subarray(56, 64));
}

export type SeqVerdict = 'new' | 'duplicate' | 'stale';

/**
 * Which sequence numbers of one UDP stream have arrived, as IPsec's anti-replay window does it
 * (RFC 4303 §3.4.3): a window of `size` bits ending at the highest number seen, over the whole
 * 32-bit space. A number inside the window is new or a copy; one below it cannot be told apart
 * from a replay of a probe already forgotten, so it is `stale` and never answered. A stream that
 * stays within `size` numbers (every real test: 5,000 probes/s for 60 s is 300,000) is tracked
 * whole, and its bitmap reads from sequence number 0 as it always has.
 */
export class ReplayWindow {
  /** Bit `seq mod size` (bit `seq & 7` of its byte) is set when `seq` arrived. */
  private readonly bits: Buffer;
  readonly size: number;
  /** The highest sequence number seen; -1 before the first. */
  top = -1;

  constructor(size: number) {
    // Whole bytes, so that a byte boundary of the ring is a byte boundary of the snapshot.
    this.size = Math.max(8, Math.ceil(size / 8) * 8);
    this.bits = Buffer.alloc(this.size / 8);
  }

  check(seq: number): SeqVerdict {
    if (seq > this.top) return 'new';
    if (seq <= this.top - this.size) return 'stale';
    const i = seq % this.size;
    return this.bits[i >>> 3]! & (1 << (i & 7)) ? 'duplicate' : 'new';
  }

  /** Marks `seq` as arrived (after `check` said 'new'), sliding the window when it is the highest. */
  record(seq: number): void {
    if (seq > this.top) {
      // Positions the window slides over held numbers that now fall out of it.
      this.clear(this.top + 1, Math.min(seq - this.top, this.size));
      this.top = seq;
    }
    const i = seq % this.size;
    this.bits[i >>> 3] = this.bits[i >>> 3]! | (1 << (i & 7));
  }

  /**
   * The arrivals still in the window: bit `seq & 7` of byte `(seq - from) >> 3`, up to `top`.
   * `from` is 0 until the stream outgrows the window, then the first multiple of 8 inside it.
   * The bitmap may be a view of the window: encode it before the next `record`.
   */
  snapshot(): { from: number; bitmap: Buffer } {
    if (this.top < 0) return { from: 0, bitmap: Buffer.alloc(0) };
    const from = Math.max(0, Math.ceil((this.top + 1 - this.size) / 8) * 8);
    const bytes = Math.ceil((this.top + 1 - from) / 8);
    // Until the window first slides, the ring is the stream from 0 and nothing above `top` is set.
    if (from === 0) return { from, bitmap: this.bits.subarray(0, bytes) };
    const start = (from % this.size) >>> 3;
    const bitmap = Buffer.concat([this.bits.subarray(start), this.bits.subarray(0, start)]).subarray(0, bytes);
    // The last byte's bits above `top` belong to numbers below the window.
    const tail = (this.top + 1 - from) & 7;
    if (tail) bitmap[bytes - 1] = bitmap[bytes - 1]! & ((1 << tail) - 1);
    return { from, bitmap };
  }

  private clear(first: number, count: number): void {
    let pos = first % this.size;
    while (count > 0) {
      if ((pos & 7) === 0 && count >= 8) {
        const bytes = Math.min(count >>> 3, (this.size - pos) >>> 3);
        this.bits.fill(0, pos >>> 3, (pos >>> 3) + bytes);
        pos = (pos + bytes * 8) % this.size;
        count -= bytes * 8;
      } else {
        this.bits[pos >>> 3] = this.bits[pos >>> 3]! & ~(1 << (pos & 7));
        pos = (pos + 1) % this.size;
        count--;
      }
    }
  }
}

/** Microseconds on a monotonic clock; only differences are meaningful across hosts. */
export function nowUs(): bigint {
  return process.hrtime.bigint() / 1000n;
}
