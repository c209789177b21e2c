// ClientHello messages as scanners send them: any legacy version, any suite list, each extension
// on or off, real key shares, padding around the 256–511 byte hello bug; plus the SSLv2
// CLIENT-HELLO and a pre-handshake heartbeat request. Pure functions of their options: the
// random and the key shares can be passed in, so tests can compare bytes.

import { randomBytes } from 'node:crypto';
import { publicKeyFor } from './key-share.js';
import { ContentType, ExtensionType, HandshakeType, MAX_PLAINTEXT_LENGTH } from './wire.js';

export interface KeyShareOffer {
  group: number;
  /** The public key; generated for the group when absent. */
  key?: Buffer;
}

export interface ClientHelloOptions {
  /** legacy_version (0x0300 SSLv3 … 0x0303; TLS 1.3 hellos say 0x0303 and list 0x0304 in supported_versions; 0x0101 TLCP). */
  version: number;
  /** The record header's version; defaults to what OpenSSL sends (0x0300 for SSLv3, 0x0101 for TLCP, else 0x0301). */
  recordVersion?: number;
  suites: readonly number[];
  /** Append TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3: how a client without extensions asks for secure renegotiation). */
  renegotiationScsv?: boolean;
  /** Append TLS_FALLBACK_SCSV (RFC 7507: "this is a retry below my best version"). */
  fallbackScsv?: boolean;
  compression?: readonly number[];
  random?: Buffer;
  sessionId?: Buffer;
  /** SNI host name (omit for IP literals, RFC 6066 §3). */
  serverName?: string;
  /** The supported_versions list (TLS 1.3). */
  supportedVersions?: readonly number[];
  /** key_share entries; `[]` sends an empty list, which makes a TLS 1.3 server answer with HelloRetryRequest. */
  keyShares?: readonly KeyShareOffer[];
  groups?: readonly number[];
  /** ec_point_formats; defaults to uncompressed only when groups are offered. */
  ecPointFormats?: readonly number[];
  signatureAlgorithms?: readonly number[];
  alpn?: readonly string[];
  statusRequest?: boolean;
  /** An empty renegotiation_info extension (RFC 5746 §3.4). */
  renegotiationInfo?: boolean;
  extendedMasterSecret?: boolean;
  encryptThenMac?: boolean;
  sessionTicket?: boolean;
  /** RFC 6520 heartbeat extension, mode peer_allowed_to_send. */
  heartbeat?: boolean;
  /** psk_key_exchange_modes (psk_dhe_ke): some TLS 1.3 stacks insist on it. */
  pskModes?: boolean;
  /** Pad the hello out of the 256–511 byte range (RFC 7685); default true. */
  padding?: boolean;
  /** No extensions block at all (what an SSLv3 client sends). */
  noExtensions?: boolean;
  /** Anything else, appended before padding. */
  extraExtensions?: ReadonlyArray<{ type: number; data: Buffer }>;
}

const u8 = (v: number) => Buffer.from([v & 0xff]);
const u16 = (v: number) => Buffer.from([(v >> 8) & 0xff, v & 0xff]);
const u24 = (v: number) => Buffer.from([(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff]);

function vec8(body: Buffer): Buffer {
  if (body.length > 0xff) throw new RangeError(`vector of ${body.length} bytes does not fit a one-byte length`);
  return Buffer.concat([u8(body.length), body]);
}

function vec16(body: Buffer): Buffer {
  if (body.length > 0xffff) throw new RangeError(`vector of ${body.length} bytes does not fit a two-byte length`);
  return Buffer.concat([u16(body.length), body]);
}

const list16 = (values: readonly number[]) => Buffer.concat(values.map(u16));

function extension(type: number, data: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(data)]);
}

function serverNameExtension(host: string): Buffer {
  const name = Buffer.from(host, 'ascii');
  return extension(ExtensionType.server_name, vec16(Buffer.concat([u8(0), vec16(name)])));
}

function keyShareExtension(shares: readonly KeyShareOffer[]): Buffer {
  const entries = shares.map((s) => {
    const key = s.key ?? publicKeyFor(s.group);
    if (!key) throw new RangeError(`cannot make a key share for group 0x${s.group.toString(16)}`);
    return Buffer.concat([u16(s.group), vec16(key)]);
  });
  return extension(ExtensionType.key_share, vec16(Buffer.concat(entries)));
}

function alpnExtension(protocols: readonly string[]): Buffer {
  return extension(
    ExtensionType.application_layer_protocol_negotiation,
    vec16(Buffer.concat(protocols.map((p) => vec8(Buffer.from(p, 'ascii'))))),
  );
}

