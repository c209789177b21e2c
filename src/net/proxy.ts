// Which path an endpoint takes (direct or through an HTTP proxy — explicit, PAC or environment)
// and the CONNECT tunnel through it. A proxy's answer is read for what it means: 407 wants
// credentials (and says which schemes), 403 and friends are its policy, and a 502/503/504 with
// the proxy's error tells how the *upstream* connection failed (DNS, refused, timeout). A 407 that
// offers Negotiate is answered once with the user's Kerberos ticket (see negotiate.ts).

import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname, resolve as resolvePath } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { defineArtifact, type ArtifactContext, type MeasureContext, type Classification, type Endpoint } from '../plugin-api.js';
import { PathError, errorCode, toPathError } from './classify.js';
import { dialFirst, errorSeen, keepErrors, type Dialed } from './dial.js';
import { KerberosError, negotiateAuthorization, proxySpn, type KerberosFailure } from './negotiate.js';
import { PacEvaluator, parsePacResult } from './pac.js';
import { lookupOnce } from './shared.js';
import { readBodyCapped } from './read-body.js';
import { round } from '../util/number.js';

export interface ProxyServer {
  host: string;
  port: number;
  /** https:// proxy: TLS to the proxy itself. */
  secure: boolean;
  auth?: { username: string; password: string };
  source: 'site' | 'pac' | 'env';
  /** For messages: scheme://host:port, never with credentials. */
  label: string;
}

export type Route = { path: 'direct'; note?: string } | { path: 'proxy'; proxy: ProxyServer; note?: string };

/** `route host:port [server name]`: the server work is shared on (one TLS audit, one chain fetch), as facts name it. */
export function serverLabel(route: Route, host: string, port: number, serverName: string | undefined): string {
  const via = route.path === 'proxy' ? `proxy ${route.proxy.label}` : 'direct';
  return `${via} ${host.includes(':') ? `[${host}]` : host}:${port}${serverName ? ` ${serverName}` : ''}`;
}

// ---- NO_PROXY ------------------------------------------------------------------------------

/** NO_PROXY semantics as curl and most tools read them: hosts, domain suffixes, host:port, CIDRs, "*". */
export function bypassesProxy(host: string, port: number, list: string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  for (const raw of list) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const cidr = /^([0-9a-f.:]+)\/(\d{1,3})$/.exec(entry);
    if (cidr) {
      if (inCidr(h, cidr[1]!, Number(cidr[2]))) return true;
      continue;
    }
    const m = /^(.*?)(?::(\d+))?$/.exec(entry)!;
    const name = m[1]!.replace(/^\*?\./, '.');
    if (m[2] && Number(m[2]) !== port) continue;
    if (name.startsWith('.') ? h.endsWith(name) || h === name.slice(1) : h === name || h.endsWith(`.${name}`)) return true;
  }
  return false;
}

function inCidr(host: string, base: string, bits: number): boolean {
  const v = isIP(host);
  if (v !== 4 || isIP(base) !== 4) return false;
  const n = (ip: string) => ip.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (n(host) & mask) === (n(base) & mask);
}

function envProxy(env: NodeJS.ProcessEnv, secure: boolean): string | undefined {
  const v = secure ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  return v && v.trim() ? v.trim() : undefined;
}

function proxyFromUrl(text: string, source: ProxyServer['source'], auth?: ProxyServer['auth']): ProxyServer {
  const u = new URL(text.includes('://') ? text : `http://${text}`);
  const secure = u.protocol === 'https:';
  const port = u.port ? Number(u.port) : secure ? 443 : 8080;
  const inline = u.username ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : undefined;
  const creds = auth ?? inline;
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    secure,
    ...(creds ? { auth: creds } : {}),
    source,
    label: `${u.protocol}//${u.host}`,
  };
}

// ---- route decision ------------------------------------------------------------------------

/** Where an endpoint's traffic goes, decided once per endpoint per run. */
const route = defineArtifact<Endpoint, Route>({ id: 'route', key: (ep) => ep.name, compute: (ctx, ep) => decideRoute(ctx, ep) });

/** A PAC file's script, loaded and evaluated in a worker once per run. */
const pacEvaluator = defineArtifact<string, PacEvaluator>({
  id: 'pac',
  key: (where) => where,
  compute: async (ctx, where) => new PacEvaluator(await loadPac(ctx, where)),
  dispose: (e) => e.close(),
});

/** Where the endpoint's traffic goes, as the IM client would decide it. Computed once per endpoint. */
export function routeFor(ctx: MeasureContext<unknown>, endpoint: Endpoint): Promise<Route> {
  return ctx.use(route, endpoint);
}

