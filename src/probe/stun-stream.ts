// A media-like stream of STUN Binding requests: the far end of a latency measurement when there is
// no reflector, only a STUN server (a platform's media relay), as Microsoft's Network Assessment
// Tool does it. Requests leave one UDP socket at the media cadence, each with its own transaction
// id; a response is matched to its request by that id alone. What a STUN server cannot tell us —
// which direction lost a packet, how the packets were spaced when they arrived there, what DSCP
// mark they carried — stays unknown: every figure here is a round-trip figure.
//
// The server is a stranger: anything that is not a valid success response to one of our own
// requests is counted as junk and otherwise ignored, and the stream ends on its own schedule
// whatever arrives (or does not).

import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { PathError, connectFailure, errorCode } from '../net/classify.js';
import { HEADER_LENGTH, Method, encodeMessage, tryDecodeMessage } from '../net/stun.js';
import { burstRatio, percentiles, type Percentiles } from './udp-stream.js';
import { abortableDelay } from '../util/abortable-delay.js';
import { round } from '../util/number.js';

/** Politeness towards someone else's server: no more requests than a video stream sends. */
export const MAX_STUN_PPS = 500;
/** Binding responses are a few dozen bytes; anything this large is not decoded, only counted. */
export const MAX_RESPONSE_BYTES = 1500;

export interface StunStreamParams {
  /** The server's IP address (resolve the name first, once). */
  address: string;
  port: number;
  /** Requests per second (capped at MAX_STUN_PPS). */
  pps: number;
  durationMs: number;
  /** How long to wait for late responses after the last request (default 1000). */
  drainMs?: number;
  /** Stop early when no valid response has come back after this long. */
  firstReplyTimeoutMs?: number;
  /** Hard limit on the whole stream, ms from its start: past it, the stream fails with a timeout. */
  deadlineMs?: number;
  signal?: AbortSignal;
}

/** Datagrams that were not a valid success response to one of our requests, by why. */
export interface StunStreamJunk {
  /** Larger than MAX_RESPONSE_BYTES: not decoded. */
  oversize: number;
  /** Not a STUN message: garbage, no magic cookie, lengths that do not add up, bad attributes. */
  notStun: number;
  /** A FINGERPRINT that does not match (RFC 8489 §14.7: not STUN, or damaged). */
  badFingerprint: number;
  /** STUN, but not a Binding response (requests, indications, other methods). */
  otherMessages: number;
  /** A response to a transaction id this stream never sent. */
  foreignTransactions: number;
  /** Binding error responses to our requests. */
  errorResponses: number;
}

export interface StunStreamResult {
  sent: number;
  /** Requests with a valid success response (the first one counts). */
  replies: number;
  /** Nothing at all came back before firstReplyTimeoutMs: UDP to the server gets no answer. */
  blocked: boolean;
  rttMs: Percentiles | null;
  /** RFC 3550 §6.4.1's J += (|D| − J)/16 over successive round trips, in arrival order, ms. */
  rttJitterMs: number | null;
  /** Requests without a response by the end of the drain, percent of those sent. */
  lossPercent: number;
  /** Worst 15 s and worst 200 ms window by send time, percent of the requests sent in it. */
  worstLoss15sPercent: number;
  worstBurst200msPercent: number;
  /** Responses arriving after a response to a later request, percent of responses. */
  reorderPercent: number;
  /** Further copies of a response already counted. */
  duplicates: number;
  /** G.107 BurstR of the loss pattern (1 = random). */
  burstRatio: number;
  /** Up to 300 [ms since the first request, rtt ms] points for charts. */
  series: Array<[number, number]>;
  junk: StunStreamJunk;
  /** Requests per second actually used (after the cap). */
  pps: number;
  /** The first error the socket reported (ECONNREFUSED: ICMP port unreachable), if any. */
  socketError?: string;
}

/** What the stream recorded, before any statistics: the input of summariseStunStream. */
export interface StunStreamRecord {
  pps: number;
  sent: number;
  /** Send time of each request, ms from the stream's start (index = send order). */
  sendMs: ArrayLike<number>;
  /** Round trip of each request's first valid response, ms; NaN where none came. */
  rttMs: ArrayLike<number>;
  /** Request indices in the order their responses arrived. */
  arrivals: ArrayLike<number>;
  duplicates: number;
  junk: StunStreamJunk;
  blocked: boolean;
  socketError?: string;
}

