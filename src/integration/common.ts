// What the integration checks (directory, sso, api, storage, org-sync) share: the connect budget,
// TLS options for an endpoint, the resolved addresses they publish for residency rules, and the
// outcome of a path that failed before the protocol could be judged.

import type { SecureContext } from 'node:tls';
import type { CheckContext, CheckOutcome, Endpoint, Severity } from '../plugin-api.js';
import { PathError } from '../net/classify.js';
import { DnsLookupError } from '../net/dns.js';
import { isIpLiteral } from '../net/host.js';
import { httpFetch, type HttpFetchOptions, type HttpFetchResult } from '../net/http-fetch.js';
import { pathDetails, pathFinding } from '../net/path-messages.js';
import { basicAuth, type Route } from '../net/proxy.js';
import { opener } from '../net/route-connect.js';
import { lookupOnce, probeBudgetMs, trustFor } from '../net/shared.js';

export function connectBudgetMs(ctx: CheckContext<{ connectTimeoutMs: number }>): number {
  return Math.min(ctx.options.connectTimeoutMs, Math.max(50, ctx.remainingMs() - 200));
}

export interface EndpointTls {
  secureContext?: SecureContext;
  servername?: string;
}

/** The trust store and SNI name the endpoint asks for (security.trust.caFile, tls.ca, tls.serverName). */
export async function endpointTls(ctx: CheckContext<any>, ep: Endpoint, host = ep.host): Promise<EndpointTls> {
  const ca = await trustFor(ctx, ep);
  const configured = (ep.extra.tls as { serverName?: string } | undefined)?.serverName;
  const servername = host === ep.host ? (configured ?? (isIpLiteral(host) ? undefined : host)) : isIpLiteral(host) ? undefined : host;
  return { ...(ca ? { secureContext: ca } : {}), ...(servername ? { servername } : {}) };
}

/**
 * The addresses the host resolves to, published as `details.addresses` so that residency rules
 * (declared on-premises / in-country CIDRs) can test them. Resolved even when the endpoint goes
 * through a proxy: where the data lives does not depend on who resolves the name.
 */
export async function residency(ctx: CheckContext<any>, host: string): Promise<{ addresses: string[]; dnsFailure?: string }> {
  try {
    return { addresses: (await lookupOnce(ctx, host)).addresses.map((a) => a.address) };
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (err instanceof DnsLookupError) return { addresses: [], dnsFailure: err.kind };
    throw err;
  }
}

/** One request along the endpoint's route with the site's trust store; the deadline is what is left of the task. */
export async function fetchAlong(
  ctx: CheckContext<{ connectTimeoutMs: number }>,
  ep: Endpoint,
  route: Route,
  url: string,
  extra: Partial<Pick<HttpFetchOptions, 'method' | 'headers' | 'maxBodyBytes' | 'timeoutMs'>> = {},
): Promise<HttpFetchResult> {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  const tls = await endpointTls(ctx, ep, host);
  return httpFetch({
    url,
    open: opener(ctx, route, connectBudgetMs(ctx)),
    ...(route.path === 'proxy' ? { proxyForPlainHttp: route.proxy.auth ? { authorization: basicAuth(route.proxy.auth) } : {} } : {}),
    tls,
    timeoutMs: Math.min(extra.timeoutMs ?? Infinity, probeBudgetMs(ctx)),
    maxBodyBytes: extra.maxBodyBytes ?? 64 * 1024,
    signal: ctx.signal,
    ...(extra.method ? { method: extra.method } : {}),
    ...(extra.headers ? { headers: extra.headers } : {}),
  });
}

/** A path that failed (DNS, connect, proxy, TLS, no answer): the shared path finding and the facts. */
export function pathFailure(
  checkId: string,
  ctx: CheckContext<any>,
  err: unknown,
  ep: Endpoint,
  severity: Severity,
  connectTimeoutMs: number,
  route: Route | undefined,
  extra: Record<string, unknown> = {},
): CheckOutcome {
  if (ctx.signal.aborted) throw ctx.signal.reason;
  if (!(err instanceof PathError) && !(err instanceof DnsLookupError)) throw err;
  return {
    status: 'fail',
    score: 0,
    findings: [pathFinding(checkId, err, ep, severity, connectTimeoutMs)],
    details: {
      classification: err instanceof DnsLookupError ? 'dns-failure' : err.classification,
      ...(route ? pathDetails(route) : { path: 'proxy' }),
      ...(err instanceof PathError
        ? { phase: err.phase, ...(err.code ? { code: err.code } : {}), ...(err.tlsKind ? { tlsKind: err.tlsKind } : {}) }
        : { dnsKind: err.kind }),
      ...extra,
    },
  };
}

/** True for a PathError the shared path messages cannot word (an answer that is not the protocol). */
export function isProtocolError(err: unknown): err is PathError {
  return err instanceof PathError && err.classification === 'server-error';
}

export interface UrlProbe {
  url: string;
  /** ok: answered with a status below 500 (a login page, 400 "missing parameters" or 405 all mean reachable). */
  classification: string;
  status?: number;
  ttfbMs?: number;
  error?: string;
}

/** Is a URL the endpoint points at (an OIDC token endpoint, a SAML SSO location) reachable? */
export async function probeUrl(ctx: CheckContext<{ connectTimeoutMs: number }>, ep: Endpoint, route: Route, url: string, timeoutMs: number): Promise<UrlProbe> {
  try {
    const res = await fetchAlong(ctx, ep, route, url, { maxBodyBytes: 4096, timeoutMs });
    return { url, classification: res.status < 500 ? 'ok' : 'http-error', status: res.status, ttfbMs: res.timings.ttfbMs };
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (err instanceof DnsLookupError) return { url, classification: 'dns-failure', error: err.message };
    if (err instanceof PathError) return { url, classification: err.classification, ...(err.tlsKind ? { error: `${err.tlsKind}: ${err.message}` } : { error: err.message }) };
    throw err;
  }
}

/** JSON from a body that may be anything: an object, or undefined. */
export function jsonObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