async function decideRoute(ctx: ArtifactContext, ep: Endpoint): Promise<Route> {
  if (ep.via === 'direct') return { path: 'direct' };
  const p = ctx.site.network.proxy;
  const secureTarget = ep.protocol === 'https' || ep.protocol === 'wss' || ep.protocol === 'tls' || ep.protocol === 'turns';
  const targetUrl =
    ep.url && /^(https?|wss?):/.test(ep.url)
      ? ep.url.replace(/^ws/, 'http')
      : `${secureTarget ? 'https' : 'http'}://${ep.host}:${ep.port}/`;
  const auth = p?.username && p.password !== undefined ? { username: p.username, password: p.password } : undefined;
  const noProxy = [...(p?.noProxy ?? [])];
  const forced = ep.via === 'proxy';

  if (p?.url) {
    if (!forced && bypassesProxy(ep.host, ep.port, noProxy)) return { path: 'direct', note: 'noProxy' };
    return { path: 'proxy', proxy: proxyFromUrl(p.url, 'site', auth) };
  }
  if (p?.pac) {
    let result: string;
    try {
      const evaluator = await ctx.use(pacEvaluator, p.pac);
      result = await evaluator.find(targetUrl, ep.host, ctx.signal);
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      // Clients go DIRECT when the PAC file cannot be had or its script fails; the report says it did.
      const why = err instanceof Error ? err.message : String(err);
      if (forced)
        throw new PathError('proxy-denied', 'proxy', `no proxy for ${ep.name}: ${why}`, 'PAC_FAILED', undefined, { pacError: why });
      return { path: 'direct', note: `PAC failed: ${why}` };
    }
    for (const d of parsePacResult(result)) {
      if (d.kind === 'direct' && !forced) return { path: 'direct', note: `PAC: ${result}` };
      if (d.kind === 'proxy') {
        return {
          path: 'proxy',
          proxy: {
            host: d.host,
            port: d.port,
            secure: d.secure,
            ...(auth ? { auth } : {}),
            source: 'pac',
            label: `${d.secure ? 'https' : 'http'}://${d.host}:${d.port}`,
          },
          note: `PAC: ${result}`,
        };
      }
    }
    return { path: 'direct', note: `PAC: ${result} (nothing usable: SOCKS is not supported)` };
  }
  if (p?.fromEnv !== false) {
    const env = process.env;
    // Raw TCP and TLS go through a CONNECT tunnel, as HTTPS does: HTTPS_PROXY first, then HTTP_PROXY.
    const tunnelled = ep.protocol === 'tcp' || ep.protocol === 'tls' || ep.protocol === 'turns';
    const fromEnv = tunnelled ? (envProxy(env, true) ?? envProxy(env, false)) : envProxy(env, secureTarget);
    const envNoProxy = (env.NO_PROXY ?? env.no_proxy ?? '').split(',');
    if (fromEnv && (forced || !bypassesProxy(ep.host, ep.port, [...noProxy, ...envNoProxy]))) {
      return { path: 'proxy', proxy: proxyFromUrl(fromEnv, 'env', auth) };
    }
  }
  if (forced)
    throw new PathError('proxy-denied', 'proxy', `${ep.name} must go through a proxy, but none is configured`, 'NO_PROXY_CONFIGURED');
  return { path: 'direct' };
}

/** The largest PAC file read; real ones are a few KiB. */
const PAC_MAX_BYTES = 1 << 20;
const PAC_TIMEOUT_MS = 5000;

async function loadPac(ctx: Pick<ArtifactContext, 'site' | 'signal'>, where: string): Promise<string> {
  if (/^https?:\/\//i.test(where)) {
    const { request } = await import('undici');
    // One deadline for the whole file: undici's body timeout is the gap between two chunks, which
    // a server that drips the file never reaches.
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(PAC_TIMEOUT_MS)]);
    try {
      const res = await request(where, { headersTimeout: PAC_TIMEOUT_MS, bodyTimeout: PAC_TIMEOUT_MS, signal });
      keepErrors(res.body);
      if (res.statusCode !== 200) {
        res.body.destroy();
        throw new PathError('http-error', 'application', `PAC file ${where}: HTTP ${res.statusCode}`, `HTTP_${res.statusCode}`);
      }
      const { body, truncated } = await readBodyCapped(res.body, PAC_MAX_BYTES);
      if (truncated) {
        res.body.destroy();
        throw new PathError('http-error', 'application', `PAC file ${where} is larger than 1 MiB`, 'PAC_TOO_LARGE');
      }
      return body.toString('utf8');
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (err instanceof PathError) throw err;
      if (signal.aborted)
        throw new PathError('timeout', 'application', `PAC file ${where}: not read within ${PAC_TIMEOUT_MS} ms`, 'PAC_TIMEOUT');
      throw toPathError(err, 'application');
    }
  }
  return readFile(resolvePath(dirname(resolvePath(ctx.site.file)), where), 'utf8');
}

