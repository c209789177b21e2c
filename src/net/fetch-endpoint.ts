// One HTTP(S) request to an endpoint the way the built-in checks make it: along the endpoint's
// route (direct, the site's proxy, a PAC file's choice), trusting the site's extra CAs, every hop
// recorded, under one deadline. For plugins that want an answer without wiring routes themselves.

import type { Endpoint, MeasureContext } from '../plugin-api.js';
import { httpProbe, type HttpProbeResult } from './http.js';
import { basicAuth, routeFor } from './proxy.js';
import { opener } from './route-connect.js';
import { lookupOnce, probeBudgetMs, trustFor } from './shared.js';

export interface FetchEndpointOptions {
  /** Default: the endpoint's own URL. */
  url?: string;
  headers?: Record<string, string>;
  connectTimeoutMs?: number;
  /** Default: what is left of the task's budget. */
  timeoutMs?: number;
  maxRedirects?: number;
  maxBodyBytes?: number;
}

/** Rejects with a PathError (or DnsLookupError) saying how the path failed; `pathFailureOf` makes it facts. */
export async function fetchEndpoint(
  ctx: MeasureContext<unknown>,
  endpoint: Endpoint,
  opts: FetchEndpointOptions = {},
): Promise<HttpProbeResult & { path: 'direct' | 'proxy' }> {
  const route = await routeFor(ctx, endpoint);
  // Through a proxy the client never resolves the name itself: the proxy does.
  if (route.path === 'direct') await lookupOnce(ctx, endpoint.host);
  const ca = await trustFor(ctx, endpoint);
  const connectTimeoutMs = Math.min(opts.connectTimeoutMs ?? 3000, Math.max(50, ctx.remainingMs() - 200));
  const result = await httpProbe({
    url: opts.url ?? endpoint.url ?? `https://${endpoint.host}:${endpoint.port}/`,
    open: opener(ctx, route, connectTimeoutMs),
    ...(route.path === 'proxy' ? { proxyForPlainHttp: route.proxy.auth ? { authorization: basicAuth(route.proxy.auth) } : {} } : {}),
    ...(ca ? { tls: { secureContext: ca } } : {}),
    connectTimeoutMs,
    timeoutMs: opts.timeoutMs ?? probeBudgetMs(ctx),
    maxRedirects: opts.maxRedirects ?? 5,
    ...(opts.maxBodyBytes ? { maxBodyBytes: opts.maxBodyBytes } : {}),
    ...(opts.headers ? { headers: opts.headers } : {}),
    signal: ctx.signal,
  });
  return { ...result, path: route.path };
}
