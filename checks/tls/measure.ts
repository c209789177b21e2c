// What the tls check measures, the only part on the network: the raw-hello scan of the
// endpoint's first address, beside it one finished handshake for the certificate and one HTTPS
// request for HSTS. An endpoint the site reaches through its proxy is audited the same way, every
// connection a CONNECT tunnel of its own through that proxy (a few at once). A failure of the
// server under test is a fact, not a throw; a proxy that lets no tunnel through leaves the
// endpoint not audited, which is a fact too.

import { isIP } from 'node:net';
import { defineArtifact, type Endpoint, type MeasureContext, type Target } from '../../src/plugin-api.js';
import { PathError, connectFailure } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { pathFailureOf } from '../../src/net/path-messages.js';
import { routeFor, serverLabel, type Route } from '../../src/net/proxy.js';
import { extraCaPems, lookupOnce } from '../../src/net/shared.js';
import { CertificateUnreadableError, inspectCertificate } from '../../src/tls/certificate.js';
import { tunnelConnector, type TunnelConnector } from '../../src/tls/connector.js';
import { scanTls } from '../../src/tls/enumerate.js';
import { fetchHsts } from '../../src/tls/hsts.js';
import type { CertificateFacts, TlsScan } from '../../src/tls/types.js';
import type { NotAuditedReason, TlsFacts } from './facts.js';
import { HTTP_PROTOCOLS, type TlsOptions } from './judge.js';

/**
 * One audit of one server: the scan, the finished handshake and the HSTS answer of an address and
 * port, for one server name, along one route. Every endpoint on that server gets the same answers,
 * so the run audits it once and each endpoint's result is the shared audit's facts plus its own.
 */
interface AuditInput {
  /** The context of the task that asks first: the audit runs under its deadline. */
  ctx: MeasureContext<TlsOptions>;
  ep: Endpoint;
  route: Route;
  address: string;
  serverName?: string;
  ca: string[];
  /** Whether to ask for HSTS (https and wss endpoints): part of the key, as it changes what is sent. */
  hsts: boolean;
  /** The server: route, address:port and server name, as the facts name it. */
  server: string;
}

interface Audit {
  /** The endpoint whose task ran the audit; the others' results say they share it. */
  owner: string;
  facts: Omit<TlsFacts, 'host' | 'auditKey' | 'sameServerAs'>;
}

const tlsAudit = defineArtifact<AuditInput, Audit>({
  id: 'tls-audit',
  key: ({ ctx: { options: o }, server, ca, hsts }) =>
    [server, ca.join(','), hsts, o.connectTimeoutMs, o.probeTimeoutMs, o.concurrency, o.proxyConcurrency].join('|'),
  compute: async (_actx, input) => ({ owner: input.ep.name, facts: await audit(input) }),
});

export async function measureTls(ctx: MeasureContext<TlsOptions>, target: Target): Promise<TlsFacts> {
  const ep: Endpoint = target.endpoint!;
  const base = { host: ep.host, port: ep.port, connectTimeoutMs: ctx.options.connectTimeoutMs, probeTimeoutMs: ctx.options.probeTimeoutMs };
  let route: Route;
  try {
    route = await routeFor(ctx, ep);
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    // `via: proxy` without a usable proxy (none configured, the PAC file failed): no path to audit over.
    if (err instanceof PathError)
      return { ...base, path: 'proxy', notAudited: 'no-route', classification: err.classification, failure: pathFailureOf(err) };
    throw err;
  }
  let address: string;
  if (route.path === 'proxy') {
    // The proxy resolves the name; the audit asks it for host:port, so `address` is the host.
    address = ep.host;
  } else {
    try {
      address = (await lookupOnce(ctx, ep.host)).addresses[0]!.address;
    } catch (err) {
      if (err instanceof DnsLookupError) return { ...base, path: 'direct', classification: 'dns-failure', failure: pathFailureOf(err) };
      throw err;
    }
  }
  const tlsConf = (ep.extra.tls ?? {}) as { serverName?: string };
  const serverName = tlsConf.serverName ?? (isIP(ep.host) ? undefined : ep.host);
  const server = serverLabel(route, address, ep.port, serverName);
  const ca = await extraCaPems(ctx, ep);
  const hsts = ctx.options.hsts && HTTP_PROTOCOLS.has(ep.protocol);
  const shared = await ctx.use(tlsAudit, { ctx, ep, route, address, ...(serverName ? { serverName } : {}), ca, hsts, server });
  return {
    ...shared.facts,
    host: ep.host,
    auditKey: server,
    ...(shared.owner !== ep.name ? { sameServerAs: shared.owner } : {}),
  };
}

