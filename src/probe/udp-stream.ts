// RTP-like UDP probe streams against the reflector: paced at media cadence, sequence-numbered and
// timestamped, so each direction's loss, jitter and reordering can be told apart. The reflector
// reports what it received (a bitmap per stream) and the upstream jitter; the client sees the
// replies. Windows follow how the Teams targets are written: loss per 15 s, burst loss per 200 ms.

import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { checkTally, isBadAnswer, udpStats, type ProbeEndpoint, type ProbeSession } from './client.js';
import { PathError, connectFailure, errorCode } from '../net/classify.js';
import { UDP_TYPE_PROBE, UDP_TYPE_REPLY, encodeProbe, nowUs, peekProbe, verifyProbeMac, type UdpProbe } from './protocol.js';
import { round } from '../util/number.js';
import { abortableDelay } from '../util/abortable-delay.js';

export interface UdpStreamParams {
  endpoint: ProbeEndpoint;
  session: ProbeSession;
  stream: number;
  pps: number;
  /** UDP payload bytes per packet (64..1472). */
  size: number;
  durationMs: number;
  /** How long to wait for late replies after the last probe. */
  drainMs?: number;
  /** Stop early when nothing at all has come back after this long (UDP blocked). */
  firstReplyTimeoutMs?: number;
  /** A packet sent while a sample should be taken (bufferbloat under load marks its phase). */
  signal?: AbortSignal;
}

