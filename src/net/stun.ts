// STUN / TURN message codec: RFC 8489 (STUN), RFC 8656 (TURN), RFC 5780 (NAT behaviour
// discovery). No dependencies beyond node:crypto.
//
// A message is a 20-byte header — type (method + class), length of the attributes, the magic
// cookie 0x2112A442 and a 96-bit transaction id — followed by TLV attributes padded to 4 bytes.
// Decoding checks every length against the bytes there are, and malformed input of any kind
// raises StunDecodeError (and nothing else): the decoder reads what strangers send us.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { formatIPv6 } from '../util/cidr.js';

export const MAGIC_COOKIE = 0x2112a442;
export const HEADER_LENGTH = 20;
export const FINGERPRINT_XOR = 0x5354554e;
/** IANA protocol number of UDP, the only relay transport RFC 8656 defines for REQUESTED-TRANSPORT. */
export const TRANSPORT_UDP = 17;

export const Method = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
} as const;

export type MessageClass = 'request' | 'indication' | 'success' | 'error';

export const Attr = {
  MAPPED_ADDRESS: 0x0001,
  CHANGE_REQUEST: 0x0003,
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  UNKNOWN_ATTRIBUTES: 0x000a,
  CHANNEL_NUMBER: 0x000c,
  LIFETIME: 0x000d,
  XOR_PEER_ADDRESS: 0x0012,
  DATA: 0x0013,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_ADDRESS_FAMILY: 0x0017,
  EVEN_PORT: 0x0018,
  REQUESTED_TRANSPORT: 0x0019,
  DONT_FRAGMENT: 0x001a,
  MESSAGE_INTEGRITY_SHA256: 0x001c,
  PASSWORD_ALGORITHM: 0x001d,
  USERHASH: 0x001e,
  XOR_MAPPED_ADDRESS: 0x0020,
  RESERVATION_TOKEN: 0x0022,
  PADDING: 0x0026,
  RESPONSE_PORT: 0x0027,
  PASSWORD_ALGORITHMS: 0x8002,
  ALTERNATE_DOMAIN: 0x8003,
  SOFTWARE: 0x8022,
  ALTERNATE_SERVER: 0x8023,
  FINGERPRINT: 0x8028,
  RESPONSE_ORIGIN: 0x802b,
  OTHER_ADDRESS: 0x802c,
} as const;

/** Names of the error codes of RFC 8489 §14.8, RFC 8656 §18 and RFC 5780 that a client meets. */
export const ERROR_NAMES: Readonly<Record<number, string>> = {
  300: 'Try Alternate',
  400: 'Bad Request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  405: 'Mobility Forbidden',
  420: 'Unknown Attribute',
  437: 'Allocation Mismatch',
  438: 'Stale Nonce',
  440: 'Address Family not Supported',
  441: 'Wrong Credentials',
  442: 'Unsupported Transport Protocol',
  443: 'Peer Address Family Mismatch',
  446: 'Connection Already Exists',
  447: 'Connection Timeout or Failure',
  486: 'Allocation Quota Reached',
  487: 'Role Conflict',
  500: 'Server Error',
  508: 'Insufficient Capacity',
};

export function errorName(code: number): string {
  return ERROR_NAMES[code] ?? `error ${code}`;
}

// ---------------------------------------------------------------------------------------------
// Errors

export type StunDecodeReason =
  | 'not-a-buffer'
  | 'too-short'
  | 'not-stun'
  | 'bad-magic-cookie'
  | 'bad-length'
  | 'truncated'
  | 'trailing-bytes'
  | 'truncated-attribute'
  | 'bad-attribute'
  | 'fingerprint-not-last';

/** The only error the decoder raises: what was wrong, and where. */
export class StunDecodeError extends Error {
  constructor(
    readonly reason: StunDecodeReason,
    message: string,
    /** Byte offset of the problem, when there is one. */
    readonly offset?: number,
    /** Attribute type being decoded, when the problem is inside an attribute. */
    readonly attribute?: number,
  ) {
    super(message);
    this.name = 'StunDecodeError';
  }
}

