// One HTTP(S) request whose answer is read, not just timed: method, status, headers and a body
// capped in size, under one deadline that covers connect, headers and every body byte (a peer
// that drips bytes forever is cut off like one that stays silent). The integration checks read
// discovery documents, key sets, metadata XML and S3 error bodies through it. Connections come
// from route-connect.ts, so the path (direct or proxy) and the failure phase are known exactly.

import { performance } from 'node:perf_hooks';
import type { ConnectionOptions } from 'node:tls';
import { PathError, toPathError } from './classify.js';
import { keepErrors, type Dialed } from './dial.js';
import { isIpLiteral } from './host.js';
import { proxyResponseError } from './proxy.js';
import type { OpenTarget, Opened } from './route-connect.js';
import { round } from '../util/number.js';
import { loadAgent } from './undici-agent.js';
import { readBodyCapped } from './read-body.js';

export interface HttpFetchOptions {
  url: string;
  method?: 'GET' | 'HEAD' | 'OPTIONS';
  headers?: Record<string, string>;
  open(target: OpenTarget): Promise<Opened>;
  /** Plain-HTTP requests go to a proxy in absolute form, with this Proxy-Authorization. */
  proxyForPlainHttp?: { authorization?: string };
  tls?: Pick<ConnectionOptions, 'secureContext' | 'servername' | 'rejectUnauthorized'>;
  /** The whole exchange: connect, TLS, headers and body. */
  timeoutMs: number;
  /** Body bytes kept; one byte more makes the answer `truncated`, and nothing after it is read. */
  maxBodyBytes: number;
  signal: AbortSignal;
}

export interface HttpFetchResult {
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body went on past maxBodyBytes (or never ended): `body` holds the first maxBodyBytes. */
  truncated: boolean;
  address?: string;
  path?: 'direct' | 'proxy';
  timings: { connectMs?: number; tlsMs?: number; ttfbMs: number; totalMs: number };
  tls?: Dialed['tls'];
}

/** Plain text on http(s) only; anything else is refused before a connection is opened. */
export async function httpFetch(opts: HttpFetchOptions): Promise<HttpFetchResult> {
  const Agent = await loadAgent();
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    // URLs come from other servers' documents (discovery, metadata, Location): not our defect.
    throw new PathError('http-error', 'application', `not a URL: ${opts.url.slice(0, 200)}`, 'BAD_URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new PathError('http-error', 'application', `unsupported URL scheme ${url.protocol}`, 'BAD_SCHEME');
  const secure = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const t0 = performance.now();
  const deadline = new AbortController();
  const timer = setTimeout(
    () =>
      deadline.abort(
        new PathError('timeout', 'application', `no complete answer from ${url.host} within ${opts.timeoutMs} ms`, 'HTTP_DEADLINE'),
      ),
    opts.timeoutMs,
  );
  const signal = AbortSignal.any([opts.signal, deadline.signal]);
  let dialed: Opened | undefined;
  let dialError: unknown;
  const agent = new Agent({
    connections: 1,
    pipelining: 0,
    connect: (o, cb) => {
      opts
        .open({
          host,
          port: Number(o.port) || (secure ? 443 : 80),
          ...(secure ? { tls: tlsOptions(opts.tls, host) } : {}),
          ...(!secure && opts.proxyForPlainHttp ? { absoluteForm: true } : {}),
        })
        .then(
          (d) => {
            // A connection that completes after the deadline has nobody left to use it.
            if (signal.aborted) {
              d.socket.destroy();
              cb(new Error('aborted'), null);
              return;
            }
            dialed = d;
            cb(null, d.socket);
          },
          (err: unknown) => {
            dialError = err;
            cb(err as Error, null);
          },
        );
    },
  });
  try {
    const absolute = !secure && opts.proxyForPlainHttp;
    const res = await agent.request({
      origin: url.origin,
      method: opts.method ?? 'GET',
      path: absolute ? url.toString() : `${url.pathname}${url.search}`,
      headers: {
        'user-agent': 'siteready',
        accept: '*/*',
        ...(absolute && opts.proxyForPlainHttp?.authorization ? { 'proxy-authorization': opts.proxyForPlainHttp.authorization } : {}),
        ...opts.headers,
      },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      signal,
    });
    const ttfbMs = round(performance.now() - t0);
    keepErrors(res.body);
    if (absolute && dialed?.proxy && isProxyOwnAnswer(res.statusCode, res.headers)) {
      res.body.destroy();
      throw proxyResponseError(
        dialed.proxy,
        { status: res.statusCode, reason: '', ...(first(res.headers.server) ? { server: first(res.headers.server)! } : {}) },
        Boolean(opts.proxyForPlainHttp?.authorization),
      );
    }
    const { body, truncated } = await readBodyCapped(res.body, opts.maxBodyBytes);
    res.body.destroy();
    return {
      url: url.toString(),
      status: res.statusCode,
      headers: res.headers,
      body,
      truncated,
      ...(dialed ? { address: dialed.address, path: dialed.path } : {}),
      timings: {
        ...(dialed?.timings.connectMs !== undefined ? { connectMs: dialed.timings.connectMs } : {}),
        ...(dialed?.timings.tlsMs !== undefined ? { tlsMs: dialed.timings.tlsMs } : {}),
        ttfbMs,
        totalMs: round(performance.now() - t0),
      },
      ...(dialed?.tls ? { tls: dialed.tls } : {}),
    };
  } catch (err) {
    if (opts.signal.aborted) throw opts.signal.reason;
    if (deadline.signal.aborted && !dialError) throw deadline.signal.reason;
    throw dialError ? toPathError(dialError, 'connect') : toPathError(err, 'application');
  } finally {
    clearTimeout(timer);
    await agent.destroy().catch(() => undefined);
  }
}

export function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** An answer a proxy made itself (407, or an error page of its own), not the origin's. */
function isProxyOwnAnswer(status: number, h: Record<string, string | string[] | undefined>): boolean {
  if (status === 407 || h['x-squid-error']) return true;
  return status >= 400 && !h.via && /squid|tinyproxy|proxy|bluecoat|zscaler/i.test(first(h.server) ?? '');
}

function tlsOptions(given: HttpFetchOptions['tls'], host: string): ConnectionOptions {
  const servername = given?.servername ?? (isIpLiteral(host) ? undefined : host);
  return { ALPNProtocols: ['http/1.1'], ...given, ...(servername ? { servername } : {}) };
}
