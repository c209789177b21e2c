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
    case 'ECONNREFUSED':
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
  if (code && TLS_KINDS[code] && code !== 'ECONNRESET' && code !== 'EPIPE') {
    return new PathError('tls-failure', 'tls', message, code, tlsFailureKind(code, message));
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT') {
    return new PathError('timeout', phase, message, code);
  }
  return new PathError('http-error', phase, message, code);
}
