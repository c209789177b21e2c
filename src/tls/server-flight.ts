// Reads what a server sends back to a ClientHello: records reassembled into handshake messages
// (one message over several records, several messages in one record), alerts, heartbeat
// records, an SSLv2 SERVER-HELLO; and parses the messages a scanner needs — ServerHello and
// HelloRetryRequest, Certificate (TLS ≤ 1.2), ServerKeyExchange, CertificateStatus,
// ServerHelloDone. It stops at what TLS 1.3 encrypts.
//
// Input is hostile: every length is checked, and anything malformed raises TlsWireError.

import { dhGroupName, groupByCode, groupName, primeBits, suiteByCode } from './registry.js';
import {
  ByteReader,
  ContentType,
  ExtensionType,
  HandshakeType,
  MAX_RECORD_LENGTH,
  TlsWireError,
  alertName,
  handshakeTypeName,
} from './wire.js';

/** RFC 8446 §4.1.3: a ServerHello with this random is a HelloRetryRequest. */
export const HELLO_RETRY_REQUEST_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

/** Handshake messages larger than this are refused (certificate chains stay far below it). */
const MAX_HANDSHAKE_MESSAGE = 256 * 1024;

export interface TlsAlert {
  level: number;
  levelName: 'warning' | 'fatal' | string;
  description: number;
  name: string;
}

export interface HandshakeMessage {
  type: number;
  body: Buffer;
}

export interface RawExtension {
  type: number;
  data: Buffer;
}

export interface ServerHello {
  /** legacy_version as sent. */
  legacyVersion: number;
  /** The negotiated version: supported_versions when present (TLS 1.3), else legacy_version. */
  version: number;
  random: Buffer;
  sessionId: Buffer;
  cipherSuite: number;
  compression: number;
  extensions: RawExtension[];
  helloRetryRequest: boolean;
  /** key_share: the group of the server's share (ServerHello) or the group asked for (HelloRetryRequest). */
  keyShareGroup?: number;
  alpn?: string;
  renegotiationInfo?: Buffer;
  extendedMasterSecret: boolean;
  encryptThenMac: boolean;
  sessionTicket: boolean;
  statusRequest: boolean;
  /** heartbeat extension mode (1 peer_allowed_to_send, 2 peer_not_allowed_to_send). */
  heartbeat?: number;
  ecPointFormats?: number[];
}

export type ServerKeyExchange =
  | { kind: 'dhe'; primeBits: number; group: string; prime: Buffer; generator: Buffer; publicKeyBits: number }
  | { kind: 'ecdhe'; curveType: number; namedCurve?: number; group?: string; bits?: number; pointLength: number }
  | { kind: 'rsa'; modulusBits: number }
  | { kind: 'other' };

export interface Sslv2ServerHello {
  sessionIdHit: boolean;
  certificateType: number;
  version: number;
  certificate: Buffer;
  cipherKinds: number[];
  connectionId: Buffer;
}

// ---------------------------------------------------------------------------------------------
// Record reader

export type FlightEvent =
  | { kind: 'handshake'; message: HandshakeMessage; recordVersion: number }
  | { kind: 'alert'; alert: TlsAlert }
  | { kind: 'change_cipher_spec' }
  | { kind: 'application_data'; length: number }
  | { kind: 'heartbeat'; body: Buffer }
  | { kind: 'sslv2'; hello?: Sslv2ServerHello; errorCode?: number };

export interface RecordReaderOptions {
  /** Accept an SSLv2 record as the first thing the server sends. */
  sslv2?: boolean;
  /** Accept TLCP's 0x0101 record version. */
  tlcp?: boolean;
}

/**
 * Feed it bytes as they arrive; it returns the events complete so far. Partial records and
 * partial handshake messages wait for more bytes. Throws TlsWireError on malformed input.
 */
