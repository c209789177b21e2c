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

/** Microseconds on a monotonic clock; only differences are meaningful across hosts. */
export function nowUs(): bigint {
  return process.hrtime.bigint() / 1000n;
}