// ---------------------------------------------------------------------------------------------
// Types

export interface TransportAddress {
  family: 4 | 6;
  address: string;
  port: number;
}

export interface StunAttribute {
  type: number;
  /** The value without padding (a view into the received bytes). */
  value: Buffer;
  /** Offset of the attribute header in the message. */
  offset: number;
}

export interface StunMessage {
  method: number;
  cls: MessageClass;
  /** 12 bytes. */
  transactionId: Buffer;
  /** In wire order; anything after MESSAGE-INTEGRITY other than FINGERPRINT is dropped (RFC 8489 §14.5). */
  attributes: StunAttribute[];
  /** Whether a FINGERPRINT was present, and whether it matched. */
  fingerprint: 'absent' | 'valid' | 'invalid';
  /** The message bytes (needed to check MESSAGE-INTEGRITY). */
  raw: Buffer;
}

export interface ErrorCodeValue {
  code: number;
  reason: string;
}

export interface ChangeRequest {
  changeIp: boolean;
  changePort: boolean;
}

/** An attribute to encode; XOR'd addresses need the transaction id, so the value may be computed. */
export interface AttributeInput {
  type: number;
  value: Buffer | ((transactionId: Buffer) => Buffer);
}

export interface OutgoingMessage {
  method: number;
  cls: MessageClass;
  /** 12 bytes; a random one when absent. */
  transactionId?: Buffer;
  attributes?: AttributeInput[];
}

export interface EncodeOptions {
  /** Adds MESSAGE-INTEGRITY (HMAC-SHA1) keyed with this (see longTermKey / shortTermKey). */
  integrityKey?: Buffer;
  /** Adds FINGERPRINT (CRC-32 ^ 0x5354554e). */
  fingerprint?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Message type: method and class interleaved (RFC 8489 §5)

const CLASS_BITS: Record<MessageClass, number> = { request: 0, indication: 1, success: 2, error: 3 };
const CLASSES: MessageClass[] = ['request', 'indication', 'success', 'error'];

export function messageType(method: number, cls: MessageClass): number {
  const c = CLASS_BITS[cls];
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((c & 1) << 4) | ((c & 2) << 7);
}

export function splitMessageType(type: number): { method: number; cls: MessageClass } {
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const c = ((type >> 4) & 1) | ((type >> 7) & 2);
  return { method, cls: CLASSES[c]! };
}

export function newTransactionId(): Buffer {
  return randomBytes(12);
}

// ---------------------------------------------------------------------------------------------
// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as FINGERPRINT uses

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Credentials (RFC 8489 §9)

// RFC 3454 B.1 "commonly mapped to nothing" and C.1.2 non-ASCII spaces, as SASLprep (RFC 4013)
// applies them; with NFKC that is what RFC 5389 (and the RFC 5769 vectors) use. For the ASCII
// passwords nearly everyone has, this and RFC 8489's OpaqueString give the same bytes.
const MAPPED_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/g;
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g;

export function prepareSecret(text: string): string {
  return text.replace(MAPPED_TO_NOTHING, '').replace(NON_ASCII_SPACE, ' ').normalize('NFKC');
}

/** Long-term credential key: MD5(username ":" realm ":" password). */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5')
    .update(`${username}:${prepareSecret(realm)}:${prepareSecret(password)}`, 'utf8')
    .digest();
}

/** Short-term credential key: the password itself. */
export function shortTermKey(password: string): Buffer {
  return Buffer.from(prepareSecret(password), 'utf8');
}

// ---------------------------------------------------------------------------------------------
// Addresses

function ipv4ToBytes(address: string): Buffer {
  return Buffer.from(address.split('.').map((p) => Number(p)));
}