export class RecordReader {
  private buf: Buffer = Buffer.alloc(0);
  private handshake: Buffer = Buffer.alloc(0);
  private alertBuf: Buffer = Buffer.alloc(0);
  private records = 0;
  private encrypted = false;

  constructor(private readonly opts: RecordReaderOptions = {}) {}

  /** Bytes received that do not yet form a whole record or message. */
  get pending(): number {
    return this.buf.length + this.handshake.length + this.alertBuf.length;
  }

  /** After a ChangeCipherSpec or application data everything is encrypted; handshake bytes are no longer parsed. */
  get sawEncrypted(): boolean {
    return this.encrypted;
  }

  push(chunk: Buffer): FlightEvent[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const events: FlightEvent[] = [];
    for (;;) {
      if (this.records === 0 && this.opts.sslv2 && this.buf.length >= 1 && (this.buf[0]! & 0x80) !== 0) {
        const ev = this.takeSslv2();
        if (!ev) break;
        events.push(ev);
        continue;
      }
      if (this.buf.length < 5) {
        if (this.records === 0 && this.buf.length >= 1) checkContentType(this.buf[0]!);
        if (this.records === 0 && this.buf.length >= 3) checkVersion(this.buf.readUInt16BE(1), this.opts.tlcp);
        break;
      }
      const type = this.buf[0]!;
      const version = this.buf.readUInt16BE(1);
      const length = this.buf.readUInt16BE(3);
      if (this.records === 0) {
        checkContentType(type);
        checkVersion(version, this.opts.tlcp);
      } else if (!isContentType(type)) {
        throw new TlsWireError('BAD_VALUE', `record of unknown content type ${type}`);
      }
      if (length > MAX_RECORD_LENGTH) throw new TlsWireError('BAD_LENGTH', `record of ${length} bytes exceeds 2^14 + 2048`);
      if (this.buf.length < 5 + length) break;
      const fragment = this.buf.subarray(5, 5 + length);
      this.buf = this.buf.subarray(5 + length);
      this.records++;
      events.push(...this.onRecord(type, version, fragment));
    }
    return events;
  }

  private onRecord(type: number, version: number, fragment: Buffer): FlightEvent[] {
    switch (type) {
      case ContentType.handshake: {
        if (this.encrypted) return [];
        if (fragment.length === 0) throw new TlsWireError('BAD_LENGTH', 'empty handshake record');
        this.handshake = this.handshake.length ? Buffer.concat([this.handshake, fragment]) : fragment;
        const out: FlightEvent[] = [];
        while (this.handshake.length >= 4) {
          const msgType = this.handshake[0]!;
          const len = (this.handshake[1]! << 16) | (this.handshake[2]! << 8) | this.handshake[3]!;
          if (len > MAX_HANDSHAKE_MESSAGE) throw new TlsWireError('BAD_LENGTH', `${handshakeTypeName(msgType)} of ${len} bytes`);
          if (this.handshake.length < 4 + len) break;
          out.push({
            kind: 'handshake',
            recordVersion: version,
            message: { type: msgType, body: Buffer.from(this.handshake.subarray(4, 4 + len)) },
          });
          this.handshake = this.handshake.subarray(4 + len);
        }
        return out;
      }
      case ContentType.alert: {
        if (this.encrypted) return [{ kind: 'application_data', length: fragment.length }];
        this.alertBuf = this.alertBuf.length ? Buffer.concat([this.alertBuf, fragment]) : fragment;
        const out: FlightEvent[] = [];
        while (this.alertBuf.length >= 2) {
          const level = this.alertBuf[0]!;
          const description = this.alertBuf[1]!;
          if (level !== 1 && level !== 2) throw new TlsWireError('BAD_VALUE', `alert level ${level}`);
          out.push({
            kind: 'alert',
            alert: { level, levelName: level === 1 ? 'warning' : 'fatal', description, name: alertName(description) },
          });
          this.alertBuf = this.alertBuf.subarray(2);
        }
        return out;
      }
      case ContentType.change_cipher_spec:
        if (fragment.length !== 1 || fragment[0] !== 1) throw new TlsWireError('BAD_VALUE', 'malformed ChangeCipherSpec');
        this.encrypted = true;
        return [{ kind: 'change_cipher_spec' }];
      case ContentType.application_data:
        this.encrypted = true;
        return [{ kind: 'application_data', length: fragment.length }];
      case ContentType.heartbeat:
        return [{ kind: 'heartbeat', body: Buffer.from(fragment) }];
      default:
        throw new TlsWireError('BAD_VALUE', `record of unknown content type ${type}`);
    }
  }

