// What the integration checks (directory, sso, api, storage, org-sync) share on the network: the
// connect budget, TLS options for an endpoint, the resolved addresses they publish for residency
// rules, and HTTP requests along the endpoint's route that follow redirects as a client would.

import type { MeasureContext, Endpoint } from '../plugin-api.js';
import { PathError, ProtocolError } from '../net/classify.js';
import { DnsLookupError } from '../net/dns.js';
import { isIpLiteral } from '../net/host.js';
import { first, httpFetch, type HttpFetchOptions, type HttpFetchResult } from '../net/http-fetch.js';
import { basicAuth, type Route } from '../net/proxy.js';
import { connectBudgetMs as connectBudget, type EndpointTls } from '../net/reach.js';
import { opener } from '../net/route-connect.js';
import { lookupOnce, probeBudgetMs, trustFor } from '../net/shared.js';
import { peerText } from './peer-text.js';

export { peerText };

/** The check's connect deadline, shortened to what is left of the task. */
export function connectBudgetMs(ctx: MeasureContext<{ connectTimeoutMs: number }>): number {
  return connectBudget(ctx, ctx.options.connectTimeoutMs);
}

/**
 * The trust store and SNI name for a connection to `host` (security.trust.caFile, tls.ca,
 * tls.serverName): always a server name for a host name, which a secondary URL (a token
 * endpoint, a redirect target) on another host needs as much as the endpoint does.
 */
export async function endpointTls(ctx: MeasureContext<unknown>, ep: Endpoint, host = ep.host): Promise<EndpointTls> {
  const ca = await trustFor(ctx, ep);
  const configured = (ep.extra.tls as { serverName?: string } | undefined)?.serverName;
  const servername = host === ep.host ? (configured ?? (isIpLiteral(host) ? undefined : host)) : isIpLiteral(host) ? undefined : host;
  return { ...(ca ? { secureContext: ca } : {}), ...(servername ? { servername } : {}) };
}

/**
 * The addresses the host resolves to, published as `facts.addresses` so that residency rules
 * (declared on-premises / in-country CIDRs) can test them. Resolved even when the endpoint goes
 * through a proxy: where the data lives does not depend on who resolves the name.
 */
export async function residency(ctx: MeasureContext<unknown>, host: string): Promise<{ addresses: string[]; dnsFailure?: string }> {
  try {
    return { addresses: (await lookupOnce(ctx, host)).addresses.map((a) => a.address) };
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (err instanceof DnsLookupError) return { addresses: [], dnsFailure: err.kind };
    throw err;
  }
}

/** Redirect statuses whose Location a client follows (RFC 9110 §15.4). */
export const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Hops a browser-like client would take before giving up (Chromium and curl use more; 5 is plenty for a service URL). */
export const MAX_REDIRECTS = 5;

type FetchExtra = Partial<Pick<HttpFetchOptions, 'method' | 'headers' | 'maxBodyBytes' | 'timeoutMs'>> & {
  /** Follow up to this many redirects (default 0: the redirect itself is the answer). */
  redirects?: number;
  /** URLs already requested before this one (a chain the caller began): coming back to one is a loop. */
  seen?: string[];
};

export interface FetchedAlong extends HttpFetchResult {
  /** Every URL requested, the first one included, when redirects were followed. */
  chain: string[];
}