export function emptyJunk(): StunStreamJunk {
  return { oversize: 0, notStun: 0, badFingerprint: 0, otherMessages: 0, foreignTransactions: 0, errorResponses: 0 };
}

export function junkTotal(j: StunStreamJunk): number {
  return j.oversize + j.notStun + j.badFingerprint + j.otherMessages + j.foreignTransactions + j.errorResponses;
}

/** The statistics of a recorded stream (pure: the unit tests feed it fixtures). */
export function summariseStunStream(r: StunStreamRecord): StunStreamResult {
  const sent = r.sent;
  const received = new Uint8Array(sent);
  const values: number[] = [];
  for (let i = 0; i < sent; i++) {
    const v = r.rttMs[i]!;
    if (!Number.isNaN(v)) {
      received[i] = 1;
      values.push(v);
    }
  }
  const replies = values.length;

  let reordered = 0;
  let maxSeen = -1;
  let jitter = 0;
  let previous: number | undefined;
  for (let k = 0; k < r.arrivals.length; k++) {
    const i = r.arrivals[k]!;
    if (i < maxSeen) reordered++;
    maxSeen = Math.max(maxSeen, i);
    // D is the difference of two transit times; with no clock at the far end, the round trip is the transit.
    const rtt = r.rttMs[i]!;
    if (previous !== undefined) jitter += (Math.abs(rtt - previous) - jitter) / 16;
    previous = rtt;
  }

  // The schedule sends request i at i / pps, so a window of pps × T requests is a window of T
  // seconds of send time. It slides one request at a time: a burst straddling two back-to-back
  // windows would be split between them.
  const windowLoss = (seconds: number) => {
    const w = Math.min(Math.max(1, Math.round(r.pps * seconds)), sent);
    if (w === 0) return 0;
    let lost = 0;
    for (let i = 0; i < w; i++) if (!received[i]) lost++;
    let worst = lost;
    for (let i = w; i < sent; i++) {
      if (!received[i]) lost++;
      if (!received[i - w]) lost--;
      worst = Math.max(worst, lost);
    }
    return round((100 * worst) / w, 3);
  };

  const step = Math.max(1, Math.ceil(sent / 300));
  const series: Array<[number, number]> = [];
  const start = sent ? r.sendMs[0]! : 0;
  for (let i = 0; i < sent; i += step) {
    const v = r.rttMs[i]!;
    if (!Number.isNaN(v)) series.push([round(r.sendMs[i]! - start, 3), round(v, 3)]);
  }

  return {
    sent,
    replies,
    blocked: r.blocked,
    rttMs: replies ? percentiles(values) : null,
    rttJitterMs: r.arrivals.length > 1 ? round(jitter, 3) : null,
    lossPercent: sent ? round((100 * (sent - replies)) / sent, 3) : 0,
    worstLoss15sPercent: windowLoss(15),
    worstBurst200msPercent: windowLoss(0.2),
    reorderPercent: replies ? round((100 * reordered) / replies, 3) : 0,
    duplicates: r.duplicates,
    burstRatio: burstRatio(received, sent),
    series,
    junk: { ...r.junk },
    pps: r.pps,
    ...(r.socketError ? { socketError: r.socketError } : {}),
  };
}

/**
 * Sends the stream and measures it. Fails (a PathError) only when the socket cannot be used at
 * all, when the server refuses every request at the ICMP level, or at the deadline; throws the
 * signal's reason when it aborts. Everything else — silence, garbage, floods — is in the result.
 */