  private takeSslv2(): FlightEvent | undefined {
    // Two-byte header (top bit set, no padding) as every SSLv2 server uses for SERVER-HELLO.
    if (this.buf.length < 2) return undefined;
    const length = ((this.buf[0]! & 0x7f) << 8) | this.buf[1]!;
    if (length === 0) throw new TlsWireError('BAD_LENGTH', 'empty SSLv2 record');
    if (this.buf.length < 2 + length) return undefined;
    const body = this.buf.subarray(2, 2 + length);
    this.buf = this.buf.subarray(2 + length);
    this.records++;
    return parseSslv2Message(body);
  }
}

function isContentType(type: number): boolean {
  return type >= ContentType.change_cipher_spec && type <= ContentType.heartbeat;
}

function checkContentType(type: number): void {
  if (!isContentType(type))
    throw new TlsWireError('NOT_TLS', `the reply starts with byte 0x${type.toString(16).padStart(2, '0')}, not a TLS record`);
}

function checkVersion(version: number, tlcp?: boolean): void {
  // Alerts from some stacks carry version 0x0000. TLCP servers answer 0x0101 (GB/T 38636), also to
  // a TLS hello: that is "a version below what was asked", not garbage.
  const major = version >> 8;
  if (major === 3 || version === 0x0000 || version === 0x0101) return;
  if (tlcp && major === 1) return;
  throw new TlsWireError('NOT_TLS', `record version 0x${version.toString(16).padStart(4, '0')}`);
}