export interface Percentiles {
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface UdpStreamResult {
  sent: number;
  replies: number;
  blocked: boolean;
  rttMs: Percentiles | null;
  /** RFC 3550 interarrival jitter, ms: client → reflector (computed there) and back. */
  jitterUpMs: number | null;
  jitterDownMs: number | null;
  lossPercent: number;
  lossUpPercent: number | null;
  lossDownPercent: number | null;
  /** Worst 15 s window and worst 200 ms window, percent of packets lost (both directions). */
  worstLoss15sPercent: number;
  worstBurst200msPercent: number;
  /** Replies arriving after a later sequence number, percent of replies. */
  reorderPercent: number;
  reorderUpPercent: number | null;
  /** Copies: of probes, counted by the reflector (which does not answer them), and of replies, here. */
  duplicates: number;
  /** Mean lost-burst length over the mean burst length expected from random loss (G.107 BurstR). */
  burstRatio: number;
  /** Up to 300 [ms since start, rtt ms] points for charts. */
  series: Array<[number, number]>;
}

export async function runUdpStream(p: UdpStreamParams): Promise<UdpStreamResult> {
  const pps = Math.max(1, Math.min(p.session.limits.maxUdpPps ?? 5000, p.pps));
  const total = Math.max(1, Math.floor((p.durationMs / 1000) * pps));
  const sendUs = new Array<bigint>(total);
  const rtt = new Float64Array(total).fill(NaN);
  const gotReply = new Uint8Array(total);
  let replies = 0;
  let duplicates = 0;
  let reordered = 0;
  let maxSeqSeen = -1;
  let jitterUs = 0;
  let lastTransit: bigint | undefined;
  const arrivals: number[] = [];

  const buf = Buffer.alloc(Math.max(64, Math.min(1472, p.size)));
  const sock = createSocket(isIPv6(p.endpoint.address) ? 'udp6' : 'udp4');
  sock.on('error', () => undefined);
  sock.on('message', (msg) => {
    const recvUs = nowUs();
    const r = peekProbe(msg);
    // A reply is the probe's own buffer sent back: any other size is not the reflector's answer.
    if (
      !r ||
      msg.length !== buf.length ||
      r.type !== UDP_TYPE_REPLY ||
      r.session !== p.session.id ||
      r.stream !== p.stream ||
      r.seq >= total
    )
      return;
    if (!verifyProbeMac(p.session.key, msg)) return;
    const rttUs = replyRoundTripUs(r, recvUs, sendUs[r.seq]);
    if (rttUs === undefined) return;
    if (gotReply[r.seq]) {
      duplicates++;
      return;
    }
    gotReply[r.seq] = 1;
    replies++;
    if (r.seq < maxSeqSeen) reordered++;
    maxSeqSeen = Math.max(maxSeqSeen, r.seq);
    arrivals.push(r.seq);
    rtt[r.seq] = rttUs / 1000;
    // RFC 3550 §6.4.1 on the reflector → client direction, in arrival order.
    const transit = recvUs - r.serverSendUs;
    if (lastTransit !== undefined) jitterUs += (Math.abs(Number(transit - lastTransit)) - jitterUs) / 16;
    lastTransit = transit;
  });
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.connect(p.session.udpPort, p.endpoint.address, () => resolve());
    });
  } catch (err) {
    sock.close();
    throw new PathError(
      connectFailure(errorCode(err)),
      'connect',
      `cannot send UDP probes to ${p.endpoint.address}:${p.session.udpPort}: ${(err as Error).message}`,
      errorCode(err),
    );
  }

  const t0 = performance.now();
  let sent = 0;
  let blocked = false;
  try {
    await new Promise<void>((resolve) => {
      const tick = () => {
        if (p.signal?.aborted) return resolve();
        const elapsed = performance.now() - t0;
        // Send everything that is due: timers are coarse, the schedule is not.
        const due = Math.min(total, Math.floor((elapsed / 1000) * pps) + 1);
        while (sent < due) {
          const now = nowUs();
          sendUs[sent] = now;
          const pkt = encodeProbe(
            p.session.key,
            {
              type: UDP_TYPE_PROBE,
              flags: 0,
              tos: 0,
              ttl: 0,
              session: p.session.id,
              stream: p.stream,
              seq: sent,
              clientSendUs: now,
              serverRecvUs: 0n,
              serverSendUs: 0n,
              serverReceived: 0,
            },
            buf.length,
          );
          sock.send(pkt);
          sent++;
        }
        if (p.firstReplyTimeoutMs && replies === 0 && elapsed > p.firstReplyTimeoutMs) {
          blocked = true;
          return resolve();
        }
        if (sent >= total) return resolve();
        const nextAt = (sent / pps) * 1000 - (performance.now() - t0);
        setTimeout(tick, Math.max(0, Math.min(nextAt - 1, 20)));
      };
      tick();
    });
    if (!blocked) await abortableDelay(p.drainMs ?? 1000, p.signal);
  } finally {
    sock.close();
  }

  let remote: Awaited<ReturnType<typeof udpStats>>['streams'][string] | undefined;
  if (!blocked) {
    try {
      remote = (await udpStats(p.endpoint, p.session, { timeoutMs: 5000, ...(p.signal ? { signal: p.signal } : {}) })).streams[
        String(p.stream)
      ];
    } catch (err) {
      // A lost statistics request leaves the upstream side unknown; nonsense from the reflector is its failure.
      if (isBadAnswer(err)) throw err;
      remote = undefined;
    }
    checkTally(remote, sent);
  }
  const serverGot = remote ? Buffer.from(remote.bitmap, 'base64') : undefined;
  const from = remote?.bitmapFrom ?? 0;
  // Bit (seq − bitmapFrom). Before the window's start the reflector no longer knows: not counted as lost.
  const reachedServer = (seq: number) =>
    serverGot ? seq < from || ((serverGot[(seq - from) >>> 3] ?? 0) & (1 << ((seq - from) & 7))) !== 0 : false;

  const lost = (seq: number) => gotReply[seq] === 0;
  let upLost = 0;
  let downLost = 0;
  for (let i = 0; i < sent; i++) {
    if (!serverGot) break;
    if (!reachedServer(i)) upLost++;
    else if (lost(i)) downLost++;
  }
  // The targets hold for any window of that length, so the window slides one packet at a time
  // (back-to-back fixed windows would split a burst that straddles their boundary).
  const windowLoss = (size: number) => {
    const w = Math.min(size, sent);
    if (w === 0) return 0;
    let l = 0;
    for (let i = 0; i < w; i++) if (lost(i)) l++;
    let worst = l;
    for (let i = w; i < sent; i++) {
      if (lost(i)) l++;
      if (lost(i - w)) l--;
      worst = Math.max(worst, l);
    }
    return round((100 * worst) / w, 3);
  };

  const values = Array.from(rtt.subarray(0, sent)).filter((v) => !Number.isNaN(v));
  const lossCount = sent - replies;
  const step = Math.max(1, Math.ceil(sent / 300));
  const series: Array<[number, number]> = [];
  for (let i = 0; i < sent; i += step) {
    const v = rtt[i]!;
    if (!Number.isNaN(v)) series.push([round(Number(sendUs[i]! - sendUs[0]!) / 1000, 3), round(v, 3)]);
  }
  return {
    sent,
    replies,
    blocked,
    rttMs: values.length ? percentiles(values) : null,
    jitterUpMs: remote ? round(remote.jitterMs, 3) : null,
    jitterDownMs: replies > 1 ? round(jitterUs / 1000, 3) : null,
    lossPercent: sent ? round((100 * lossCount) / sent, 3) : 0,
    lossUpPercent: serverGot && sent ? round((100 * upLost) / sent, 3) : null,
    lossDownPercent: serverGot && sent - upLost > 0 ? round((100 * downLost) / (sent - upLost), 3) : null,
    worstLoss15sPercent: windowLoss(Math.max(1, Math.round(pps * 15))),
    worstBurst200msPercent: windowLoss(Math.max(1, Math.round(pps * 0.2))),
    reorderPercent: replies ? round((100 * reordered) / replies, 3) : 0,
    reorderUpPercent: remote && remote.received ? round((100 * remote.reordered) / remote.received, 3) : null,
    duplicates: duplicates + (remote?.duplicates ?? 0),
    burstRatio: burstRatio(gotReply, sent),
    series,
  };
}