// ---- CONNECT tunnel ------------------------------------------------------------------------

export interface ProxyIdentity {
  status: number;
  reason: string;
  server?: string;
  via?: string;
  squidError?: string;
  authenticate?: string[];
}

export interface Tunnel {
  socket: Socket | TLSSocket;
  proxyAddress: string;
  timings: { proxyConnectMs: number; tunnelMs: number };
}

export function basicAuth(auth: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

export async function openTunnel(
  ctx: MeasureContext<unknown>,
  proxy: ProxyServer,
  target: { host: string; port: number },
  opts: { connectTimeoutMs: number; timeoutMs: number },
): Promise<Tunnel> {
  const t0 = performance.now();
  let addresses: string[];
  try {
    addresses = (await lookupOnce(ctx, proxy.host)).addresses.map((a) => a.address);
  } catch (err) {
    throw new PathError(
      'dns-failure',
      'proxy',
      `the proxy ${proxy.label} does not resolve: ${err instanceof Error ? err.message : String(err)}`,
      'PROXY_DNS',
      undefined,
      { proxy: proxy.label, hop: 'proxy' },
    );
  }
  const ask = (authorization: string | undefined) => askConnect(ctx, proxy, addresses, target, authorization, opts);
  let answered = await ask(proxy.auth ? basicAuth(proxy.auth) : undefined);
  const proxyConnectMs = answered.connectMs;
  let negotiated = false;
  if (offersNegotiate(answered.head)) {
    // Negotiate is not tied to the connection the 407 came on (only NTLM is): ask again on a new
    // one rather than read and discard the 407's body to keep the old one. tunnelMs includes it.
    answered.dialed.socket.destroy();
    const left = Math.max(500, opts.timeoutMs - (performance.now() - t0));
    const authorization = await negotiateWith(proxy, answered.head, Boolean(proxy.auth), { timeoutMs: left, signal: ctx.signal });
    answered = await ask(authorization);
    negotiated = true;
  }
  const { dialed, head } = answered;
  if (head.status === 200) {
    // A 200 may carry the proxy's own Negotiate token (mutual authentication). It proves the proxy's
    // identity, not the path, which is what is assessed here: it is not verified.
    if (head.rest.length) dialed.socket.unshift(head.rest);
    return {
      socket: dialed.socket,
      proxyAddress: dialed.address,
      timings: { proxyConnectMs: round(proxyConnectMs), tunnelMs: round(performance.now() - t0 - proxyConnectMs) },
    };
  }
  dialed.socket.destroy();
  if (negotiated && refusesCredentials(head)) throw negotiateRefused(proxy, head);
  throw proxyResponseError(proxy, head, Boolean(proxy.auth) || negotiated);
}

type Head = ProxyIdentity & { headers: Record<string, string[]>; rest: Buffer };

/** One connection to the proxy and its answer to CONNECT (with this Proxy-Authorization, if any). */
async function askConnect(
  ctx: MeasureContext<unknown>,
  proxy: ProxyServer,
  addresses: string[],
  target: { host: string; port: number },
  authorization: string | undefined,
  opts: { connectTimeoutMs: number; timeoutMs: number },
): Promise<{ dialed: Dialed; head: Head; connectMs: number }> {
  const t0 = performance.now();
  let dialed: Dialed;
  try {
    dialed = await dialFirst(addresses, {
      port: proxy.port,
      connectTimeoutMs: opts.connectTimeoutMs,
      ...(proxy.secure ? { tls: { servername: isIP(proxy.host) ? undefined : proxy.host } } : {}),
      signal: ctx.signal,
    });
  } catch (err) {
    const pe = err instanceof PathError ? err : new PathError('unreachable', 'connect', String(err));
    // The proxy itself is down or blocked: same classification, but the hop is the proxy.
    throw new PathError(pe.classification, 'proxy', `the proxy ${proxy.label} cannot be reached: ${pe.message}`, pe.code, pe.tlsKind, {
      proxy: proxy.label,
      hop: 'proxy',
    });
  }
  const connectMs = performance.now() - t0;
  const socket = dialed.socket;
  if (socket.destroyed) {
    throw new PathError(
      'proxy-denied',
      'proxy',
      `the proxy ${proxy.label} reset the connection before it was asked anything`,
      errorCode(errorSeen(socket)) ?? 'PROXY_CLOSED',
      undefined,
      { proxy: proxy.label, reason: 'reset at once' },
    );
  }
  const authority = target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
  socket.write(
    `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nUser-Agent: siteready\r\n` +
      (authorization ? `Proxy-Authorization: ${authorization}\r\n` : '') +
      '\r\n',
  );
  const head = await readHead(socket, proxy.label, opts.timeoutMs, ctx.signal).catch((err: unknown) => {
    socket.destroy();
    throw err instanceof PathError
      ? err
      : new PathError('timeout', 'proxy', `the proxy ${proxy.label} did not answer CONNECT: ${String(err)}`, 'PROXY_TIMEOUT', undefined, {
          proxy: proxy.label,
        });
  });
  return { dialed, head, connectMs };
}

/** A header field line (RFC 9110 §5.1 token, then a colon), or a continuation of the one before. */
const FIELD_LINE = /^(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+:|[ \t])/;

/** Reads an HTTP response head (status line + headers), bounded in size and time. */
function readHead(socket: Socket, label: string, timeoutMs: number, signal: AbortSignal): Promise<Head> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(
      () => done(new PathError('timeout', 'proxy', `no answer to CONNECT within ${timeoutMs} ms`, 'PROXY_TIMEOUT')),
      timeoutMs,
    );
    const onAbort = () => done(signal.reason);
    const done = (err?: unknown, value?: Head) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (err) reject(err);
      else resolve(value!);
    };
    const denied = (message: string, code: string, reason: string) =>
      new PathError('proxy-denied', 'proxy', message, code, undefined, { proxy: label, reason });
    const onError = (err: NodeJS.ErrnoException) =>
      done(
        err.code === 'ECONNRESET' || err.code === 'EPIPE'
          ? denied(`the proxy reset the connection instead of answering CONNECT (${err.code})`, err.code, 'reset instead of an answer')
          : new PathError('refused', 'proxy', `the proxy closed the connection: ${err.message}`, err.code),
      );
    const onClose = () =>
      done(denied('the proxy closed the connection without answering CONNECT', 'PROXY_CLOSED', 'closed without an answer'));
    const bad = (what: string) => done(denied(`the proxy answered CONNECT with ${what}`, 'PROXY_BAD_ANSWER', 'an answer that is not HTTP'));
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > 16384) bad('a header that does not end within 16 KiB');
        return;
      }
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const m = /^HTTP\/\d(?:\.\d)?[ \t]+(\d{3})(?:[ \t]+(.*))?$/.exec(lines[0] ?? '');
      if (!m) return bad(`something that is not HTTP: ${JSON.stringify((lines[0] ?? '').slice(0, 60))}`);
      // A head whose lines are not header fields is garbage after a status line, not an answer.
      const junk = lines.slice(1).find((line) => !FIELD_LINE.test(line));
      if (junk !== undefined) return bad(`a status line followed by something that is not a header: ${JSON.stringify(junk.slice(0, 60))}`);
      const headers: Record<string, string[]> = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        if (i <= 0) continue;
        const k = line.slice(0, i).trim().toLowerCase();
        (headers[k] ??= []).push(line.slice(i + 1).trim());
      }
      // tinyproxy answers CONNECT with wrong credentials with 401 + WWW-Authenticate (not 407).
      const challenges = headers['proxy-authenticate'] ?? (m[1] === '401' ? headers['www-authenticate'] : undefined);
      done(undefined, {
        status: Number(m[1]),
        reason: m[2] ?? '',
        ...(headers.server ? { server: headers.server[0]! } : {}),
        ...(headers.via ? { via: headers.via.join(', ') } : {}),
        ...(headers['x-squid-error'] ? { squidError: headers['x-squid-error'][0]! } : {}),
        ...(challenges ? { authenticate: authSchemes(challenges) } : {}),
        headers,
        rest: buf.subarray(end + 4),
      });
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

