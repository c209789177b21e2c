// One HTTP(S) GET with undici over sockets from dial(): status, time to first byte, redirects
// followed by hand (each hop recorded), the TLS facts, and a phase-aware failure. Plain HTTP
// through a proxy that wants Negotiate is asked again once, with the user's Kerberos ticket.

import { performance } from 'node:perf_hooks';
import type { ConnectionOptions } from 'node:tls';
import { PathError, ProtocolError, toPathError } from './classify.js';
import { keepErrors, type DialTimings, type Dialed } from './dial.js';
import { routeConnector, type ConnectorState, type OpenTarget, type Opened } from './route-connect.js';
import {
  authSchemes,
  negotiateRefused,
  negotiateWith,
  offersNegotiate,
  proxyResponseError,
  refusesCredentials,
  type ProxyIdentity,
} from './proxy.js';
import { isIpLiteral } from './host.js';
import { round } from '../util/number.js';
import { loadAgent } from './undici-agent.js';
import { DEFAULT_MAX_BODY_BYTES } from './http-limits.js';

export interface HttpProbeOptions {
  url: string;
  /** Opens a connection along the endpoint's route (see route-connect.ts). */
  open(target: OpenTarget): Promise<Opened>;
  /** Plain-HTTP requests go to a proxy in absolute form, with this Proxy-Authorization. */
  proxyForPlainHttp?: { authorization?: string };
  tls?: Pick<ConnectionOptions, 'ca' | 'secureContext' | 'rejectUnauthorized' | 'servername'>;
  connectTimeoutMs: number;
  timeoutMs: number;
  maxRedirects: number;
  /** The longest body an answer may have; one still coming past it fails (HTTP_BODY_TOO_LONG). */
  maxBodyBytes?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface HttpHop {
  url: string;
  status: number;
  location?: string;
  address?: string;
  path?: 'direct' | 'proxy';
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
/** PathError code: the body was still coming past maxBodyBytes (detail: limit, framing, contentLength). */
export const BODY_TOO_LONG = 'HTTP_BODY_TOO_LONG';

export async function httpProbe(opts: HttpProbeOptions): Promise<HttpProbeResult> {
  // Loaded on first use: `validate`, `plan` and `--help` never pay for undici.
  const Agent = await loadAgent();
  const t0 = performance.now();
  // One deadline for every hop and every byte: undici's body timeout is the gap between two
  // chunks, which a peer that trickles a byte a second never reaches.
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new PathError('timeout', 'application', `no complete answer within ${opts.timeoutMs} ms`, 'HTTP_DEADLINE')),
    opts.timeoutMs,
  );
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline.signal]) : deadline.signal;
  const limit = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const hops: HttpHop[] = [];
  let url = new URL(opts.url);
  let lastTls: Dialed['tls'];
  try {
    for (let hop = 0; ; hop++) {
      const hopStart = performance.now();
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      const state: ConnectorState = {};
      const secure = url.protocol === 'https:';
      const agent = new Agent({
        connections: 1,
        pipelining: 0,
        connect: routeConnector(
          opts.open,
          { host, secure, tls: tlsOptions(opts.tls, host), absoluteForm: !secure && Boolean(opts.proxyForPlainHttp) },
          signal,
          state,
        ),
      });
      let reading = false;
      let bodyBytes = 0;
      try {
        const absolute = !secure && opts.proxyForPlainHttp;
        const send = async (proxyAuthorization: string | undefined) => {
          const res = await agent.request({
            origin: url.origin,
            method: 'GET',
            // Through a proxy, plain HTTP is asked for in absolute form (RFC 9112 §3.2.2). undici's
            // top-level request() would turn an absolute path into "/http://…"; the dispatcher keeps it.
            path: absolute ? url.toString() : `${url.pathname}${url.search}`,
            headers: {
              'user-agent': 'siteready',
              accept: '*/*',
              ...(absolute && proxyAuthorization ? { 'proxy-authorization': proxyAuthorization } : {}),
              ...opts.headers,
            },
            // The budget covers every hop from the first dial, not each hop afresh.
            headersTimeout: Math.max(1, t0 + opts.timeoutMs - performance.now()),
            bodyTimeout: Math.max(1, t0 + opts.timeoutMs - performance.now()),
            signal,
          });
          // The body is destroyed unread below (a proxy's error page, the rest past the limit):
          // undici then emits an abort error, which must not go unhandled and take the process down.
          keepErrors(res.body);
          return res;
        };
        const basic = opts.proxyForPlainHttp?.authorization;
        let res = await send(basic);
        if (absolute && state.dialed?.proxy && isFromProxy(res.statusCode, res.headers)) {
          const proxy = state.dialed.proxy;
          const refusal = proxyIdentity(res.statusCode, res.headers);
          res.body.destroy();
          if (!offersNegotiate(refusal)) throw proxyResponseError(proxy, refusal, Boolean(basic));
          const left = Math.max(500, t0 + opts.timeoutMs - performance.now());
          res = await send(await negotiateWith(proxy, refusal, Boolean(basic), { timeoutMs: left, signal }));
          if (isFromProxy(res.statusCode, res.headers)) {
            const again = proxyIdentity(res.statusCode, res.headers);
            res.body.destroy();
            throw refusesCredentials(again) ? negotiateRefused(proxy, again) : proxyResponseError(proxy, again, true);
          }
          // A Proxy-Authenticate on this answer is the proxy's mutual-authentication token: it proves
          // the proxy's identity, not the path, and is not verified.
        }
        // Through a Negotiate proxy this includes the 407 round trip, as it does for a real client.
        const ttfbMs = round(performance.now() - hopStart);
        reading = true;
        let ended = true;
        for await (const chunk of res.body) {
          bodyBytes += (chunk as Buffer).length;
          if (bodyBytes > limit) {
            ended = false;
            break;
          }
        }
        reading = false;
        res.body.destroy();
        // An answer is whole when its body ends: one that is still coming after the limit (a chunked
        // body without its last chunk, a Content-Length nobody would send for an endpoint) never
        // completes for a client either.
        if (!ended) {
          const framing = bodyFraming(res.headers);
          throw new PathError(
            'http-error',
            'application',
            `the answer's body did not end within ${limit} bytes (${framing.text})`,
            BODY_TOO_LONG,
            undefined,
            { limit, framing: framing.kind, ...(framing.length ? { contentLength: framing.length } : {}) },
          );
        }
        const location = header(res.headers.location);
        const current: HttpHop = {
          url: url.toString(),
          status: res.statusCode,
          ...(location ? { location } : {}),
          ...(state.dialed ? { address: state.dialed.address, path: state.dialed.path } : {}),
          timings: { ...(state.dialed?.timings ?? {}), ttfbMs },
        };
        hops.push(current);
        lastTls = state.dialed?.tls ?? lastTls;
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
        if (deadline.signal.aborted && !state.dialError) throw deadline.signal.reason;
        // undici wraps connector errors; the dial error knows the phase.
        if (state.dialError) throw toPathError(state.dialError, 'connect');
        const pe = toPathError(err, 'application');
        // The head arrived and the body stopped short of its end: an answer cut off.
        if (reading && !(pe instanceof ProtocolError)) {
          throw new PathError(
            'http-error',
            'application',
            `the answer was cut off after ${bodyBytes} bytes of body: ${pe.message}`,
            'HTTP_BODY_CUT_OFF',
          );
        }
        throw pe;
      } finally {
        // Not awaited: a verdict reached at the probe's deadline must not wait for sockets to close
        // and lose the race with the task's own deadline.
        void agent.destroy().catch(() => undefined);
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

/** How a body says where it ends, for the finding about one that did not. */
function bodyFraming(h: Headers): { kind: 'chunked' | 'length' | 'close'; text: string; length?: string } {
  const te = header(h['transfer-encoding']);
  if (te && /chunked/i.test(te)) return { kind: 'chunked', text: 'chunked, no last chunk' };
  const length = header(h['content-length']);
  return length
    ? { kind: 'length', text: `Content-Length ${length}`, length }
    : { kind: 'close', text: 'no length, until the connection closes' };
}

type Headers = Record<string, string | string[] | undefined>;

/** An answer the proxy made itself (not the origin's, forwarded): 407, or a proxy error page. */
function isFromProxy(status: number, h: Headers): boolean {
  if (status === 407 || h['x-squid-error']) return true;
  const server = header(h.server) ?? '';
  return status >= 400 && !h.via && /squid|tinyproxy|proxy|bluecoat|zscaler/i.test(server);
}

function proxyIdentity(status: number, h: Headers): ProxyIdentity {
  // tinyproxy refuses wrong credentials with 401 + WWW-Authenticate.
  const auth = h['proxy-authenticate'] ?? (status === 401 ? h['www-authenticate'] : undefined);
  const schemes = authSchemes(Array.isArray(auth) ? auth : auth ? [auth] : []);
  return {
    status,
    reason: '',
    ...(header(h.server) ? { server: header(h.server)! } : {}),
    ...(header(h['x-squid-error']) ? { squidError: header(h['x-squid-error'])! } : {}),
    ...(schemes.length ? { authenticate: schemes } : {}),
  };
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function tlsOptions(given: HttpProbeOptions['tls'], host: string): ConnectionOptions {
  const servername = given?.servername ?? (isIpLiteral(host) ? undefined : host);
  return { ALPNProtocols: ['http/1.1'], ...given, ...(servername ? { servername } : {}) };
}
