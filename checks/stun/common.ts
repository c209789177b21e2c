// What the stun and turn checks share: the server's address and TLS settings while measuring, a
// failed transport as plain facts, and the judging of transports that failed (which one speaks for
// the endpoint, and the finding that names every transport that failed that way).

import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { Classification, Endpoint, Finding, MeasureContext, Message, Severity } from '../../src/plugin-api.js';
import { PathError, type TlsFailureKind } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { pathFailureFinding, pathFailureOf, type PathFailure } from '../../src/net/path-messages.js';
import { lookupOnce, trustFor } from '../../src/net/shared.js';
import { StunClientError, isStunProtocolError, type StunTransport } from '../../src/net/stun-client.js';

/** How one transport failed, in plain data: enough to word the finding again without the error. */
export interface TransportFailureFacts {
  classification: Classification;
  /** Where it failed: connect, tls, application. */
  phase?: string;
  /** The low-level reason: NO_ANSWER, ECONNREFUSED, CONNECT_TIMEOUT, STUN_TIMEOUT, NOT_STUN, ..., a TLS or OS code. */
  code?: string;
  tlsKind?: TlsFailureKind;
  /** `protocol-error`: the server answered and broke STUN. */
  kind?: 'protocol-error';
  /** The failure as the client described it (technical, English). */
  error?: string;
}

export interface TransportFacts extends TransportFailureFacts {
  transport: StunTransport;
}

/** JSON Schema properties of TransportFailureFacts, for both checks' transport schemas. */
export const transportFailureProperties = {
  transport: { enum: ['udp', 'tcp', 'tls'] },
  classification: { type: 'string' },
  phase: { type: 'string' },
  code: { type: 'string' },
  tlsKind: { type: 'string' },
  kind: { const: 'protocol-error' },
  error: { type: 'string' },
} as const;

/** The server's address: the first IPv4 address of the host, else the first; a DnsLookupError as a failure. */
export async function serverAddress(
  ctx: MeasureContext<unknown>,
  host: string,
): Promise<{ address: string } | { dnsFailure: PathFailure }> {
  try {
    const answer = await lookupOnce(ctx, host);
    return { address: (answer.addresses.find((a) => a.family === 4) ?? answer.addresses[0])!.address };
  } catch (err) {
    if (!(err instanceof DnsLookupError)) throw err;
    return { dnsFailure: pathFailureOf(err) };
  }
}

/** TLS settings for STUN/TURN over TLS: the site's and the endpoint's CAs, and the name to check. */
export async function stunTlsOptions(ctx: MeasureContext<unknown>, ep: Endpoint): Promise<ConnectionOptions> {
  const ca = await trustFor(ctx, ep);
  const tls = ep.extra.tls as { serverName?: string } | undefined;
  const serverName = tls?.serverName ?? (isIP(ep.host) ? undefined : ep.host);
  return { ...(ca ? { secureContext: ca } : {}), ...(serverName ? { servername: serverName } : {}) };
}

/** Whatever a transport threw, as a PathError (an unknown error is a path that did not work). */
export function asPathError(err: unknown): PathError {
  return err instanceof PathError ? err : new StunClientError('unreachable', 'connect', String(err));
}

/** A failed transport's facts. */
export function transportFailure(pe: PathError): TransportFailureFacts {
  return {
    classification: pe.classification,
    phase: pe.phase,
    ...(pe.code ? { code: pe.code } : {}),
    ...(pe.tlsKind ? { tlsKind: pe.tlsKind } : {}),
    ...(isStunProtocolError(pe) ? { kind: 'protocol-error' as const } : {}),
    error: pe.message,
  };
}

/** The PathFailure a failed transport's facts stand for (to word a TLS or DNS failure as every check does). */
export function failureOf(t: TransportFailureFacts): PathFailure {
  return {
    classification: t.classification,
    message: t.error ?? t.classification,
    ...(t.phase ? { phase: t.phase } : {}),
    ...(t.code ? { code: t.code } : {}),
    ...(t.tlsKind ? { tlsKind: t.tlsKind } : {}),
  };
}

/** The transport that speaks for the endpoint: the best by `order` (the first given among equals). */
export function bestTransport<T extends { classification: Classification }>(transports: T[], order: Classification[]): T | undefined {
  const rank = (c: Classification) => (order.includes(c) ? order.indexOf(c) : order.length);
  return [...transports].sort((a, b) => rank(a.classification) - rank(b.classification))[0];
}

/** "UDP, TCP" */
export function transportList(ts: Array<{ transport: StunTransport }>): string {
  return ts.map((t) => t.transport.toUpperCase()).join(', ');
}

const KNOWN_FAILURES = new Set(['filtered', 'refused', 'unreachable', 'timeout', 'server-error']);

/**
 * The finding for transports that all failed the same way: `<check>.<classification>` in the
 * check's own words (filtered, refused, unreachable, timeout, server-error), or the shared path
 * wording for a TLS failure. `detail` is what the server said (a named STUN error), if anything.
 */
export function transportsFailedFinding(
  checkId: 'stun' | 'turn',
  ep: Endpoint,
  best: TransportFailureFacts,
  failed: Array<TransportFacts & { stage?: string; stun?: { code: number } }>,
  severity: Severity,
  timeoutMs: number,
  detail?: string,
): Finding {
  const c = best.classification;
  if (c === 'tls-failure') return pathFailureFinding(checkId, failureOf(best), ep, severity, timeoutMs);
  const id = KNOWN_FAILURES.has(c) ? c : 'unreachable';
  const params: Record<string, string | number | Message> = {
    endpoint: ep.name,
    host: ep.host,
    port: ep.port,
    transports: transportList(failed),
    timeoutMs,
    code: best.code ?? '-',
    detail: detail ?? best.error ?? c,
  };
  return {
    id: `${checkId}.${id}`,
    severity,
    message: { id: `${checkId}.${id}`, params },
    remediation: { id: `${checkId}.${id}.fix`, params },
    evidence: {
      transports: failed.map((t) => ({
        transport: t.transport,
        classification: t.classification,
        ...(t.stage ? { stage: t.stage } : {}),
        ...(t.code ? { code: t.code } : {}),
        ...(t.stun ? { stunCode: t.stun.code } : {}),
        ...(t.error ? { error: t.error } : {}),
      })),
    },
  };
}

export { round } from '../../src/util/number.js';