/**
 * The schemes a Proxy-Authenticate (or WWW-Authenticate) offers. One header may hold several
 * challenges ("Negotiate, Basic realm=\"x\""): a scheme is a token at the start or after a comma
 * that is not itself an auth-param (name=value).
 */
export function authSchemes(headerValues: string[]): string[] {
  const schemes: string[] = [];
  for (const value of headerValues) {
    for (const m of value.matchAll(/(?:^|,)\s*([A-Za-z][\w.+-]*)(?=\s+[^\s=,]|\s*,|\s*$)/g)) schemes.push(m[1]!);
  }
  return schemes;
}

/** What became of a proxy's Negotiate challenge, for the finding: refused, or why no ticket was sent. */
export interface NegotiateOutcome {
  outcome: KerberosFailure | 'refused';
  /** HTTP/<proxy host as written in the proxy URL>. */
  spn: string;
  /** What the Kerberos library said (never a token). */
  error?: string;
  unknownPrincipal?: string;
}

/** A 407 that Negotiate could answer. */
export function offersNegotiate(head: ProxyIdentity): boolean {
  return head.status === 407 && (head.authenticate ?? []).some((s) => /^negotiate$/i.test(s));
}

/**
 * `Negotiate <token>` answering the proxy's 407, or, when no token can be made, the
 * proxy-auth-required error that says why (no ticket, unknown service principal, ...).
 */
