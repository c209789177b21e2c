// HTTP Strict Transport Security (RFC 6797) as the server announces it: one HTTPS GET / over the
// audit's own connection (any protocol version, any certificate), and the first
// Strict-Transport-Security field read the way a browser reads it (§6.1, §8.1). Services that do
// not speak HTTP (TURNS, LDAPS) answer with something else, close, or stay silent: each gives
// `{ present: false, error }` within the budget, never an exception.

import { performance } from 'node:perf_hooks';
import { PathError, toPathError } from '../net/classify.js';
import { dialTracked, tlsOver } from '../net/dial.js';
import { httpProbe } from '../net/http.js';
import { DEFAULT_MAX_BODY_BYTES } from '../net/http-limits.js';
import type { Opened } from '../net/route-connect.js';
import { auditTlsOptions, type AuditOptions, type AuditTarget } from './audit-client.js';
import type { HstsError, HstsFacts, HstsInvalid } from './types.js';

export type StsParse =
  { ok: true; maxAgeSeconds: number; includeSubDomains: boolean; preload: boolean } | { ok: false; invalid: HstsInvalid };

/**
 * `GET /` on the target; HSTS facts from the first answer (redirects are not followed: the
 * header on a redirect from this origin counts, §7.2). The ca option is not needed: a header is
 * read whatever the certificate, and the certificate facts say whether browsers would accept it.
 */
export async function fetchHsts(target: AuditTarget, opts: AuditOptions): Promise<HstsFacts> {
  const t0 = performance.now();
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new PathError('timeout', 'application', `no answer within ${opts.timeoutMs} ms`, 'HSTS_TIMEOUT')),
    opts.timeoutMs,
  );
  // Whether the connection was up when the budget ran out: "no HTTP answer" or "no connection".
  let stage: 'dialing' | 'http' = 'dialing';
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline.signal]) : deadline.signal;
  const name = target.serverName ?? target.host;
  // Streams opened through a tunnel, closed at the end (a tunnel keeps its slot until it closes).
  const streams: Array<{ destroy(): void }> = [];
  try {
    const res = await httpProbe({
      url: `https://${name.includes(':') ? `[${name}]` : name}:${target.port}/`,
      open: async (t): Promise<Opened> => {
        const tls = { ...t.tls, ...auditTlsOptions(target) };
        // SNI only when the target names one, as for the certificate.
        if (!target.serverName) delete tls.servername;
        if (target.connect) {
          const opened = await target.connect({
            connectTimeoutMs: Math.min(opts.connectTimeoutMs ?? opts.timeoutMs, opts.timeoutMs),
            timeoutMs: Math.max(1, t0 + opts.timeoutMs - performance.now()),
            signal,
          });
          streams.push(opened.socket);
          const secured = await tlsOver(opened.socket, tls, Math.max(1, t0 + opened.queuedMs + opts.timeoutMs - performance.now()), signal);
          stage = 'http';
          return { socket: secured.socket, address: target.address, timings: { tlsMs: secured.tlsMs }, tls: secured.tls, path: 'proxy' };
        }
        const tracked = dialTracked({
          address: target.address,
          port: target.port,
          tls,
          connectTimeoutMs: Math.min(opts.connectTimeoutMs ?? opts.timeoutMs, opts.timeoutMs),
          tlsTimeoutMs: Math.max(1, t0 + opts.timeoutMs - performance.now()),
          signal,
        });
        // Between the handshake and the HTTP client taking the socket, a reset must land somewhere.
        tracked.socket.on('error', () => undefined);
        const d = await tracked.ready;
        stage = 'http';
        return { ...d, path: 'direct' };
      },
      connectTimeoutMs: Math.min(opts.connectTimeoutMs ?? opts.timeoutMs, opts.timeoutMs),
      timeoutMs: opts.timeoutMs,
      maxRedirects: 0,
      // Only the header is wanted, but httpProbe takes an answer only once its body has ended:
      // a page of any ordinary size fits; one that never ends is an error, as for any client.
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      signal,
    });
    const fields = res.headers['strict-transport-security'];
    const first = Array.isArray(fields) ? fields[0] : fields;
    if (first === undefined) return { present: false, status: res.status };
    const parsed = parseStrictTransportSecurity(first);
    if (!parsed.ok) return { present: false, status: res.status, header: first, invalid: parsed.invalid };
    return {
      present: true,
      maxAgeSeconds: parsed.maxAgeSeconds,
      includeSubDomains: parsed.includeSubDomains,
      preload: parsed.preload,
      status: res.status,
      header: first,
    };
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    return { present: false, error: describeFailure(deadline.signal.aborted ? deadline.signal.reason : err, opts.timeoutMs, stage) };
  } finally {
    clearTimeout(timer);
    for (const s of streams) s.destroy();
  }
}

