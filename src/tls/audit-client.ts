// The TLS client settings of the audit's own handshakes (certificate, HSTS): willing to talk to
// anything down to TLS 1.0 with any suite, never refusing a certificate (trust is judged from
// `authorized`/`authorizationError`, the host name separately), and trusting Node's roots plus
// the site's extra CAs.

import type { ConnectionOptions, SecureContext } from 'node:tls';
import { nodeTls } from '../util/node-builtins.js';
import type { StreamConnector } from './connector.js';

/**
 * OpenSSL speaks TLS 1.0/1.1 and the old suites only at security level 0. Anonymous suites are
 * left out: a server that picked one would send no certificate, and the scanner finds them anyway.
 * TLS 1.3 suites are set separately in OpenSSL; the CCM ones are not offered by default, so they
 * are named.
 */
export const AUDIT_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_128_CCM_SHA256',
  'TLS_AES_128_CCM_8_SHA256',
  'ALL:!aNULL:@SECLEVEL=0',
].join(':');

export interface AuditTarget {
  host: string;
  port: number;
  /** The address to connect to (already resolved). */
  address: string;
  /** SNI to send; absent for IP literals. */
  serverName?: string;
  /** Opens the stream instead of dialling `address` (a CONNECT tunnel through the site's proxy). */
  connect?: StreamConnector;
}

export interface AuditOptions {
  signal?: AbortSignal;
  /** Budget of the whole operation, connect included. */
  timeoutMs: number;
  /**
   * Extra trusted CAs. PEM strings are added to Node's roots in a context that keeps legacy
   * servers reachable. A SecureContext is used as given: it decides the protocol versions and
   * suites too, so a server that speaks only TLS 1.0/1.1 may then fail the handshake.
   */
  ca?: SecureContext | string[];
  /** Time allowed for the TCP handshake (default: the whole budget). */
  connectTimeoutMs?: number;
}

const contexts = new Map<string, SecureContext>();
const MAX_CONTEXTS = 8;

/** A context with ~150 roots costs tens of milliseconds to build, so each bundle is built once. */
function contextWith(extraCas: string[]): SecureContext {
  const key = extraCas.join('\n');
  let context = contexts.get(key);
  if (!context) {
    context = nodeTls().createSecureContext({
      ca: [...nodeTls().rootCertificates, ...extraCas],
      ciphers: AUDIT_CIPHERS,
      minVersion: 'TLSv1',
    });
    if (contexts.size >= MAX_CONTEXTS) contexts.delete(contexts.keys().next().value!);
    contexts.set(key, context);
  }
  return context;
}

export function auditTlsOptions(target: AuditTarget, ca?: SecureContext | string[]): ConnectionOptions {
  const secureContext = Array.isArray(ca) ? (ca.length ? contextWith(ca) : undefined) : ca;
  return {
    ...(target.serverName ? { servername: target.serverName } : {}),
    ...(secureContext ? { secureContext } : { ciphers: AUDIT_CIPHERS, minVersion: 'TLSv1' as const }),
    rejectUnauthorized: false,
    // The host name is checked against the certificate separately, so `authorized` is about the
    // chain alone and a wrong name does not hide why the chain is (un)trusted.
    checkServerIdentity: () => undefined,
  };
}