function extensionsFor(o: ClientHelloOptions): Buffer[] {
  const ext: Buffer[] = [];
  if (o.serverName) ext.push(serverNameExtension(o.serverName));
  if (o.renegotiationInfo) ext.push(extension(ExtensionType.renegotiation_info, vec8(Buffer.alloc(0))));
  if (o.groups?.length) {
    ext.push(extension(ExtensionType.supported_groups, vec16(list16(o.groups))));
    ext.push(extension(ExtensionType.ec_point_formats, vec8(Buffer.from(o.ecPointFormats ?? [0]))));
  } else if (o.ecPointFormats) {
    ext.push(extension(ExtensionType.ec_point_formats, vec8(Buffer.from(o.ecPointFormats))));
  }
  if (o.sessionTicket) ext.push(extension(ExtensionType.session_ticket, Buffer.alloc(0)));
  if (o.alpn?.length) ext.push(alpnExtension(o.alpn));
  if (o.encryptThenMac) ext.push(extension(ExtensionType.encrypt_then_mac, Buffer.alloc(0)));
  if (o.extendedMasterSecret) ext.push(extension(ExtensionType.extended_master_secret, Buffer.alloc(0)));
  if (o.signatureAlgorithms?.length) ext.push(extension(ExtensionType.signature_algorithms, vec16(list16(o.signatureAlgorithms))));
  // status_type ocsp(1), empty responder_id_list, empty request_extensions (RFC 6066 §8).
  if (o.statusRequest) ext.push(extension(ExtensionType.status_request, Buffer.from([1, 0, 0, 0, 0])));
  if (o.heartbeat) ext.push(extension(ExtensionType.heartbeat, u8(1)));
  if (o.supportedVersions?.length) ext.push(extension(ExtensionType.supported_versions, vec8(list16(o.supportedVersions))));
  if (o.pskModes) ext.push(extension(ExtensionType.psk_key_exchange_modes, vec8(u8(1))));
  if (o.keyShares) ext.push(keyShareExtension(o.keyShares));
  for (const e of o.extraExtensions ?? []) ext.push(extension(e.type, e.data));
  return ext;
}

/** The ClientHello handshake message (4-byte handshake header included). */
export function buildClientHelloMessage(o: ClientHelloOptions): Buffer {
  const random = o.random ?? randomBytes(32);
  if (random.length !== 32) throw new RangeError('random must be 32 bytes');
  const sessionId = o.sessionId ?? Buffer.alloc(0);
  if (sessionId.length > 32) throw new RangeError('session id is at most 32 bytes');
  const head = Buffer.concat([
    u16(o.version),
    random,
    vec8(sessionId),
    vec16(list16([...o.suites, ...(o.renegotiationScsv ? [0x00ff] : []), ...(o.fallbackScsv ? [0x5600] : [])])),
    vec8(Buffer.from(o.compression ?? [0])),
  ]);
  let body = head;
  if (!o.noExtensions) {
    const ext = extensionsFor(o);
    // F5 and other stacks hang on hellos of 256–511 bytes; pad to 512 as OpenSSL and RFC 7685 do.
    if (o.padding !== false) {
      const unpadded = 4 + head.length + 2 + ext.reduce((n, e) => n + e.length, 0);
      if (unpadded >= 256 && unpadded < 512) {
        const fill = Math.max(0, 512 - unpadded - 4);
        ext.push(extension(ExtensionType.padding, Buffer.alloc(fill)));
      }
    }
    body = Buffer.concat([head, vec16(Buffer.concat(ext))]);
  }
  return Buffer.concat([u8(HandshakeType.client_hello), u24(body.length), body]);
}

export function defaultRecordVersion(version: number): number {
  if (version === 0x0300) return 0x0300;
  if (version === 0x0101) return 0x0101;
  return 0x0301;
}

/** Wraps a payload in records of one content type, fragmenting at 2^14 bytes. */
export function records(contentType: number, version: number, payload: Buffer): Buffer {
  const out: Buffer[] = [];
  let off = 0;
  do {
    const frag = payload.subarray(off, off + MAX_PLAINTEXT_LENGTH);
    out.push(Buffer.concat([u8(contentType), u16(version), u16(frag.length), frag]));
    off += MAX_PLAINTEXT_LENGTH;
  } while (off < payload.length);
  return Buffer.concat(out);
}

/** The ClientHello as the bytes to write on the socket. */
export function buildClientHello(o: ClientHelloOptions): Buffer {
  return records(ContentType.handshake, o.recordVersion ?? defaultRecordVersion(o.version), buildClientHelloMessage(o));
}

/**
 * SSLv2 CLIENT-HELLO (draft-hickman-netscape-ssl-00 §B): two-byte header with the top bit set,
 * MSG-CLIENT-HELLO, version 0x0002, the three-byte cipher kinds, no session id, a 16-byte challenge.
 */
export function buildSslv2ClientHello(kinds: readonly number[], challenge: Buffer = randomBytes(16)): Buffer {
  if (challenge.length < 16 || challenge.length > 32) throw new RangeError('SSLv2 challenge is 16–32 bytes');
  const specs = Buffer.concat(kinds.map((k) => Buffer.from([(k >> 16) & 0xff, (k >> 8) & 0xff, k & 0xff])));
  const body = Buffer.concat([u8(1), u16(0x0002), u16(specs.length), u16(0), u16(challenge.length), specs, challenge]);
  if (body.length > 0x7fff) throw new RangeError('SSLv2 hello too long');
  return Buffer.concat([u16(0x8000 | body.length), body]);
}

/**
 * A heartbeat request (RFC 6520 §4) whose payload_length covers exactly the payload sent and no
 * padding. RFC 6520 requires at least 16 bytes of padding, so a patched stack discards it
 * silently (payload_length + 19 > record length), while a stack with CVE-2014-0160 trusts
 * payload_length, copies the payload — our own bytes, nothing from its memory — and answers.
 * That answer alone proves the missing bounds check without reading a byte of server memory.
 */
export function buildHeartbeatProbe(version: number, payload: Buffer = Buffer.from('siteready-hb-chk')): Buffer {
  const msg = Buffer.concat([u8(1), u16(payload.length), payload]);
  return records(ContentType.heartbeat, version, msg);
}