async function audit({ ctx, ep, route, address, serverName, ca, hsts: wantHsts }: AuditInput): Promise<Audit['facts']> {
  const base = { port: ep.port, connectTimeoutMs: ctx.options.connectTimeoutMs, probeTimeoutMs: ctx.options.probeTimeoutMs };
  let tunnel: TunnelConnector | undefined;
  let via: Pick<TlsFacts, 'path' | 'proxy' | 'proxySource'> = { path: 'direct' };
  if (route.path === 'proxy') {
    tunnel = tunnelConnector(ctx, route.proxy, { host: ep.host, port: ep.port }, ctx.options.proxyConcurrency);
    via = { path: 'proxy', proxy: route.proxy.label, proxySource: route.proxy.source };
  }
  const auditTarget = {
    host: ep.host,
    port: ep.port,
    address,
    ...(serverName ? { serverName } : {}),
    ...(tunnel ? { connect: tunnel.connect } : {}),
  };
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
    // Through a proxy, no more hellos in flight than tunnels may be open.
    concurrency: tunnel ? Math.min(ctx.options.concurrency, ctx.options.proxyConcurrency) : ctx.options.concurrency,
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
    wantHsts
      ? fetchHsts(auditTarget, { signal, timeoutMs: Math.min(budget, 10_000), connectTimeoutMs: ctx.options.connectTimeoutMs, ca }).catch(
          () => undefined,
        )
      : Promise.resolve(undefined),
  ]);
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const tunnels = tunnel ? { tunnels: { ...tunnel.counts(), max: ctx.options.proxyConcurrency } } : {};
  const probed = { address, ...(serverName ? { serverName } : {}), probes: scan.probes, durationMs: scan.durationMs, errors: scan.errors };
  if (!scan.accepted.length) {
    const refused = tunnel?.firstFailure();
    // No tunnel got through: the proxy refused or failed every CONNECT, so nothing was audited.
    if (tunnel && refused && tunnel.counts().opened === 0) {
      const reason = notAuditedReason(refused);
      return {
        ...base,
        ...via,
        ...(reason ? { notAudited: reason } : {}),
        classification: refused.classification,
        failure: pathFailureOf(refused),
        ...probed,
        ...tunnels,
      };
    }
    const err = noHandshakeError(scan);
    return {
      ...base,
      ...via,
      classification: err.classification,
      failure: pathFailureOf(err),
      ...probed,
      ...tunnels,
      // Bytes came back that no TLS server sends: the peer broke the protocol (not a path failure).
      ...(WIRE_ERRORS.has(err.code ?? '') ? { kind: 'protocol-error' as const } : {}),
    };
  }
  const certificateError = certificate instanceof Error ? certificateErrorOf(certificate) : undefined;
  const cert = certificateError ? undefined : (certificate as CertificateFacts | undefined);
  return {
    ...base,
    ...via,
    ...tunnels,
    // Through the proxy, a chain that ends at no public root may be the proxy's own (re-signing):
    // then what was graded is the proxy's TLS, not the server's.
    ...(tunnel && cert && cert.publicRoot === false ? { answeredBy: 'proxy-suspected' as const } : {}),
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
    ...(certificateError ? { certificateError } : cert ? { certificate: cert } : {}),
    ...(hsts ? { hsts } : {}),
    ...(scan.timings ? { timings: scan.timings } : {}),
  };
}

/**
 * Why a proxy that let no tunnel through leaves the endpoint not audited; undefined when it is the
 * server that cannot be reached behind the proxy (the proxy's upstream connection failed), which
 * is a finding about the endpoint as on the direct path.
 */
function notAuditedReason(err: PathError): NotAuditedReason | undefined {
  if (err.classification === 'proxy-auth-required') return 'proxy-auth';
  if (err.classification === 'proxy-denied') return 'connect-refused';
  const hop = err.detail?.hop;
  if (hop === 'proxy' || err.code === 'PROXY_TIMEOUT') return 'proxy-unreachable';
  return undefined;
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