export async function runStunStream(p: StunStreamParams): Promise<StunStreamResult> {
  if (p.signal?.aborted) throw p.signal.reason;
  const pps = Math.max(1, Math.min(MAX_STUN_PPS, p.pps));
  const total = Math.max(1, Math.floor((p.durationMs / 1000) * pps));
  // RFC 8489 §6: transaction ids are cryptographically random, one per request.
  const ids = randomBytes(12 * total);
  const byId = new Map<string, number>();
  const sendMs = new Float64Array(total);
  const rttMs = new Float64Array(total).fill(NaN);
  const arrivals: number[] = [];
  const junk = emptyJunk();
  let duplicates = 0;
  let replies = 0;
  let datagrams = 0;
  let socketError: string | undefined;
  let t0 = performance.now();

  const stop = new AbortController();
  let deadlineHit = false;
  const deadline = p.deadlineMs
    ? setTimeout(() => {
        deadlineHit = true;
        stop.abort();
      }, p.deadlineMs)
    : undefined;
  const onAbort = () => stop.abort();
  p.signal?.addEventListener('abort', onAbort, { once: true });

  const sock = createSocket(isIPv6(p.address) ? 'udp6' : 'udp4');
  // From creation to close: an ICMP error on a connected socket arrives as an 'error' event.
  sock.on('error', (err) => {
    socketError ??= errorCode(err) ?? err.message;
  });
  sock.on('message', (msg) => {
    const now = performance.now();
    datagrams++;
    if (msg.length > MAX_RESPONSE_BYTES) return void junk.oversize++;
    if (msg.length < HEADER_LENGTH) return void junk.notStun++;
    const decoded = tryDecodeMessage(msg);
    const m = decoded.message;
    if (!m) return void junk.notStun++;
    if (m.fingerprint === 'invalid') return void junk.badFingerprint++;
    if (m.method !== Method.Binding || (m.cls !== 'success' && m.cls !== 'error')) return void junk.otherMessages++;
    const i = byId.get(m.transactionId.toString('latin1'));
    if (i === undefined) return void junk.foreignTransactions++;
    if (m.cls === 'error') return void junk.errorResponses++;
    if (!Number.isNaN(rttMs[i]!)) return void duplicates++;
    rttMs[i] = now - t0 - sendMs[i]!;
    arrivals.push(i);
    replies++;
  });

  const cleanup = () => {
    clearTimeout(deadline);
    p.signal?.removeEventListener('abort', onAbort);
    try {
      sock.close();
    } catch {
      // already closed
    }
  };

  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.connect(p.port, p.address, () => {
        sock.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    cleanup();
    throw new PathError(
      connectFailure(errorCode(err)),
      'connect',
      `cannot send STUN requests to ${p.address}:${p.port}: ${(err as Error).message}`,
      errorCode(err),
    );
  }

  let sent = 0;
  let blocked = false;
  try {
    t0 = performance.now();
    await new Promise<void>((resolve) => {
      const tick = () => {
        if (stop.signal.aborted) return resolve();
        const elapsed = performance.now() - t0;
        // Send everything that is due: timers are coarse, the schedule is not.
        const due = Math.min(total, Math.floor((elapsed / 1000) * pps) + 1);
        while (sent < due) {
          const tid = ids.subarray(sent * 12, sent * 12 + 12);
          byId.set(tid.toString('latin1'), sent);
          const bytes = encodeMessage({ method: Method.Binding, cls: 'request', transactionId: tid }, { fingerprint: true });
          sendMs[sent] = performance.now() - t0;
          sock.send(bytes, (err) => {
            if (err) socketError ??= errorCode(err) ?? err.message;
          });
          sent++;
        }
        if (p.firstReplyTimeoutMs && replies === 0 && elapsed > p.firstReplyTimeoutMs) {
          // Silence is a path that blocks UDP; answers that are all junk are a server that is not
          // STUN (or not this one): either way, nothing more is learnt by sending on.
          blocked = datagrams === 0;
          return resolve();
        }
        if (sent >= total) return resolve();
        const nextAt = (sent / pps) * 1000 - (performance.now() - t0);
        setTimeout(tick, Math.max(0, Math.min(nextAt - 1, 20)));
      };
      tick();
    });
    if (!stop.signal.aborted && !(p.firstReplyTimeoutMs && replies === 0)) await abortableDelay(p.drainMs ?? 1000, stop.signal);
  } finally {
    cleanup();
  }
  if (p.signal?.aborted) throw p.signal.reason;
  if (deadlineHit) {
    throw new PathError(
      'timeout',
      'application',
      `the STUN stream to ${p.address}:${p.port} did not finish within ${Math.round(p.deadlineMs!)} ms`,
      'STUN_STREAM_DEADLINE',
    );
  }
  if (replies === 0 && socketError === 'ECONNREFUSED') {
    throw new PathError(
      'refused',
      'connect',
      `${p.address}:${p.port}/udp: ICMP port unreachable (nothing listens, or a firewall rejects)`,
      'ECONNREFUSED',
    );
  }
  return summariseStunStream({
    pps,
    sent,
    sendMs,
    rttMs,
    arrivals,
    duplicates,
    junk,
    blocked,
    ...(socketError ? { socketError } : {}),
  });
}
