// One vocabulary for how a path failed, shared by every check that opens a connection.

import type { Classification } from '../plugin-api.js';

/** `proxy`: at the proxy hop (reaching it, or its answer to CONNECT). */
export type Phase = 'dns' | 'connect' | 'proxy' | 'tls' | 'application';

export type TlsFailureKind =
  | 'expired'
  | 'not-yet-valid'
  | 'self-signed'
  | 'untrusted-issuer'
  | 'hostname-mismatch'
  | 'revoked'
  | 'protocol-mismatch'
  | 'not-tls'
  | 'handshake-timeout'
  | 'handshake-failure'
  | 'reset-during-handshake'
  | 'closed-during-handshake'
  | 'other';

const TLS_KINDS: Record<string, TlsFailureKind> = {
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not-yet-valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'untrusted-issuer',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrusted-issuer',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'untrusted-issuer',
  UNABLE_TO_GET_ISSUER_CERT: 'untrusted-issuer',
  CERT_UNTRUSTED: 'untrusted-issuer',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname-mismatch',
  CERT_REVOKED: 'revoked',
  // OpenSSL's "wrong version number": the answer was not a TLS record at all (plain text on a TLS port).
  ERR_SSL_WRONG_VERSION_NUMBER: 'not-tls',
  TLS_TIMEOUT: 'handshake-timeout',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'protocol-mismatch',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'protocol-mismatch',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'protocol-mismatch',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'handshake-failure',
  ERR_SSL_NO_SHARED_CIPHER: 'handshake-failure',
  ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR: 'handshake-failure',
  ECONNRESET: 'reset-during-handshake',
  EPIPE: 'reset-during-handshake',
};

export function tlsFailureKind(code: string | undefined, message = ''): TlsFailureKind {
  if (code && TLS_KINDS[code]) return TLS_KINDS[code];
  if (/socket disconnected before secure TLS connection/i.test(message)) return 'closed-during-handshake';
  if (code?.startsWith('ERR_SSL_')) return 'handshake-failure';
  return 'other';
}

/** Error codes seen while opening a connection (before any TLS), and what they mean for the path. */
export function connectFailure(code: string | undefined): Classification {
  switch (code) {
    // A peer that accepts and resets at once can beat the connect callback: the handshake then
    // reports the reset (ECONNRESET). It is a refusal by RST, not a missing route.
    case 'ECONNREFUSED':
    case 'ECONNRESET':
      return 'refused';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
    case 'ENETDOWN':
      return 'unreachable';
    // A local firewall that drops (EPERM) or an ICMP admin-prohibited reply: policy, not absence.
    case 'EPERM':
    case 'EACCES':
    case 'ETIMEDOUT':
    case 'CONNECT_TIMEOUT':
      return 'filtered';
    default:
      return 'unreachable';
  }
}

export class PathError extends Error {
  constructor(
    readonly classification: Classification,
    readonly phase: Phase,
    message: string,
    readonly code?: string,
    readonly tlsKind?: TlsFailureKind,
    /** What the failing hop said about itself (a proxy's identity and answer). */
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'PathError';
  }
}

/** Which protocol a peer broke. */
export type BrokenProtocol = 'http' | 'websocket' | 'proxy' | 'tls' | 'stun' | 'probe' | 'ldap' | 'smb';

/**
 * A peer that broke its protocol: an answer that does not parse, a frame no client may accept,
 * a body cut short or longer than any answer should be. Known the moment it arrives, so it is
 * never reported as a timeout, and it is not a path failure: the path carried the bytes. The
 * plugin API's classifications have no word for it yet, so it is classified as the application
 * layer failing ('http-error') and `kind` says what happened.
 */
export class ProtocolError extends PathError {
  readonly kind = 'protocol-error';
  constructor(
    readonly protocol: BrokenProtocol,
    message: string,
    code: string,
    detail?: Record<string, unknown>,
  ) {
    super('http-error', 'application', message, code, undefined, detail);
    this.name = 'ProtocolError';
  }
}

/**
 * Error codes that mean the peer's bytes broke the protocol: llhttp's parse errors (HPE_*), undici's
 * checks on a response (a head too large, a body longer or shorter than its Content-Length), and
 * ws's frame checks (WS_ERR_*: RSV bits, a masked server frame, an absurd length, bad UTF-8).
 */
function brokenProtocol(code: string | undefined): BrokenProtocol | undefined {
  if (!code) return undefined;
  if (code.startsWith('WS_ERR_')) return 'websocket';
  if (code.startsWith('HPE_')) return 'http';
  if (code === 'UND_ERR_HEADERS_OVERFLOW' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE')
    return 'http';
  return undefined;
}

/** The `details` fields a check adds for a failure: its phase, code, TLS kind, and protocol-error kind. */
export function failureDetails(err: PathError): Record<string, unknown> {
  return {
    phase: err.phase,
    ...(err.code ? { code: err.code } : {}),
    ...(err.tlsKind ? { tlsKind: err.tlsKind } : {}),
    ...(err instanceof ProtocolError ? { kind: err.kind, protocol: err.protocol } : {}),
  };
}

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Turns whatever a connection attempt threw into a PathError that says where it failed. */
export function toPathError(err: unknown, phase: Phase): PathError {
  if (err instanceof PathError) return err;
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (phase === 'connect') return new PathError(connectFailure(code), phase, message, code);
  if (phase === 'tls') return new PathError('tls-failure', phase, message, code, tlsFailureKind(code, message));
  const broken = brokenProtocol(code);
  if (broken) return new ProtocolError(broken, message, code!);
  // undici's parser errors carry no code (it looks the number up in the wrong table): the name says it.
  if ((err as Error | undefined)?.name === 'HTTPParserError') return new ProtocolError('http', message, 'HTTP_PARSE_ERROR');
  if (code && TLS_KINDS[code] && code !== 'ECONNRESET' && code !== 'EPIPE') {
    return new PathError('tls-failure', 'tls', message, code, tlsFailureKind(code, message));
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT') {
    return new PathError('timeout', phase, message, code);
  }
  return new PathError('http-error', phase, message, code);
}
