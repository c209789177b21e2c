// One HTTP(S) GET with undici over sockets from dial(): status, time to first byte, redirects
// followed by hand (each hop recorded), the TLS facts, and a phase-aware failure.

import { performance } from 'node:perf_hooks';
import type { ConnectionOptions } from 'node:tls';
import { PathError, toPathError } from './classify.js';
import { dialFirst, type DialTimings, type Dialed } from './dial.js';
import { isIpLiteral } from './host.js';

export interface HttpProbeOptions {
  url: string;
  /** Addresses of a host, from the shared DNS artifact. */
  resolve(host: string): Promise<string[]>;
  tls?: Pick<ConnectionOptions, 'ca' | 'secureContext' | 'rejectUnauthorized' | 'servername'>;
  connectTimeoutMs: number;
  timeoutMs: number;
  maxRedirects: number;
  /** Bytes of body to read before stopping (the rest is discarded). */
  maxBodyBytes?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface HttpHop {
  url: string;
  status: number;
  location?: string;
  address?: string;
  timings: DialTimings & { ttfbMs: number };
}

export interface HttpProbeResult {
  finalUrl: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  hops: HttpHop[];
  ttfbMs: number;
  totalMs: number;
  bodyBytes: number;
  tls?: Dialed['tls'];
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function httpProbe(opts: HttpProbeOptions): Promise<HttpProbeResult> {
  // Loaded on first use: `validate`, `plan` and `--help` never pay for undici.
  const { Agent, request } = await import('undici');
  const t0 = performance.now();
  const hops: HttpHop[] = [];
  let url = new URL(opts.url);
  let lastTls: Dialed['tls'];
  for (let hop = 0; ; hop++) {
    const hopStart = performance.now();
    let dialed: Dialed | undefined;
    let dialError: unknown;
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const agent = new Agent({
      connections: 1,
      pipelining: 0,
      connect: (o, cb) => {
        opts
          .resolve(host)
          .then((addresses) =>
            dialFirst(addresses, {
              port: Number(o.port) || (url.protocol === 'https:' ? 443 : 80),
              connectTimeoutMs: opts.connectTimeoutMs,
              ...(url.protocol === 'https:'
                ? { tls: tlsOptions(opts.tls, host) }
                : {}),
              ...(opts.signal ? { signal: opts.signal } : {}),
            }),
          )
          .then(
            (d) => {
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
      const res = await request(url, {
        method: 'GET',
        dispatcher: agent,
        headers: { 'user-agent': 'siteready', accept: '*/*', ...opts.headers },
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      const ttfbMs = round(performance.now() - hopStart);
      let bodyBytes = 0;
      const limit = opts.maxBodyBytes ?? 1 << 20;
      for await (const chunk of res.body) {
        bodyBytes += (chunk as Buffer).length;
        if (bodyBytes >= limit) break;
      }
      res.body.destroy();
      const location = header(res.headers.location);
      const current: HttpHop = {
        url: url.toString(),
        status: res.statusCode,
        ...(location ? { location } : {}),
        ...(dialed ? { address: dialed.address } : {}),
        timings: { ...(dialed?.timings ?? {}), ttfbMs },
      };
      hops.push(current);
      lastTls = dialed?.tls ?? lastTls;
      if (REDIRECTS.has(res.statusCode) && location && hop < opts.maxRedirects) {
        url = new URL(location, url);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') {
          throw new PathError('http-error', 'application', `redirect to unsupported scheme ${url.protocol}`);
        }
        continue;
      }
      return {
        finalUrl: url.toString(),
        status: res.statusCode,
        headers: res.headers,
        hops,
        ttfbMs: round(hops.reduce((a, h) => a + h.timings.ttfbMs, 0)),
        totalMs: round(performance.now() - t0),
        bodyBytes,
        ...(lastTls ? { tls: lastTls } : {}),
      };
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      // undici wraps connector errors; the dial error knows the phase.
      throw dialError ? toPathError(dialError, 'connect') : toPathError(err, 'application');
    } finally {
      await agent.destroy().catch(() => undefined);
    }
  }
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function tlsOptions(given: HttpProbeOptions['tls'], host: string): ConnectionOptions {
  const servername = given?.servername ?? (isIpLiteral(host) ? undefined : host);
  return { ALPNProtocols: ['http/1.1'], ...given, ...(servername ? { servername } : {}) };
}


function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