export async function negotiateWith(
  proxy: ProxyServer,
  head: ProxyIdentity,
  sentCredentials: boolean,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<string> {
  try {
    return await negotiateAuthorization(proxy.host, opts);
  } catch (err) {
    if (!(err instanceof KerberosError)) throw err;
    const outcome: NegotiateOutcome = {
      outcome: err.kind,
      spn: err.spn,
      error: err.message,
      ...(err.unknownPrincipal ? { unknownPrincipal: err.unknownPrincipal } : {}),
    };
    throw proxyResponseError(proxy, head, sentCredentials, outcome);
  }
}

/** An answer to credentials that turns them down: 407 again (tinyproxy says 401). */
export function refusesCredentials(head: ProxyIdentity): boolean {
  return head.status === 407 || head.status === 401;
}

/**
 * The proxy turned down a Negotiate token: it refused the ticket. A Kerberos exchange takes one
 * token; a continuation the proxy may ask for (NTLM inside SPNEGO) is not followed.
 */
export function negotiateRefused(proxy: ProxyServer, head: ProxyIdentity): PathError {
  return proxyResponseError(proxy, head, true, { outcome: 'refused', spn: proxySpn(proxy.host) });
}

/** A non-2xx answer from the proxy, as a classification with the proxy's identity as evidence. */
export function proxyResponseError(
  proxy: ProxyServer,
  head: ProxyIdentity,
  sentCredentials: boolean,
  negotiate?: NegotiateOutcome,
): PathError {
  const identity = {
    proxy: proxy.label,
    status: head.status,
    reason: head.reason,
    ...(head.server ? { server: head.server } : {}),
    ...(head.via ? { via: head.via } : {}),
    ...(head.squidError ? { proxyError: head.squidError } : {}),
    ...(head.authenticate ? { schemes: head.authenticate } : {}),
    sentCredentials,
    ...(negotiate ? { negotiate } : {}),
  };
  const say = (c: Classification, msg: string, code: string) => new PathError(c, 'proxy', msg, code, undefined, identity);
  // A 401 to CONNECT can only be the proxy's own (no tunnel yet): credentials refused, as a 407.
  if (head.status === 407 || head.status === 401)
    return say(
      'proxy-auth-required',
      `the proxy ${proxy.label} wants credentials (${(head.authenticate ?? ['?']).join(', ')})`,
      `HTTP_${head.status}`,
    );
  // What the proxy says about the upstream connection it tried for us.
  const e = `${head.squidError ?? ''} ${head.reason}`.toLowerCase();
  if (head.status >= 500) {
    // Squid 5 reports a name it cannot resolve as ERR_CANNOT_FORWARD (no destination found), not ERR_DNS_FAIL.
    if (/err_cannot_forward/.test(e))
      return say(
        'dns-failure',
        `the proxy found no address to forward to: the host does not resolve at the proxy (${head.status} ${head.reason}, ${head.squidError})`,
        `PROXY_${head.status}`,
      );
    if (/dns|resolve|name|unknown host/.test(e))
      return say('dns-failure', `the proxy could not resolve the host (${head.status} ${head.reason})`, `PROXY_${head.status}`);
    if (/\b111\b|refused/.test(e))
      return say('refused', `the proxy's connection was refused upstream (${head.status} ${head.reason})`, `PROXY_${head.status}`);
    if (/\b113\b|no route|unreachable/.test(e))
      return say('unreachable', `the proxy found no route upstream (${head.status} ${head.reason})`, `PROXY_${head.status}`);
    if (head.status === 504 || /\b110\b|time/.test(e))
      return say('filtered', `the proxy's connection timed out upstream (${head.status} ${head.reason})`, `PROXY_${head.status}`);
    if (/unable to connect|connect_fail/.test(e))
      return say('refused', `the proxy could not connect upstream (${head.status} ${head.reason})`, `PROXY_${head.status}`);
  }
  return say('proxy-denied', `the proxy ${proxy.label} refused the request: ${head.status} ${head.reason}`, `HTTP_${head.status}`);
}