/**
 * The round trip a reply shows, µs, without the reflector's holding time; undefined when the reply
 * cannot be an answer to the probe sent (a send time that is not ours, a holding time below zero or
 * longer than the whole round trip): such a reply would make a negative or invented delay.
 */
export function replyRoundTripUs(r: UdpProbe, recvUs: bigint, sentUs: bigint | undefined): number | undefined {
  if (sentUs === undefined || r.clientSendUs !== sentUs) return undefined;
  const hold = r.serverSendUs - r.serverRecvUs;
  const total = recvUs - r.clientSendUs;
  if (hold < 0n || total < 0n || hold > total) return undefined;
  return Number(total - hold);
}

export function percentiles(values: number[]): Percentiles {
  const s = [...values].sort((a, b) => a - b);
  const at = (f: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(f * s.length) - 1))]!;
  return {
    min: round(s[0]!, 3),
    p50: round(at(0.5), 3),
    p95: round(at(0.95), 3),
    p99: round(at(0.99), 3),
    max: round(s[s.length - 1]!, 3),
    mean: round(s.reduce((a, b) => a + b, 0) / s.length, 3),
  };
}

/**
 * G.107's BurstR: observed mean length of loss bursts divided by the mean expected if losses were
 * independent (1 / (1 − p)). 1 means random loss; above 1, losses cluster.
 */
export function burstRatio(received: Uint8Array, sent: number): number {
  let bursts = 0;
  let lostTotal = 0;
  let inBurst = false;
  for (let i = 0; i < sent; i++) {
    if (received[i] === 0) {
      lostTotal++;
      if (!inBurst) bursts++;
      inBurst = true;
    } else inBurst = false;
  }
  if (bursts === 0 || lostTotal === sent) return 1;
  const p = lostTotal / sent;
  return round(Math.max(1, lostTotal / bursts / (1 / (1 - p))), 3);
}