/** One request along the endpoint's route with the site's trust store; the deadline is what is left of the task. */
export async function fetchAlong(
  ctx: MeasureContext<{ connectTimeoutMs: number }>,
  ep: Endpoint,
  route: Route,
  url: string,
  extra: FetchExtra = {},
): Promise<FetchedAlong> {
  // Compared as the redirect targets are (absolute, no fragment), so A → A is a loop at the first hop.
  const chain = [absolute(url) ?? url];
  for (;;) {
    // Each hop has its own deadline (what is left of the task), so a chain cannot outlive the task.
    const res = await fetchOnce(ctx, ep, route, chain.at(-1)!, extra);
    const next = redirectTarget(res);
    if (!next || !extra.redirects) return { ...res, chain };
    if (typeof next !== 'string') throw next;
    const before = [...(extra.seen ?? []), ...chain];
    if (before.includes(next)) {
      const loop = [...before.slice(before.indexOf(next)), next].map((u) => peerText(u, 200));
      throw new PathError('http-error', 'application', `redirect loop: ${loop.join(' → ')}`, 'HTTP_REDIRECT_LOOP', undefined, {
        chain: loop,
      });
    }
    if (chain.length > extra.redirects)
      throw new PathError('http-error', 'application', `more than ${extra.redirects} redirects`, 'HTTP_TOO_MANY_REDIRECTS', undefined, {
        chain: chain.map((u) => peerText(u, 200)),
        limit: extra.redirects,
      });
    chain.push(next);
  }
}

/** Where a redirect points (absolute, fragment dropped); a PathError when it points nowhere a client can go; undefined for other answers. */
export function redirectTarget(res: HttpFetchResult): string | PathError | undefined {
  const location = first(res.headers.location);
  if (!REDIRECT_STATUSES.has(res.status) || location === undefined) return undefined;
  const next = absolute(location, res.url);
  if (!next || !/^https?:/.test(next)) {
    return new PathError(
      'http-error',
      'application',
      `HTTP ${res.status} to ${peerText(location, 200)}, which is not an http(s) URL`,
      'HTTP_BAD_REDIRECT',
      undefined,
      { status: res.status, location: peerText(location, 200) },
    );
  }
  return next;
}

/** `url` (relative to `base`) made absolute, without its fragment; undefined when it is no URL. */
function absolute(url: string, base?: string): string | undefined {
  try {
    const u = new URL(url, base);
    u.hash = '';
    return u.toString();
  } catch {
    return undefined;
  }
}

async function fetchOnce(
  ctx: MeasureContext<{ connectTimeoutMs: number }>,
  ep: Endpoint,
  route: Route,
  url: string,
  extra: FetchExtra,
): Promise<HttpFetchResult> {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    throw new PathError('http-error', 'application', `not a URL: ${peerText(url, 200)}`, 'BAD_URL');
  }
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

/** An answer whose body did not end within `limit` bytes: cut there, and a protocol error rather than something to judge. */
export function bodyTooLarge(res: HttpFetchResult, limit: number): ProtocolError {
  return new ProtocolError(
    'http',
    `the answer from ${peerText(res.url, 200)} (HTTP ${res.status}) did not end within ${limit} bytes`,
    'HTTP_BODY_TOO_LARGE',
    { status: res.status, limit },
  );
}

const REDIRECT_FAILURES = new Set(['HTTP_REDIRECT_LOOP', 'HTTP_TOO_MANY_REDIRECTS', 'HTTP_BAD_REDIRECT']);

/** A redirect chain that leads nowhere: a loop, too many hops, a Location that is not http(s). */
export function isRedirectFailure(err: unknown): err is PathError {
  return err instanceof PathError && REDIRECT_FAILURES.has(err.code ?? '');
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
export async function probeUrl(
  ctx: MeasureContext<{ connectTimeoutMs: number }>,
  ep: Endpoint,
  route: Route,
  url: string,
  timeoutMs: number,
): Promise<UrlProbe> {
  try {
    const res = await fetchAlong(ctx, ep, route, url, { maxBodyBytes: 4096, timeoutMs });
    // Reachability only: a login page may be large or redirect further; the status is the answer.
    return { url, classification: res.status < 500 ? 'ok' : 'http-error', status: res.status, ttfbMs: res.timings.ttfbMs };
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (err instanceof DnsLookupError) return { url, classification: 'dns-failure', error: peerText(err.message, 300) };
    if (err instanceof PathError)
      return {
        url,
        classification: err.classification,
        error: peerText(err.tlsKind ? `${err.tlsKind}: ${err.message}` : err.message, 300),
      };
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