/** What went wrong: not HTTP, no answer, or how the connection failed. */
function describeFailure(err: unknown, timeoutMs: number, stage: 'dialing' | 'http'): HstsError {
  const e = toPathError(err, 'application');
  // llhttp's parse errors: bytes came back, but not an HTTP response. undici does not always give
  // them an HPE_ code, only its message.
  if (e.code?.startsWith('HPE_') || /does not match the HTTP\/1\.1 protocol|parse error/i.test(e.message))
    return { kind: 'not-http', message: e.message };
  if (e.code === 'UND_ERR_SOCKET' || e.code === 'ECONNRESET') return { kind: 'closed', message: e.message };
  if (e.classification === 'timeout') return { kind: stage === 'http' ? 'no-http-answer' : 'no-connection', message: e.message, timeoutMs };
  return { kind: 'failed', message: e.message, classification: e.classification, ...(e.tlsKind ? { tlsKind: e.tlsKind } : {}) };
}

/** RFC 7230 tchar. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
const QUOTED = /^"((?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[\t\x20-\x7e\x80-\xff])*)"/;
const OWS = /^[ \t]*/;

/**
 * RFC 6797 §6.1: `[directive] *(";" [directive])`, directive = token ["=" (token | quoted-string)].
 * The whole field is ignored when it does not parse, lacks max-age, repeats a directive, or gives
 * a recognised directive a value it cannot have. Unknown directives are ignored; `preload` is not
 * in the RFC (hstspreload.org asks for it) and is read like includeSubDomains.
 */
export function parseStrictTransportSecurity(value: string): StsParse {
  const seen = new Set<string>();
  let maxAge: number | undefined;
  let includeSubDomains = false;
  let preload = false;
  let rest = value;
  for (;;) {
    rest = rest.replace(OWS, '');
    const nameMatch = rest.match(TOKEN);
    if (nameMatch) {
      const name = nameMatch[0].toLowerCase();
      rest = rest.slice(nameMatch[0].length).replace(OWS, '');
      let directiveValue: string | undefined;
      if (rest.startsWith('=')) {
        rest = rest.slice(1).replace(OWS, '');
        const quoted = rest.match(QUOTED);
        const token = quoted ? undefined : rest.match(TOKEN);
        if (quoted) directiveValue = quoted[1]!.replace(/\\(.)/g, '$1');
        else if (token) directiveValue = token[0];
        else return { ok: false, invalid: { problem: 'no-valid-value', directive: name } };
        rest = rest.slice((quoted ?? token)![0].length).replace(OWS, '');
      }
      if (seen.has(name)) return { ok: false, invalid: { problem: 'repeated', directive: name } };
      seen.add(name);
      if (name === 'max-age') {
        if (directiveValue === undefined || !/^\d+$/.test(directiveValue)) {
          return {
            ok: false,
            invalid: { problem: 'max-age-not-number', ...(directiveValue === undefined ? {} : { found: JSON.stringify(directiveValue) }) },
          };
        }
        maxAge = Math.min(Number(directiveValue), Number.MAX_SAFE_INTEGER);
      } else if (name === 'includesubdomains') {
        if (directiveValue !== undefined) return { ok: false, invalid: { problem: 'include-subdomains-value' } };
        includeSubDomains = true;
      } else if (name === 'preload') {
        // Not an RFC 6797 directive: with a value it is just an unknown one.
        preload = directiveValue === undefined;
      }
    }
    if (rest === '') break;
    if (!rest.startsWith(';')) return { ok: false, invalid: { problem: 'unexpected', found: JSON.stringify(rest.slice(0, 20)) } };
    rest = rest.slice(1);
  }
  if (maxAge === undefined) return { ok: false, invalid: { problem: 'no-max-age' } };
  return { ok: true, maxAgeSeconds: maxAge, includeSubDomains, preload };
}
