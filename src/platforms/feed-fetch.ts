// One GET of a vendor feed, bounded every way a feed server (or whatever answers in its place) can
// misbehave: one deadline over every hop and every byte, a size cap counted while the body streams,
// a few redirects, http(s) only, never from https down to http, and every socket error caught.

import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { FeedError } from './feeds/errors.js';
import { MAX_FEED_BYTES } from './feeds/snapshot.js';
import { toolVersion } from '../version.js';

export interface FetchFeedOptions {
  signal?: AbortSignal;
  /** The whole fetch, redirects and body included (default 30 s). */
  timeoutMs?: number;
  /** Body bytes past which the fetch fails (default 16 MiB). */
  maxBytes?: number;
  /** Default 3. */
  maxRedirects?: number;
  /** An http(s) proxy URL, credentials in it allowed (sent as Basic to the proxy only). */
  proxy?: string;
  accept?: string;
}

export interface FetchedFeed {
  /** The URL asked for, without credentials. */
  requestedUrl: string;
  /** The URL the body came from, after redirects, without credentials. */
  url: string;
  status: number;
  contentType?: string;
  body: Buffer;
  /** Hex SHA-256 of the body. */
  sha256: string;
}

export const DEFAULT_FEED_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function fetchFeed(url: string, opts: FetchFeedOptions = {}): Promise<FetchedFeed> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_FEED_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? MAX_FEED_BYTES;
  const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const first = feedUrl(url);
  if (opts.signal?.aborted) throw aborted(first);
  // Loaded on first use, as elsewhere: commands that never update a catalog never pay for undici.
  const { request, Agent, ProxyAgent } = await import('undici');
  const started = Date.now();
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new FeedError('timeout', `no complete answer within ${timeoutMs} ms`, { url: redact(first), limit: timeoutMs })),
    timeoutMs,
  );
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline.signal]) : deadline.signal;
  const connect = { timeout: Math.min(timeoutMs, 10_000) };
  let dispatcher: Dispatcher;
  if (opts.proxy) {
    const proxy = feedUrl(opts.proxy, 'proxy');
    dispatcher = new ProxyAgent({ uri: proxy.toString(), connections: 1, connect, proxyTls: connect, requestTls: connect });
  } else dispatcher = new Agent({ connections: 1, connect });
  let current = first;
  try {
    for (let hop = 0; ; hop++) {
      const left = () => Math.max(1, started + timeoutMs - Date.now());
      const { target, authorization } = splitCredentials(current, first);
      const res = await request(target, {
        method: 'GET',
        dispatcher,
        signal,
        headers: {
          'user-agent': `siteready/${toolVersion()}`,
          accept: opts.accept ?? '*/*',
          // No compression asked for: the size cap then counts what is parsed.
          'accept-encoding': 'identity',
          ...(authorization ? { authorization } : {}),
        },
        headersTimeout: left(),
        bodyTimeout: left(),
      });
      // The body may be destroyed unread below; its abort error must not go unhandled.
      res.body.on('error', () => {});
      const status = res.statusCode;
      if (REDIRECTS.has(status)) {
        res.body.destroy();
        const location = header(res.headers.location);
        if (!location) throw new FeedError('http-status', `HTTP ${status} without a Location`, { url: redact(current), status });
        if (hop >= maxRedirects)
          throw new FeedError('too-many-redirects', `more than ${maxRedirects} redirects`, { url: redact(first), limit: maxRedirects });
        const next = feedUrl(new URL(location, current).toString());
        if (current.protocol === 'https:' && next.protocol === 'http:')
          throw new FeedError('insecure-redirect', 'the feed redirected from https to plain http', { url: redact(next) });
        current = next;
        continue;
      }
      if (status === 429) {
        res.body.destroy();
        const retryAfter = Number(header(res.headers['retry-after']));
        throw new FeedError('rate-limited', 'the feed asks to be polled less often (HTTP 429)', {
          url: redact(current),
          status,
          ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfter } : {}),
        });
      }
      if (status < 200 || status > 299) {
        res.body.destroy();
        throw new FeedError('http-status', `HTTP ${status}`, { url: redact(current), status });
      }
      const declared = Number(header(res.headers['content-length']));
      if (Number.isFinite(declared) && declared > maxBytes) {
        res.body.destroy();
        throw tooLarge(current, maxBytes);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const hash = createHash('sha256');
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > maxBytes) {
          res.body.destroy();
          throw tooLarge(current, maxBytes);
        }
        hash.update(buf);
        chunks.push(buf);
      }
      const contentType = header(res.headers['content-type']);
      return {
        requestedUrl: redact(first),
        url: redact(current),
        status,
        ...(contentType ? { contentType } : {}),
        body: Buffer.concat(chunks, size),
        sha256: hash.digest('hex'),
      };
    }
  } catch (err) {
    throw classify(err, { first, current, signal: opts.signal, deadline: deadline.signal });
  } finally {
    clearTimeout(timer);
    // Closes the sockets, including one still receiving an endless body.
    await dispatcher.destroy().catch(() => {});
  }
}

/** A URL without its user name and password: what may be stored and shown. */
export function redact(url: URL | string): string {
  const u = new URL(url.toString());
  u.username = '';
  u.password = '';
  return u.toString();
}

/** A FeedError for whatever ended the fetch. */
function classify(err: unknown, ctx: { first: URL; current: URL; signal?: AbortSignal; deadline: AbortSignal }): FeedError {
  if (ctx.signal?.aborted) return aborted(ctx.first);
  if (err instanceof FeedError) return err;
  if (ctx.deadline.aborted && ctx.deadline.reason instanceof FeedError) return ctx.deadline.reason;
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code;
  const url = redact(ctx.current);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT')
    return new FeedError('timeout', 'the feed server stopped answering', { url, code }, { cause: err });
  const proxyStatus = /Proxy response \((\d+)\)/.exec(e?.message ?? '')?.[1];
  if (proxyStatus)
    return new FeedError(
      'proxy',
      `the proxy refused the connection (HTTP ${proxyStatus})`,
      { url, status: Number(proxyStatus) },
      { cause: err },
    );
  return new FeedError(
    'network',
    `the feed could not be read: ${code ?? e?.message ?? String(err)}`.slice(0, 300),
    { url, ...(code ? { code } : {}) },
    { cause: err },
  );
}

function aborted(url: URL): FeedError {
  return new FeedError('aborted', 'the update was cancelled', { url: redact(url) });
}

function tooLarge(url: URL, limit: number): FeedError {
  return new FeedError('too-large', `the feed is larger than ${limit} bytes`, { url: redact(url), limit });
}

/** A parsed http(s) URL, or a FeedError saying why not. */
function feedUrl(text: string, what = 'feed'): URL {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new FeedError('invalid-url', `the ${what} URL is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new FeedError('unsupported-scheme', `the ${what} URL must be http or https, not ${u.protocol.replace(/:$/, '')}`, {
      url: redact(u),
    });
  return u;
}

/**
 * The URL to request and a Basic Authorization made from its credentials (a mirror behind a
 * password). Credentials go only to the origin they were written for, never to a redirect's target.
 */
function splitCredentials(url: URL, first: URL): { target: string; authorization?: string } {
  const source = url.origin === first.origin ? (url.username || url.password ? url : first) : undefined;
  const target = redact(url);
  if (!source || (!source.username && !source.password)) return { target };
  const user = decodeURIComponent(source.username);
  const pass = decodeURIComponent(source.password);
  return { target, authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
