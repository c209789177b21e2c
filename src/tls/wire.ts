// TLS wire primitives shared by the ClientHello builder and the server-flight parser: the one
// error type malformed input becomes, a bounds-checked reader, and the registry numbers
// (content types, handshake types, extensions, alerts) by name.
//
// Everything a server sends is read through ByteReader, so a length that points past the bytes
// there are is a TlsWireError, never a RangeError or a silently short Buffer.

export type TlsWireErrorCode =
  /** The bytes ended before a length said they would. */
  | 'TRUNCATED'
  /** A length field is impossible (too large, inconsistent with its container, not a multiple of its item). */
  | 'BAD_LENGTH'
  /** The reply is not TLS at all (an HTTP answer, a banner, random bytes). */
  | 'NOT_TLS'
  /** A well-formed message where the protocol allows none (a second ServerHello, a ClientHello from a server). */
  | 'UNEXPECTED_MESSAGE'
  /** A field holds a value the protocol forbids. */
  | 'BAD_VALUE';

export class TlsWireError extends Error {
  constructor(
    readonly code: TlsWireErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TlsWireError';
  }
}

/** Reads big-endian fields from one buffer, checking every length against what is left. */
export class ByteReader {
  private pos = 0;

  constructor(
    private readonly buf: Buffer,
    /** Names the structure in error messages: "ServerHello", "Certificate" … */
    private readonly what: string,
  ) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, field: string): void {
    if (n > this.remaining) throw new TlsWireError('TRUNCATED', `${this.what}: ${field} needs ${n} bytes, ${this.remaining} left`);
  }

  u8(field = 'u8'): number {
    this.need(1, field);
    return this.buf[this.pos++]!;
  }

  u16(field = 'u16'): number {
    this.need(2, field);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(field = 'u24'): number {
    this.need(3, field);
    const v = (this.buf[this.pos]! << 16) | (this.buf[this.pos + 1]! << 8) | this.buf[this.pos + 2]!;
    this.pos += 3;
    return v;
  }

  bytes(n: number, field = 'bytes'): Buffer {
    this.need(n, field);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A vector with a one-byte length (opaque x<0..2^8-1>). */
  vec8(field: string, min = 0): Buffer {
    const n = this.u8(`${field} length`);
    if (n < min) throw new TlsWireError('BAD_LENGTH', `${this.what}: ${field} is ${n} bytes, at least ${min} required`);
    return this.bytes(n, field);
  }

  vec16(field: string, min = 0): Buffer {
    const n = this.u16(`${field} length`);
    if (n < min) throw new TlsWireError('BAD_LENGTH', `${this.what}: ${field} is ${n} bytes, at least ${min} required`);
    return this.bytes(n, field);
  }

  vec24(field: string, min = 0): Buffer {
    const n = this.u24(`${field} length`);
    if (n < min) throw new TlsWireError('BAD_LENGTH', `${this.what}: ${field} is ${n} bytes, at least ${min} required`);
    return this.bytes(n, field);
  }

  rest(): Buffer {
    return this.bytes(this.remaining);
  }

  /** Trailing bytes after a structure are a length that lied. */
  end(): void {
    if (this.remaining !== 0) throw new TlsWireError('BAD_LENGTH', `${this.what}: ${this.remaining} unexpected trailing bytes`);
  }
}

export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
  heartbeat: 24,
} as const;

export const HandshakeType = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
  certificate_url: 21,
  certificate_status: 22,
  key_update: 24,
  message_hash: 254,
} as const;

const HANDSHAKE_NAMES = new Map<number, string>(Object.entries(HandshakeType).map(([k, v]) => [v, k]));

export function handshakeTypeName(type: number): string {
  return HANDSHAKE_NAMES.get(type) ?? `handshake_${type}`;
}

export const ExtensionType = {
  server_name: 0,
  status_request: 5,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  heartbeat: 15,
  application_layer_protocol_negotiation: 16,
  signed_certificate_timestamp: 18,
  padding: 21,
  encrypt_then_mac: 22,
  extended_master_secret: 23,
  session_ticket: 35,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  signature_algorithms_cert: 50,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;

/** RFC 8446 §6 and the TLS Alerts registry. */
export const ALERT_NAMES: Readonly<Record<number, string>> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  21: 'decryption_failed',
  22: 'record_overflow',
  30: 'decompression_failure',
  40: 'handshake_failure',
  41: 'no_certificate',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  52: 'too_many_cids_requested',
  60: 'export_restriction',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  100: 'no_renegotiation',
  109: 'missing_extension',
  110: 'unsupported_extension',
  111: 'certificate_unobtainable',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  114: 'bad_certificate_hash_value',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  117: 'general_error',
  120: 'no_application_protocol',
  121: 'ech_required',
};

export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  handshake_failure: 40,
  illegal_parameter: 47,
  decode_error: 50,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  unrecognized_name: 112,
  no_application_protocol: 120,
} as const;

export function alertName(description: number): string {
  return ALERT_NAMES[description] ?? `alert_${description}`;
}

/** Upper bound of a TLSCiphertext fragment (RFC 5246 §6.2.3: 2^14 + 2048). */
export const MAX_RECORD_LENGTH = 16384 + 2048;
/** A plaintext fragment never exceeds 2^14. */
export const MAX_PLAINTEXT_LENGTH = 16384;
