// One OTLP/HTTP export: POST the encoded request, read what the receiver says, and retry only
// what the OTLP specification calls retryable (429, 502, 503, 504), waiting as Retry-After asks or
// backing off with jitter — all inside one deadline that covers every attempt, every wait and
// every byte. It never throws: the outcome says what happened, and the caller decides how to say
// it. https://opentelemetry.io/docs/specs/otlp/#otlphttp-response

import { toolVersion } from '../../version.js';
import { loadAgent } from '../../net/undici-agent.js';
import { readBodyCapped } from '../../net/read-body.js';
import { abortableDelay } from '../../util/abortable-delay.js';
import type { OtlpPayload } from './encode.js';
import { readFields } from './protobuf.js';

export const DEFAULT_OTLP_TIMEOUT_MS = 10_000;
/** The specification's recommended cap on a response body. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const RETRYABLE = new Set([429, 502, 503, 504]);
const MAX_ATTEMPTS = 5;
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 8000;

export interface SendOptions {
  /** The full URL to POST to, without user information. */
  url: string;
  headers: Record<string, string>;
  payload: OtlpPayload;
  /** The whole export, retries included. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export type SendOutcome = { attempts: number } & (
  | { ok: true; status: number; partial?: { rejected: string; message: string } }
  | { ok: false; reason: 'http'; status: number; message?: string; gaveUp?: boolean }
  | { ok: false; reason: 'network'; message: string }
  | { ok: false; reason: 'timeout' | 'aborted' | 'too-large' }
);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export async function sendMetrics(opts: SendOptions): Promise<SendOutcome> {
  const Agent = await loadAgent();
  const url = new URL(opts.url);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline.signal]) : deadline.signal;
  const endsAt = Date.now() + opts.timeoutMs;
  const agent = new Agent({ connections: 1, connect: { timeout: opts.timeoutMs } });
  let attempts = 0;
  try {
    for (;;) {
      attempts++;
      const left = () => Math.max(1, endsAt - Date.now());
      let answer: Answer;
      try {
        answer = await post(agent, url, opts, signal, left());
      } catch (err) {
        if (opts.signal?.aborted) return { attempts, ok: false, reason: 'aborted' };
        if (deadline.signal.aborted || isTimeout(err)) return { attempts, ok: false, reason: 'timeout' };
        if (err instanceof TooLarge) return { attempts, ok: false, reason: 'too-large' };
        return { attempts, ok: false, reason: 'network', message: networkMessage(err) };
      }
      const contentType = header(answer.headers['content-type']) ?? '';
      if (answer.status >= 200 && answer.status < 300) {
        const partial = partialSuccess(answer.body, contentType);
        return { attempts, ok: true, status: answer.status, ...(partial ? { partial } : {}) };
      }
      const failure = { attempts, ok: false as const, reason: 'http' as const, status: answer.status };
      const message = statusMessage(answer.body, contentType);
      const withMessage = message ? { ...failure, message } : failure;
      if (!RETRYABLE.has(answer.status)) return withMessage;
      const wait = retryDelay(header(answer.headers['retry-after']), attempts);
      // A wait that would end past the deadline is not worth starting: say what the receiver said.
      if (attempts >= MAX_ATTEMPTS || Date.now() + wait >= endsAt) return { ...withMessage, gaveUp: true };
      await abortableDelay(wait, signal);
      if (opts.signal?.aborted) return { attempts, ok: false, reason: 'aborted' };
      if (deadline.signal.aborted) return { attempts, ok: false, reason: 'timeout' };
    }
  } finally {
    clearTimeout(timer);
    await agent.destroy().catch(() => undefined);
  }
}

class TooLarge extends Error {}

async function post(
  agent: InstanceType<Awaited<ReturnType<typeof loadAgent>>>,
  url: URL,
  opts: SendOptions,
  signal: AbortSignal,
  leftMs: number,
): Promise<Answer> {
  const res = await agent.request({
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    method: 'POST',
    headers: {
      ...opts.headers,
      'content-type': opts.payload.contentType,
      'user-agent': `siteready/${toolVersion()}`,
    },
    body: opts.payload.body,
    signal,
    headersTimeout: leftMs,
    bodyTimeout: leftMs,
  });
  // The body may be destroyed unread; its abort error must not go unhandled.
  res.body.on('error', () => undefined);
  const { body, truncated } = await readBodyCapped(res.body, MAX_RESPONSE_BYTES);
  res.body.destroy();
  if (truncated) throw new TooLarge();
  return { status: res.statusCode, headers: res.headers, body };
}

/** Retry-After in seconds or as an HTTP date; otherwise exponential back-off with jitter. */
export function retryDelay(retryAfter: string | undefined, attempt: number, now = Date.now()): number {
  if (retryAfter !== undefined) {
    const text = retryAfter.trim();
    if (/^\d+$/.test(text)) return Number(text) * 1000;
    const at = Date.parse(text);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempt - 1));
  return Math.round(backoff * (0.5 + Math.random() / 2));
}