function parseSslv2Message(body: Buffer): FlightEvent {
  const r = new ByteReader(body, 'SSLv2 message');
  const type = r.u8('msg type');
  if (type === 0) return { kind: 'sslv2', errorCode: r.u16('error code') };
  if (type !== 4) throw new TlsWireError('UNEXPECTED_MESSAGE', `SSLv2 message type ${type} where SERVER-HELLO was expected`);
  const sessionIdHit = r.u8('session id hit') !== 0;
  const certificateType = r.u8('certificate type');
  const version = r.u16('server version');
  const certLen = r.u16('certificate length');
  const specsLen = r.u16('cipher specs length');
  const connLen = r.u16('connection id length');
  if (specsLen % 3 !== 0) throw new TlsWireError('BAD_LENGTH', `SSLv2 cipher specs length ${specsLen} is not a multiple of 3`);
  const certificate = r.bytes(certLen, 'certificate');
  const specs = r.bytes(specsLen, 'cipher specs');
  const connectionId = r.bytes(connLen, 'connection id');
  r.end();
  const cipherKinds: number[] = [];
  for (let i = 0; i < specs.length; i += 3) cipherKinds.push((specs[i]! << 16) | (specs[i + 1]! << 8) | specs[i + 2]!);
  return {
    kind: 'sslv2',
    hello: {
      sessionIdHit,
      certificateType,
      version,
      certificate: Buffer.from(certificate),
      cipherKinds,
      connectionId: Buffer.from(connectionId),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Messages

export function parseServerHello(body: Buffer): ServerHello {
  const r = new ByteReader(body, 'ServerHello');
  const legacyVersion = r.u16('version');
  const random = Buffer.from(r.bytes(32, 'random'));
  const sessionId = Buffer.from(r.vec8('session id'));
  if (sessionId.length > 32) throw new TlsWireError('BAD_LENGTH', `ServerHello session id of ${sessionId.length} bytes`);
  const cipherSuite = r.u16('cipher suite');
  const compression = r.u8('compression method');
  const extensions: RawExtension[] = [];
  if (r.remaining > 0) {
    const block = new ByteReader(r.vec16('extensions'), 'ServerHello extensions');
    r.end();
    const seen = new Set<number>();
    while (block.remaining > 0) {
      const type = block.u16('extension type');
      const data = Buffer.from(block.vec16(`extension ${type}`));
      if (seen.has(type)) throw new TlsWireError('BAD_VALUE', `ServerHello repeats extension ${type}`);
      seen.add(type);
      extensions.push({ type, data });
    }
  }
  const helloRetryRequest = random.equals(HELLO_RETRY_REQUEST_RANDOM);
  const sh: ServerHello = {
    legacyVersion,
    version: legacyVersion,
    random,
    sessionId,
    cipherSuite,
    compression,
    extensions,
    helloRetryRequest,
    extendedMasterSecret: false,
    encryptThenMac: false,
    sessionTicket: false,
    statusRequest: false,
  };
  for (const { type, data } of extensions) readServerExtension(sh, type, data);
  return sh;
}

function readServerExtension(sh: ServerHello, type: number, data: Buffer): void {
  const r = new ByteReader(data, `ServerHello extension ${type}`);
  switch (type) {
    case ExtensionType.supported_versions:
      sh.version = r.u16('selected version');
      r.end();
      return;
    case ExtensionType.key_share:
      sh.keyShareGroup = r.u16('group');
      // HelloRetryRequest carries the group alone; a ServerHello adds the server's share.
      if (!sh.helloRetryRequest) r.vec16('key exchange', 1);
      r.end();
      return;
    case ExtensionType.application_layer_protocol_negotiation: {
      const list = new ByteReader(r.vec16('protocol name list', 2), 'ALPN');
      r.end();
      const name = list.vec8('protocol name', 1);
      list.end();
      sh.alpn = name.toString('latin1');
      return;
    }
    case ExtensionType.renegotiation_info:
      sh.renegotiationInfo = Buffer.from(r.vec8('renegotiated connection'));
      r.end();
      return;
    case ExtensionType.extended_master_secret:
      r.end();
      sh.extendedMasterSecret = true;
      return;
    case ExtensionType.encrypt_then_mac:
      r.end();
      sh.encryptThenMac = true;
      return;
    case ExtensionType.session_ticket:
      r.end();
      sh.sessionTicket = true;
      return;
    case ExtensionType.status_request:
      r.end();
      sh.statusRequest = true;
      return;
    case ExtensionType.heartbeat:
      sh.heartbeat = r.u8('heartbeat mode');
      r.end();
      return;
    case ExtensionType.ec_point_formats:
      sh.ecPointFormats = [...r.vec8('ec point formats', 1)];
      r.end();
      return;
    default:
      return;
  }
}

/** TLS ≤ 1.2 Certificate: the DER certificates, leaf first. */
export function parseCertificate(body: Buffer): Buffer[] {
  const r = new ByteReader(body, 'Certificate');
  const list = new ByteReader(r.vec24('certificate list'), 'certificate list');
  r.end();
  const certs: Buffer[] = [];
  while (list.remaining > 0) certs.push(Buffer.from(list.vec24('certificate', 1)));
  return certs;
}

/** CertificateStatus (RFC 6066 §8): the OCSP response. */
export function parseCertificateStatus(body: Buffer): { statusType: number; response: Buffer } {
  const r = new ByteReader(body, 'CertificateStatus');
  const statusType = r.u8('status type');
  const response = Buffer.from(r.vec24('OCSP response', 1));
  r.end();
  return { statusType, response };
}

/**
 * The key-exchange parameters of a ServerKeyExchange; what they are depends on the suite's key
 * exchange, so the suite the ServerHello chose is needed. The signature after them is not checked.
 */
export function parseServerKeyExchange(body: Buffer, cipherSuite: number): ServerKeyExchange {
  const kx = suiteByCode(cipherSuite)?.kx;
  const r = new ByteReader(body, 'ServerKeyExchange');
  if (kx === 'DHE_PSK' || kx === 'ECDHE_PSK') r.vec16('psk identity hint');
  if (kx === 'DHE' || kx === 'DH' || kx === 'DHE_PSK') {
    // Anonymous DH suites (kx DH, auth anon) send ephemeral parameters too.
    const prime = Buffer.from(r.vec16('dh_p', 1));
    const generator = Buffer.from(r.vec16('dh_g', 1));
    const ys = r.vec16('dh_Ys', 1);
    return { kind: 'dhe', primeBits: primeBits(prime), group: dhGroupName(prime), prime, generator, publicKeyBits: primeBits(ys) };
  }
  if (kx === 'ECDHE' || kx === 'ECDH' || kx === 'ECDHE_PSK') {
    const curveType = r.u8('curve type');
    if (curveType === 3) {
      const namedCurve = r.u16('named curve');
      const point = r.vec8('public point', 1);
      const grp = groupByCode(namedCurve);
      return {
        kind: 'ecdhe',
        curveType,
        namedCurve,
        group: groupName(namedCurve),
        ...(grp ? { bits: grp.bits } : {}),
        pointLength: point.length,
      };
    }
    // Explicit curves (1, 2) are deprecated (RFC 8422 §5.4); the type is all a scan reports.
    return { kind: 'ecdhe', curveType, pointLength: 0 };
  }
  if (kx === 'RSA') {
    // Only RSA_EXPORT suites send one: a temporary ≤ 512-bit key (FREAK).
    const modulus = r.vec16('rsa modulus', 1);
    r.vec16('rsa exponent', 1);
    return { kind: 'rsa', modulusBits: primeBits(modulus) };
  }
  return { kind: 'other' };
}

export function parseServerHelloDone(body: Buffer): void {
  if (body.length !== 0) throw new TlsWireError('BAD_LENGTH', `ServerHelloDone with ${body.length} bytes`);
}

// ---------------------------------------------------------------------------------------------
// A whole flight

/** What a server said in answer to one hello, as far as the probe read. */
export interface ServerFlight {
  serverHello?: ServerHello;
  /** DER certificates of a TLS ≤ 1.2 Certificate message. */
  certificates?: Buffer[];
  serverKeyExchange?: ServerKeyExchange;
  /** A CertificateStatus message arrived (OCSP stapled). */
  ocspResponse?: Buffer;
  certificateRequested: boolean;
  serverHelloDone: boolean;
  alerts: TlsAlert[];
  /** A NewSessionTicket arrived in the clear (TLS ≤ 1.2 abbreviated flows). */
  newSessionTicket: boolean;
  heartbeats: Buffer[];
  sslv2?: Sslv2ServerHello;
  sslv2Error?: number;
  /** The server moved to encrypted records (TLS 1.3 after ServerHello, or a ChangeCipherSpec). */
  encrypted: boolean;
  /** Handshake message types in arrival order. */
  messageTypes: number[];
}

export function emptyFlight(): ServerFlight {
  return {
    certificateRequested: false,
    serverHelloDone: false,
    alerts: [],
    newSessionTicket: false,
    heartbeats: [],
    encrypted: false,
    messageTypes: [],
  };
}

/**
 * Folds reader events into a ServerFlight, checking message order: a ServerHello first, nothing
 * after ServerHelloDone, no ClientHello from a server.
 */
export class FlightAssembler {
  readonly flight: ServerFlight = emptyFlight();

  add(events: readonly FlightEvent[]): void {
    for (const ev of events) this.addOne(ev);
  }

  private addOne(ev: FlightEvent): void {
    const f = this.flight;
    switch (ev.kind) {
      case 'alert':
        f.alerts.push(ev.alert);
        return;
      case 'change_cipher_spec':
      case 'application_data':
        f.encrypted = true;
        return;
      case 'heartbeat':
        f.heartbeats.push(ev.body);
        return;
      case 'sslv2':
        if (ev.hello) f.sslv2 = ev.hello;
        if (ev.errorCode !== undefined) f.sslv2Error = ev.errorCode;
        return;
      case 'handshake':
        this.addMessage(ev.message);
        return;
    }
  }

  private addMessage(m: HandshakeMessage): void {
    const f = this.flight;
    if (f.encrypted) return;
    // TLS 1.3: everything after the ServerHello is encrypted; a plaintext message there is a broken peer.
    if (f.serverHello && f.serverHello.version >= 0x0304 && !f.serverHello.helloRetryRequest) {
      throw new TlsWireError('UNEXPECTED_MESSAGE', `plaintext ${handshakeTypeName(m.type)} after a TLS 1.3 ServerHello`);
    }
    if (m.type !== HandshakeType.server_hello && m.type !== HandshakeType.hello_request && !f.serverHello) {
      throw new TlsWireError('UNEXPECTED_MESSAGE', `${handshakeTypeName(m.type)} before ServerHello`);
    }
    if (f.serverHelloDone) throw new TlsWireError('UNEXPECTED_MESSAGE', `${handshakeTypeName(m.type)} after ServerHelloDone`);
    f.messageTypes.push(m.type);
    switch (m.type) {
      case HandshakeType.hello_request:
        if (m.body.length !== 0) throw new TlsWireError('BAD_LENGTH', 'HelloRequest with a body');
        return;
      case HandshakeType.server_hello:
        if (f.serverHello) throw new TlsWireError('UNEXPECTED_MESSAGE', 'a second ServerHello');
        f.serverHello = parseServerHello(m.body);
        return;
      case HandshakeType.certificate:
        f.certificates = parseCertificate(m.body);
        return;
      case HandshakeType.server_key_exchange:
        f.serverKeyExchange = parseServerKeyExchange(m.body, f.serverHello!.cipherSuite);
        return;
      case HandshakeType.certificate_status:
        f.ocspResponse = parseCertificateStatus(m.body).response;
        return;
      case HandshakeType.certificate_request:
        f.certificateRequested = true;
        return;
      case HandshakeType.server_hello_done:
        parseServerHelloDone(m.body);
        f.serverHelloDone = true;
        return;
      case HandshakeType.new_session_ticket:
        f.newSessionTicket = true;
        return;
      case HandshakeType.finished:
        return;
      default:
        throw new TlsWireError('UNEXPECTED_MESSAGE', `${handshakeTypeName(m.type)} from a server`);
    }
  }
}

/** The answer to a hello is complete once nothing more in the clear can follow. */
export function flightDecided(f: ServerFlight): boolean {
  if (f.alerts.some((a) => a.level === 2)) return true;
  if (f.sslv2 || f.sslv2Error !== undefined) return true;
  if (f.serverHelloDone || f.encrypted) return true;
  const sh = f.serverHello;
  if (sh && (sh.helloRetryRequest || sh.version >= 0x0304)) return true;
  return false;
}

/**
 * Parses a complete reply at once (as captured, or in tests): the flight, or TlsWireError —
 * TRUNCATED when the bytes end inside a record or a handshake message.
 */
export function parseFlight(bytes: Buffer, opts: RecordReaderOptions = {}): ServerFlight {
  const reader = new RecordReader(opts);
  const assembler = new FlightAssembler();
  assembler.add(reader.push(bytes));
  if (reader.pending > 0)
    throw new TlsWireError('TRUNCATED', `the reply ends inside a record or message (${reader.pending} bytes pending)`);
  return assembler.flight;
}
