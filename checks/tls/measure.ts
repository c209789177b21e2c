// What the tls check measures, the only part on the network: the raw-hello scan of the
// endpoint's first address, beside it one finished handshake for the certificate and one HTTPS
// request for HSTS. A failure of the server under test is a fact, not a throw.

import { isIP } from 'node:net';
import type { Endpoint, MeasureContext, Target } from '../../src/plugin-api.js';
import { PathError, connectFailure } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { pathFailureOf } from '../../src/net/path-messages.js';
import { routeFor } from '../../src/net/proxy.js';
import { extraCaPems, lookupOnce } from '../../src/net/shared.js';
import { CertificateUnreadableError, inspectCertificate } from '../../src/tls/certificate.js';
import { scanTls } from '../../src/tls/enumerate.js';
import { fetchHsts } from '../../src/tls/hsts.js';
import type { CertificateFacts, TlsScan } from '../../src/tls/types.js';
import type { TlsFacts } from './facts.js';
import { HTTP_PROTOCOLS, type TlsOptions } from './judge.js';

export async function measureTls(ctx: MeasureContext<TlsOptions>, target: Target): Promise<TlsFacts> {
  const ep: Endpoint = target.endpoint!;
  const base = { host: ep.host, port: ep.port, connectTimeoutMs: ctx.options.connectTimeoutMs, probeTimeoutMs: ctx.options.probeTimeoutMs };
  // Through a TLS-inspecting proxy the audit would grade the proxy: such endpoints are not audited.
  const route = await routeFor(ctx, ep).catch(() => undefined);
  if (route?.path === 'proxy') return { ...base, path: 'proxy', reason: 'proxy-only' };
  let address: string;
  try {
    address = (await lookupOnce(ctx, ep.host)).addresses[0]!.address;
  } catch (err) {
    if (err instanceof DnsLookupError) return { ...base, path: 'direct', classification: 'dns-failure', failure: pathFailureOf(err) };
    throw err;
  }
  const tlsConf = (ep.extra.tls ?? {}) as { serverName?: string };
  const serverName = tlsConf.serverName ?? (isIP(ep.host) ? undefined : ep.host);
  const auditTarget = { host: ep.host, port: ep.port, address, ...(serverName ? { serverName } : {}) };
  const ca = await extraCaPems(ctx, ep);
  // The scan, the finished handshake and the HTTPS request share the deadline; the last two
  // are single connections and run beside the scan's probes.
  const budget = Math.max(500, ctx.remainingMs() - Math.min(2000, ctx.remainingMs() * 0.1));
  // When the scan finds nothing to grade (no answer, not TLS), the other two legs are stopped:
  // their result would be thrown away, and a silent peer would hold the task for their budget.
  const legs = new AbortController();
  const signal = AbortSignal.any([ctx.signal, legs.signal]);
  const scanned = scanTls(auditTarget, {
    signal: ctx.signal,
    timeoutMs: ctx.options.probeTimeoutMs,
    connectTimeoutMs: ctx.options.connectTimeoutMs,
    concurrency: ctx.options.concurrency,
  }).then((s) => {
    if (!s.accepted.length) legs.abort(new Error('the scan found nothing to grade'));
    return s;
  });
  const [scan, certificate, hsts] = await Promise.all([
    scanned,
    inspectCertificate(auditTarget, {
      signal,
      timeoutMs: Math.min(budget, 15_000),
      connectTimeoutMs: ctx.options.connectTimeoutMs,
      ca,
    }).catch((err: unknown) => err),
    ctx.options.hsts && HTTP_PROTOCOLS.has(ep.protocol)
      ? fetchHsts(auditTarget, { signal, timeoutMs: Math.min(budget, 10_000), connectTimeoutMs: ctx.options.connectTimeoutMs, ca }).catch(
          () => undefined,
        )
      : Promise.resolve(undefined),
  ]);
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const probed = { address, ...(serverName ? { serverName } : {}), probes: scan.probes, durationMs: scan.durationMs, errors: scan.errors };
  if (!scan.accepted.length) {
    const err = noHandshakeError(scan);
    return {
      ...base,
      path: 'direct',
      classification: err.classification,
      failure: pathFailureOf(err),
      ...probed,
      // Bytes came back that no TLS server sends: the peer broke the protocol (not a path failure).
      ...(WIRE_ERRORS.has(err.code ?? '') ? { kind: 'protocol-error' as const } : {}),
    };
  }
  const certificateError = certificate instanceof Error ? certificateErrorOf(certificate) : undefined;
  return {
    ...base,
    path: 'direct',
    // The raw hellos were answered, yet no client can finish a handshake (or read what it carried).
    classification: certificateError ? 'tls-failure' : 'ok',
    ...probed,
    versions: scan.versions,
    accepted: scan.accepted,
    preference: scan.preference,
    groups: scan.groups,
    ...(scan.dhMinBits !== undefined ? { dhMinBits: scan.dhMinBits } : {}),
    facts: scan.facts,
    ...(scan.tlcp ? { tlcp: scan.tlcp } : {}),
    ...(certificateError ? { certificateError } : certificate ? { certificate: certificate as CertificateFacts } : {}),
    ...(hsts ? { hsts } : {}),
    ...(scan.timings ? { timings: scan.timings } : {}),
  };
}

/** Codes of replies that are not TLS, or TLS that breaks its own lengths and rules (TlsWireError, probe.ts). */
const WIRE_ERRORS = new Set(['TRUNCATED', 'BAD_LENGTH', 'NOT_TLS', 'UNEXPECTED_MESSAGE', 'BAD_VALUE', 'PARSE_ERROR']);

/** Why no hello got an answer, from the preflight probe: the path, silence, or something that is not TLS. */
function noHandshakeError(scan: TlsScan): PathError {
  const pre = scan.errors.find((e) => e.what === 'preflight') ?? scan.errors[0];
  const code = pre?.code ?? 'NO_COMMON_SUITE';
  const message = pre?.message ?? 'the server accepted none of the versions and suites offered';
  if (['ECONNREFUSED', 'CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNCLOSED'].includes(code))
    return new PathError(connectFailure(code), 'connect', message, code);
  if (code === 'TIMEOUT')
    return new PathError('tls-failure', 'tls', `no answer to a ClientHello: ${message}`, 'TLS_TIMEOUT', 'handshake-timeout');
  if (code === 'ECONNRESET' || code === 'RESET') return new PathError('tls-failure', 'tls', message, code, 'reset-during-handshake');
  if (code === 'CLOSED') return new PathError('tls-failure', 'tls', message, code, 'closed-during-handshake');
  if (code === 'NO_COMMON_SUITE' || /ALERT/i.test(code)) return new PathError('tls-failure', 'tls', message, code, 'handshake-failure');
  return new PathError('tls-failure', 'tls', message, code, 'not-tls');
}

function certificateErrorOf(err: Error): NonNullable<TlsScan['certificateError']> {
  return {
    stage: err instanceof CertificateUnreadableError ? 'certificate' : 'handshake',
    code: (err instanceof PathError && err.code) || 'TLS_FAILED',
    message: err.message,
  };
}