function isJson(contentType: string): boolean {
  return /^application\/json\b/i.test(contentType);
}

function isProtobuf(contentType: string): boolean {
  return /^application\/(x-)?protobuf\b/i.test(contentType);
}

/**
 * ExportMetricsServiceResponse.partial_success (field 1): rejected_data_points (1), error_message
 * (2). Set only when the receiver kept part of the request or has something to say about it. An
 * answer that cannot be read is taken as the success its status says it is.
 */
function partialSuccess(body: Buffer, contentType: string): { rejected: string; message: string } | undefined {
  if (!body.length) return undefined;
  let rejected = '0';
  let message = '';
  try {
    if (isJson(contentType)) {
      const parsed = JSON.parse(body.toString('utf8')) as { partialSuccess?: { rejectedDataPoints?: unknown; errorMessage?: unknown } };
      const p = parsed?.partialSuccess;
      if (!p || typeof p !== 'object') return undefined;
      if (typeof p.rejectedDataPoints === 'string' || typeof p.rejectedDataPoints === 'number') rejected = String(p.rejectedDataPoints);
      if (typeof p.errorMessage === 'string') message = p.errorMessage;
    } else if (isProtobuf(contentType)) {
      const partial = readFields(body).find((f) => f.field === 1)?.value;
      if (!(partial instanceof Buffer)) return undefined;
      for (const f of readFields(partial)) {
        if (f.field === 1 && typeof f.value === 'bigint') rejected = BigInt.asIntN(64, f.value).toString();
        if (f.field === 2 && f.value instanceof Buffer) message = f.value.toString('utf8');
      }
    } else return undefined;
  } catch {
    return undefined;
  }
  return rejected !== '0' || message ? { rejected, message: plain(message) } : undefined;
}

/** google.rpc.Status.message (field 2) in protobuf or JSON; otherwise the start of a text answer. */
function statusMessage(body: Buffer, contentType: string): string | undefined {
  if (!body.length) return undefined;
  try {
    if (isProtobuf(contentType)) {
      const message = readFields(body).find((f) => f.field === 2)?.value;
      return message instanceof Buffer ? plain(message.toString('utf8')) || undefined : undefined;
    }
    if (isJson(contentType)) {
      const parsed = JSON.parse(body.toString('utf8')) as { message?: unknown; error?: unknown };
      const message = typeof parsed?.message === 'string' ? parsed.message : typeof parsed?.error === 'string' ? parsed.error : undefined;
      return message ? plain(message) || undefined : undefined;
    }
  } catch {
    return undefined;
  }
  return /^text\//i.test(contentType) || !contentType ? plain(body.toString('utf8')) || undefined : undefined;
}

/** One line of printable text, short enough for a warning. */
function plain(text: string): string {
  const line = text
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

function isTimeout(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

function networkMessage(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.code ?? e?.cause?.code;
  const text = e?.cause?.message ?? e?.message ?? String(err);
  return plain(code && !text.includes(code) ? `${code}: ${text}` : text);
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