function ipv6ToBytes(address: string): Buffer {
  let text = address.replace(/%.*$/, '');
  const out = Buffer.alloc(16);
  // An embedded dotted quad (::ffff:192.0.2.1) stands for the last two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const b = ipv4ToBytes(quad[1]!);
    text = `${text.slice(0, quad.index)}${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? headGroups : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) & 0xffff, i * 2));
  return out;
}

/** RFC 5952 text form of 16 address bytes. */
export function formatIpv6(bytes: Uint8Array): string {
  let value = 0n;
  for (const b of bytes.subarray(0, 16)) value = (value << 8n) | BigInt(b);
  return formatIPv6(value);
}

export function formatAddress(a: TransportAddress): string {
  return a.family === 6 ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

export function sameAddress(a: TransportAddress | undefined, b: TransportAddress | undefined): boolean {
  return !!a && !!b && a.family === b.family && a.port === b.port && normaliseIp(a.address) === normaliseIp(b.address);
}

function normaliseIp(ip: string): string {
  return isIPv6(ip) ? formatIpv6(ipv6ToBytes(ip)) : ip;
}

/** MAPPED-ADDRESS style value (also RESPONSE-ORIGIN, OTHER-ADDRESS, ALTERNATE-SERVER). */
export function encodeAddress(a: TransportAddress): Buffer {
  const v6 = isIPv6(a.address);
  if (!v6 && !isIPv4(a.address)) throw new TypeError(`not an IP address: ${a.address}`);
  const ip = v6 ? ipv6ToBytes(a.address) : ipv4ToBytes(a.address);
  const out = Buffer.alloc(4 + ip.length);
  out[1] = v6 ? 0x02 : 0x01;
  out.writeUInt16BE(a.port & 0xffff, 2);
  ip.copy(out, 4);
  return out;
}

/** XOR-MAPPED-ADDRESS style value: port ^ 0x2112, address ^ cookie (‖ transaction id for IPv6). */
export function encodeXorAddress(a: TransportAddress, transactionId: Buffer): Buffer {
  const out = encodeAddress(a);
  xorAddressInPlace(out, transactionId);
  return out;
}

function xorAddressInPlace(value: Buffer, transactionId: Buffer): void {
  const mask = Buffer.alloc(16);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  transactionId.copy(mask, 4, 0, 12);
  value.writeUInt16BE(value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16), 2);
  for (let i = 4; i < value.length; i++) value[i] = value[i]! ^ mask[i - 4]!;
}

function decodeAddressValue(type: number, value: Buffer, transactionId: Buffer, xor: boolean): TransportAddress {
  if (value.length < 4)
    throw new StunDecodeError('bad-attribute', `${attrName(type)}: ${value.length} bytes, an address needs at least 8`, undefined, type);
  const family = value[1];
  const want = family === 0x01 ? 8 : family === 0x02 ? 20 : -1;
  if (want < 0)
    throw new StunDecodeError(
      'bad-attribute',
      `${attrName(type)}: unknown address family 0x${(family ?? 0).toString(16)}`,
      undefined,
      type,
    );
  if (value.length !== want)
    throw new StunDecodeError(
      'bad-attribute',
      `${attrName(type)}: ${value.length} bytes for an IPv${family === 1 ? 4 : 6} address (want ${want})`,
      undefined,
      type,
    );
  const copy = Buffer.from(value);
  if (xor) xorAddressInPlace(copy, transactionId);
  const port = copy.readUInt16BE(2);
  if (family === 0x01) return { family: 4, address: `${copy[4]}.${copy[5]}.${copy[6]}.${copy[7]}`, port };
  return { family: 6, address: formatIpv6(copy.subarray(4, 20)), port };
}

// ---------------------------------------------------------------------------------------------
// Attribute value builders

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

export const attr = {
  username: (s: string): AttributeInput => ({ type: Attr.USERNAME, value: utf8(s) }),
  realm: (s: string): AttributeInput => ({ type: Attr.REALM, value: utf8(s) }),
  nonce: (s: string | Buffer): AttributeInput => ({ type: Attr.NONCE, value: typeof s === 'string' ? utf8(s) : s }),
  software: (s: string): AttributeInput => ({ type: Attr.SOFTWARE, value: utf8(s) }),
  lifetime: (seconds: number): AttributeInput => ({ type: Attr.LIFETIME, value: u32(seconds) }),
  requestedTransport: (protocol = TRANSPORT_UDP): AttributeInput => ({
    type: Attr.REQUESTED_TRANSPORT,
    value: Buffer.from([protocol & 0xff, 0, 0, 0]),
  }),
  changeRequest: (c: ChangeRequest): AttributeInput => ({
    type: Attr.CHANGE_REQUEST,
    value: u32((c.changeIp ? 4 : 0) | (c.changePort ? 2 : 0)),
  }),
  channelNumber: (n: number): AttributeInput => {
    const b = Buffer.alloc(4);
    b.writeUInt16BE(n & 0xffff);
    return { type: Attr.CHANNEL_NUMBER, value: b };
  },
  data: (d: Buffer): AttributeInput => ({ type: Attr.DATA, value: d }),
  errorCode: (code: number, reason = errorName(code)): AttributeInput => {
    const r = utf8(reason);
    const b = Buffer.alloc(4 + r.length);
    b[2] = Math.floor(code / 100) & 0x07;
    b[3] = code % 100;
    r.copy(b, 4);
    return { type: Attr.ERROR_CODE, value: b };
  },
  address: (type: number, a: TransportAddress): AttributeInput => ({ type, value: encodeAddress(a) }),
  xorAddress: (type: number, a: TransportAddress): AttributeInput => ({ type, value: (tid) => encodeXorAddress(a, tid) }),
  mappedAddress: (a: TransportAddress) => attr.address(Attr.MAPPED_ADDRESS, a),
  responseOrigin: (a: TransportAddress) => attr.address(Attr.RESPONSE_ORIGIN, a),
  otherAddress: (a: TransportAddress) => attr.address(Attr.OTHER_ADDRESS, a),
  xorMappedAddress: (a: TransportAddress) => attr.xorAddress(Attr.XOR_MAPPED_ADDRESS, a),
  xorPeerAddress: (a: TransportAddress) => attr.xorAddress(Attr.XOR_PEER_ADDRESS, a),
  xorRelayedAddress: (a: TransportAddress) => attr.xorAddress(Attr.XOR_RELAYED_ADDRESS, a),
  raw: (type: number, value: Buffer): AttributeInput => ({ type, value }),
};

// ---------------------------------------------------------------------------------------------
// Encoding

export function encodeMessage(msg: OutgoingMessage, opts: EncodeOptions = {}): Buffer {
  const tid = msg.transactionId ?? newTransactionId();
  if (tid.length !== 12) throw new TypeError('a STUN transaction id is 12 bytes');
  const parts: Buffer[] = [];
  let length = 0;
  for (const a of msg.attributes ?? []) {
    const value = typeof a.value === 'function' ? a.value(tid) : a.value;
    if (value.length > 0xffff) throw new RangeError(`attribute 0x${a.type.toString(16)} is longer than 65535 bytes`);
    const pad = (4 - (value.length % 4)) % 4;
    const head = Buffer.alloc(4);
    head.writeUInt16BE(a.type & 0xffff, 0);
    head.writeUInt16BE(value.length, 2);
    parts.push(head, value, Buffer.alloc(pad));
    length += 4 + value.length + pad;
  }
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt16BE(messageType(msg.method, msg.cls), 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  tid.copy(header, 8);
  if (length > 0xffff) throw new RangeError('STUN message longer than 65535 bytes of attributes');
  header.writeUInt16BE(length, 2);
  let out: Buffer = Buffer.concat([header, ...parts]);
  if (opts.integrityKey) out = appendIntegrity(out, opts.integrityKey);
  if (opts.fingerprint) out = appendFingerprint(out);
  return out;
}

/**
 * Appends MESSAGE-INTEGRITY to an encoded message: HMAC-SHA1 over the message so far, with the
 * length field already counting the 24 bytes of the attribute (RFC 8489 §14.5).
 */
export function appendIntegrity(message: Buffer, key: Buffer): Buffer {
  const out = Buffer.concat([message, Buffer.from([0x00, 0x08, 0x00, 0x14]), Buffer.alloc(20)]);
  out.writeUInt16BE(out.length - HEADER_LENGTH, 2);
  createHmac('sha1', key)
    .update(out.subarray(0, message.length))
    .digest()
    .copy(out, message.length + 4);
  return out;
}

/** Appends FINGERPRINT: CRC-32 of the message so far (length counting it) XOR 0x5354554e (§14.7). */
export function appendFingerprint(message: Buffer): Buffer {
  const out = Buffer.concat([message, Buffer.alloc(8)]);
  out.writeUInt16BE(out.length - HEADER_LENGTH, 2);
  out.writeUInt16BE(Attr.FINGERPRINT, message.length);
  out.writeUInt16BE(4, message.length + 2);
  out.writeUInt32BE((crc32(out.subarray(0, message.length)) ^ FINGERPRINT_XOR) >>> 0, message.length + 4);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Cheap test for demultiplexing (RFC 7983): top two bits zero and the magic cookie in place. */
export function looksLikeStun(buf: Uint8Array): boolean {
  return buf.length >= HEADER_LENGTH && (buf[0]! & 0xc0) === 0 && readU32(buf, 4) === MAGIC_COOKIE;
}

function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
}

const MAX_TEXT: Record<number, number> = {
  [Attr.USERNAME]: 513,
  [Attr.REALM]: 763,
  [Attr.NONCE]: 763,
  [Attr.SOFTWARE]: 763,
};

/** Decodes one whole message (a UDP datagram, or a frame cut by frameLength()). */
export function decodeMessage(input: Uint8Array): StunMessage {
  if (!(input instanceof Uint8Array)) throw new StunDecodeError('not-a-buffer', 'input is not a byte buffer');
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (buf.length < HEADER_LENGTH) throw new StunDecodeError('too-short', `${buf.length} bytes is shorter than a STUN header (20)`);
  if ((buf[0]! & 0xc0) !== 0) throw new StunDecodeError('not-stun', 'the two leading bits are not zero: not a STUN message', 0);
  const length = buf.readUInt16BE(2);
  if (buf.readUInt32BE(4) !== MAGIC_COOKIE)
    throw new StunDecodeError('bad-magic-cookie', 'no magic cookie 0x2112A442 (not STUN, or RFC 3489 classic STUN)', 4);
  if (length % 4 !== 0) throw new StunDecodeError('bad-length', `message length ${length} is not a multiple of 4`, 2);
  if (buf.length < HEADER_LENGTH + length)
    throw new StunDecodeError('truncated', `header announces ${length} bytes of attributes, ${buf.length - HEADER_LENGTH} present`, 2);
  if (buf.length > HEADER_LENGTH + length)
    throw new StunDecodeError(
      'trailing-bytes',
      `${buf.length - HEADER_LENGTH - length} bytes after the announced end of the message`,
      HEADER_LENGTH + length,
    );
  const { method, cls } = splitMessageType(buf.readUInt16BE(0));
  const transactionId = buf.subarray(8, 20);

  const attributes: StunAttribute[] = [];
  let fingerprint: StunMessage['fingerprint'] = 'absent';
  let afterIntegrity = false;
  let offset = HEADER_LENGTH;
  const end = HEADER_LENGTH + length;
  while (offset < end) {
    if (offset + 4 > end) throw new StunDecodeError('truncated-attribute', 'attribute header runs past the end of the message', offset);
    if (fingerprint !== 'absent') throw new StunDecodeError('fingerprint-not-last', 'attributes follow FINGERPRINT', offset);
    const type = buf.readUInt16BE(offset);
    const len = buf.readUInt16BE(offset + 2);
    if (offset + 4 + len > end) {
      throw new StunDecodeError(
        'truncated-attribute',
        `${attrName(type)} announces ${len} bytes, ${end - offset - 4} remain`,
        offset,
        type,
      );
    }
    const value = buf.subarray(offset + 4, offset + 4 + len);
    const a: StunAttribute = { type, value, offset };
    if (type === Attr.FINGERPRINT) {
      if (len !== 4) throw new StunDecodeError('bad-attribute', `FINGERPRINT is ${len} bytes (want 4)`, offset, type);
      fingerprint = (crc32(buf.subarray(0, offset)) ^ FINGERPRINT_XOR) >>> 0 === value.readUInt32BE(0) ? 'valid' : 'invalid';
      attributes.push(a);
    } else if (!afterIntegrity || type === Attr.MESSAGE_INTEGRITY_SHA256) {
      validateAttribute(a, transactionId);
      attributes.push(a);
      if (type === Attr.MESSAGE_INTEGRITY) afterIntegrity = true;
    }
    offset += 4 + len + ((4 - (len % 4)) % 4);
  }
  return { method, cls, transactionId, attributes, fingerprint, raw: buf };
}

/** Like decodeMessage, but returns the error instead of throwing it. */
export function tryDecodeMessage(
  input: Uint8Array,
): { message: StunMessage; error?: undefined } | { message?: undefined; error: StunDecodeError } {
  try {
    return { message: decodeMessage(input) };
  } catch (err) {
    if (err instanceof StunDecodeError) return { error: err };
    // Defensive: nothing else should escape, but a caller must never see anything else either.
    return {
      error: new StunDecodeError('bad-attribute', `unexpected decoder failure: ${err instanceof Error ? err.message : String(err)}`),
    };
  }
}

const ADDRESS_TYPES = new Set<number>([Attr.MAPPED_ADDRESS, Attr.RESPONSE_ORIGIN, Attr.OTHER_ADDRESS, Attr.ALTERNATE_SERVER]);
const XOR_ADDRESS_TYPES = new Set<number>([Attr.XOR_MAPPED_ADDRESS, Attr.XOR_PEER_ADDRESS, Attr.XOR_RELAYED_ADDRESS]);
const U32_TYPES = new Set<number>([
  Attr.LIFETIME,
  Attr.CHANGE_REQUEST,
  Attr.REQUESTED_TRANSPORT,
  Attr.CHANNEL_NUMBER,
  Attr.REQUESTED_ADDRESS_FAMILY,
]);

function validateAttribute(a: StunAttribute, tid: Buffer): void {
  const t = a.type;
  const bad = (why: string) => new StunDecodeError('bad-attribute', `${attrName(t)}: ${why}`, a.offset, t);
  if (ADDRESS_TYPES.has(t) || XOR_ADDRESS_TYPES.has(t)) {
    try {
      decodeAddressValue(t, a.value, tid, XOR_ADDRESS_TYPES.has(t));
    } catch (err) {
      if (err instanceof StunDecodeError) throw new StunDecodeError(err.reason, err.message, a.offset, t);
      throw err;
    }
  } else if (U32_TYPES.has(t)) {
    if (a.value.length !== 4) throw bad(`${a.value.length} bytes (want 4)`);
  } else if (t === Attr.MESSAGE_INTEGRITY) {
    if (a.value.length !== 20) throw bad(`${a.value.length} bytes (want 20)`);
  } else if (t === Attr.MESSAGE_INTEGRITY_SHA256) {
    if (a.value.length < 16 || a.value.length > 32 || a.value.length % 4)
      throw bad(`${a.value.length} bytes (want 16..32, a multiple of 4)`);
  } else if (t === Attr.ERROR_CODE) {
    if (a.value.length < 4) throw bad(`${a.value.length} bytes (want at least 4)`);
    const cls = a.value[2]! & 0x07;
    const num = a.value[3]!;
    if (cls < 3 || cls > 6 || num > 99) throw bad(`code ${cls * 100 + num} is not 300..699`);
    if (a.value.length > 4 + 763) throw bad('reason phrase longer than 763 bytes');
  } else if (t === Attr.UNKNOWN_ATTRIBUTES) {
    if (a.value.length % 2) throw bad(`odd length ${a.value.length}`);
  } else if (MAX_TEXT[t] !== undefined && a.value.length > MAX_TEXT[t]!) {
    throw bad(`${a.value.length} bytes is longer than the ${MAX_TEXT[t]} allowed`);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading attributes of a decoded message (values were validated by decodeMessage)

export function findAttribute(msg: StunMessage, type: number): StunAttribute | undefined {
  return msg.attributes.find((a) => a.type === type);
}

/** An address attribute (XOR'd ones un-XOR'd); undefined when absent or not an address type. */
export function getAddress(msg: StunMessage, type: number): TransportAddress | undefined {
  if (!ADDRESS_TYPES.has(type) && !XOR_ADDRESS_TYPES.has(type)) return undefined;
  const a = findAttribute(msg, type);
  if (!a) return undefined;
  try {
    return decodeAddressValue(type, a.value, msg.transactionId, XOR_ADDRESS_TYPES.has(type));
  } catch {
    return undefined; // only for a message that did not come from decodeMessage
  }
}

export function getString(msg: StunMessage, type: number): string | undefined {
  const a = findAttribute(msg, type);
  return a ? a.value.toString('utf8') : undefined;
}

export function getUint32(msg: StunMessage, type: number): number | undefined {
  const a = findAttribute(msg, type);
  return a && a.value.length === 4 ? a.value.readUInt32BE(0) : undefined;
}

export function getErrorCode(msg: StunMessage): ErrorCodeValue | undefined {
  const a = findAttribute(msg, Attr.ERROR_CODE);
  if (!a || a.value.length < 4) return undefined;
  // Some servers (coturn) end the reason phrase with NUL: drop control characters.

  const reason = a.value
    .subarray(4)
    .toString('utf8')
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim();
  return { code: (a.value[2]! & 0x07) * 100 + a.value[3]!, reason };
}

export function getChangeRequest(msg: StunMessage): ChangeRequest | undefined {
  const v = getUint32(msg, Attr.CHANGE_REQUEST);
  return v === undefined ? undefined : { changeIp: (v & 4) !== 0, changePort: (v & 2) !== 0 };
}

export function getData(msg: StunMessage): Buffer | undefined {
  return findAttribute(msg, Attr.DATA)?.value;
}

export function getChannelNumber(msg: StunMessage): number | undefined {
  const a = findAttribute(msg, Attr.CHANNEL_NUMBER);
  return a && a.value.length === 4 ? a.value.readUInt16BE(0) : undefined;
}

export function getRequestedTransport(msg: StunMessage): number | undefined {
  const a = findAttribute(msg, Attr.REQUESTED_TRANSPORT);
  return a && a.value.length === 4 ? a.value[0] : undefined;
}

export function getUnknownAttributes(msg: StunMessage): number[] {
  const a = findAttribute(msg, Attr.UNKNOWN_ATTRIBUTES);
  const out: number[] = [];
  if (a) for (let i = 0; i + 1 < a.value.length; i += 2) out.push(a.value.readUInt16BE(i));
  return out;
}

/** Whether MESSAGE-INTEGRITY is present and matches `key` (RFC 8489 §14.5). */
export function verifyIntegrity(msg: StunMessage, key: Buffer): boolean {
  const a = findAttribute(msg, Attr.MESSAGE_INTEGRITY);
  if (!a || a.value.length !== 20) return false;
  const covered = Buffer.from(msg.raw.subarray(0, a.offset));
  covered.writeUInt16BE(a.offset - HEADER_LENGTH + 24, 2);
  const mac = createHmac('sha1', key).update(covered).digest();
  return timingSafeEqual(mac, a.value);
}

/**
 * Whether MESSAGE-INTEGRITY-SHA256 is present and matches `key` (RFC 8489 §14.6): HMAC-SHA256 over
 * the message up to the attribute, the length field counting it, compared over the attribute's
 * length (16 to 32 bytes: the HMAC may be truncated).
 */
export function verifyIntegritySha256(msg: StunMessage, key: Buffer): boolean {
  const a = findAttribute(msg, Attr.MESSAGE_INTEGRITY_SHA256);
  if (!a || a.value.length < 16 || a.value.length > 32 || a.value.length % 4) return false;
  const covered = Buffer.from(msg.raw.subarray(0, a.offset));
  covered.writeUInt16BE(a.offset - HEADER_LENGTH + 4 + a.value.length, 2);
  const mac = createHmac('sha256', key).update(covered).digest().subarray(0, a.value.length);
  return timingSafeEqual(mac, a.value);
}

/**
 * How a response is authenticated (RFC 8489 §9.2.5): MESSAGE-INTEGRITY-SHA256 is checked when
 * present, else MESSAGE-INTEGRITY; `absent` when it carries neither.
 */
export function integrityOf(msg: StunMessage, key: Buffer): 'valid' | 'invalid' | 'absent' {
  if (findAttribute(msg, Attr.MESSAGE_INTEGRITY_SHA256)) return verifyIntegritySha256(msg, key) ? 'valid' : 'invalid';
  if (findAttribute(msg, Attr.MESSAGE_INTEGRITY)) return verifyIntegrity(msg, key) ? 'valid' : 'invalid';
  return 'absent';
}

// ---------------------------------------------------------------------------------------------
// Stream framing (STUN over TCP/TLS, RFC 8489 §6.2.2; TURN ChannelData, RFC 8656 §12.5)

export type Frame = { kind: 'stun' | 'channel-data'; length: number };

/**
 * How long the frame at the start of `buf` is, once its header is there (8 bytes for STUN, whose
 * magic cookie is checked, 4 for ChannelData); undefined when more bytes are needed. Over a stream, ChannelData is padded to 4. Throws StunDecodeError when
 * the bytes can be neither (the stream is not STUN and must be dropped).
 */
export function frameLength(buf: Uint8Array): Frame | undefined {
  if (buf.length < 4) return undefined;
  const top = buf[0]! & 0xc0;
  const len = (buf[2]! << 8) | buf[3]!;
  if (top === 0x00) {
    if (len % 4 !== 0) throw new StunDecodeError('bad-length', `message length ${len} is not a multiple of 4: the stream is not STUN`, 2);
    if (buf.length < 8) return undefined; // the cookie decides
    if (readU32(buf, 4) !== MAGIC_COOKIE) throw new StunDecodeError('bad-magic-cookie', 'no magic cookie: the stream is not STUN', 4);
    return { kind: 'stun', length: HEADER_LENGTH + len };
  }
  // Channel numbers are 0x4000..0x4FFF (RFC 8656 §12); 0x50..0x7F in the first byte is not TURN.
  if (top === 0x40 && buf[0]! < 0x50) return { kind: 'channel-data', length: 4 + len + ((4 - (len % 4)) % 4) };
  throw new StunDecodeError('not-stun', `first byte 0x${buf[0]!.toString(16)} starts neither STUN nor ChannelData`, 0);
}

// ---------------------------------------------------------------------------------------------

const ATTR_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Attr).map(([k, v]) => [v, k.replace(/_/g, '-')]));

export function attrName(type: number): string {
  return ATTR_NAMES[type] ?? `attribute 0x${type.toString(16).padStart(4, '0')}`;
}

export function methodName(method: number): string {
  const found = Object.entries(Method).find(([, v]) => v === method);
  return found ? found[0] : `method 0x${method.toString(16)}`;
}
