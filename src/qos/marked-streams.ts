// Marked probe streams against the reflector, one per traffic class, interleaved on one socket:
// every probe leaves with its class's DSCP and asks for a reply marked the same. What the forward
// path did to the marks, the reflector counts (every probe that reached it); what the return path
// did, this side reads from each reply. Round trips and loss per stream come along, for comparing
// classes while the link is loaded.

import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { checkTally, isBadAnswer, udpStats, type ProbeEndpoint, type ProbeSession, type RemoteUdpStream } from '../probe/client.js';
import {
  UDP_FLAG_MARK_REPLY,
  UDP_FLAG_MARKS_READ,
  UDP_FLAG_REPLY_MARKED,
  UDP_TYPE_PROBE,
  UDP_TYPE_REPLY,
  encodeProbe,
  nowUs,
  peekProbe,
  verifyProbeMac,
} from '../probe/protocol.js';
import { percentiles, replyRoundTripUs, type Percentiles } from '../probe/udp-stream.js';
import { abortableDelay } from '../util/abortable-delay.js';
import type { DscpSupport, MarkedDatagram } from '../net/dscp.js';
import { round } from '../util/number.js';

export interface MarkedStreamSpec {
  stream: number;
  dscp: number;
}

export interface MarkedStreamsParams {
  endpoint: ProbeEndpoint;
  session: ProbeSession;
  dscp: Extract<DscpSupport, { available: true }>;
  streams: MarkedStreamSpec[];
  /** Packets per second, per stream. */
  pps: number;
  size: number;
  durationMs: number;
  drainMs: number;
  signal?: AbortSignal;
}

export interface TtlRange {
  min: number;
  max: number;
}

export interface MarkedStreamResult {
  stream: number;
  dscp: number;
  sent: number;
  replies: number;
  /** Probes that reached the reflector, by the DSCP they arrived with. */
  forward: Map<number, number>;
  /** Replies that reached us, by the DSCP they arrived with. */
  returned: Map<number, number>;
  /** ECN field (0–3) of the same packets. */
  forwardEcn: Map<number, number>;
  returnEcn: Map<number, number>;
  /** Where the forward counts came from: the reflector's tally, or the echoes in the replies that came back. */
  forwardSource: 'reflector' | 'replies';
  /** Replies the reflector marked as asked (0 from a reflector that cannot). */
  repliesMarked: number;
  reflectorReceived: number | null;
  rttMs: Percentiles | null;
  lossPercent: number;
  lossUpPercent: number | null;
  lossDownPercent: number | null;
  /** Hops each way, from the TTL / hop limit sent and seen (null when unknown). */
  hops: { forward: number | null; return: number | null };
  ttl: { forward: TtlRange | null; return: TtlRange | null };
}

interface StreamState {
  spec: MarkedStreamSpec;
  sent: number;
  /** Send time of each probe, µs: a reply must echo it. */
  sentUs: bigint[];
  got: Uint8Array;
  rtt: number[];
  replies: number;
  repliesMarked: number;
  returned: Map<number, number>;
  returnEcn: Map<number, number>;
  echoForward: Map<number, number>;
  echoForwardEcn: Map<number, number>;
  echoTtl: TtlRange | null;
  returnTtl: TtlRange | null;
}

const bump = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
const widen = (r: TtlRange | null, v: number): TtlRange => (r ? { min: Math.min(r.min, v), max: Math.max(r.max, v) } : { min: v, max: v });

export async function runMarkedStreams(p: MarkedStreamsParams): Promise<MarkedStreamResult[]> {
  // The reflector's rate limit is per session: the streams share it.
  const pps = Math.max(1, Math.min(p.pps, Math.floor((p.session.limits.maxUdpPps ?? 5000) / Math.max(1, p.streams.length))));
  const total = Math.max(1, Math.floor((p.durationMs / 1000) * pps));
  const states = new Map<number, StreamState>(
    p.streams.map((spec) => [
      spec.stream,
      {
        spec,
        sent: 0,
        sentUs: new Array<bigint>(total),
        got: new Uint8Array(total),
        rtt: [],
        replies: 0,
        repliesMarked: 0,
        returned: new Map(),
        returnEcn: new Map(),
        echoForward: new Map(),
        echoForwardEcn: new Map(),
        echoTtl: null,
        returnTtl: null,
      },
    ]),
  );
  const v6 = isIP(p.endpoint.address) === 6;

  const size = Math.max(64, Math.min(1472, p.size));
  const onDatagrams = (batch: MarkedDatagram[]) => {
    const recvUs = nowUs();
    for (const d of batch) {
      // A reply is the probe's own buffer sent back: any other size is not the reflector's answer.
      if (d.port !== p.session.udpPort || d.truncated || d.data.length !== size) continue;
      const r = peekProbe(d.data);
      if (!r || r.type !== UDP_TYPE_REPLY || r.session !== p.session.id) continue;
      const st = states.get(r.stream);
      if (!st || r.seq >= total || st.got[r.seq] || !verifyProbeMac(p.session.key, d.data)) continue;
      const rttUs = replyRoundTripUs(r, recvUs, st.sentUs[r.seq]);
      if (rttUs === undefined) continue;
      st.got[r.seq] = 1;
      st.replies++;
      st.rtt.push(rttUs / 1000);
      if (r.flags & UDP_FLAG_REPLY_MARKED) st.repliesMarked++;
      if (d.tos >= 0) {
        bump(st.returned, d.tos >> 2);
        bump(st.returnEcn, d.tos & 3);
      }
      if (d.ttl >= 0) st.returnTtl = widen(st.returnTtl, d.ttl);
      if (r.flags & UDP_FLAG_MARKS_READ) {
        bump(st.echoForward, r.tos >> 2);
        bump(st.echoForwardEcn, r.tos & 3);
        st.echoTtl = widen(st.echoTtl, r.ttl);
      }
    }
  };
  const sock = p.dscp.openUdp(v6 ? 6 : 4, onDatagrams);
  try {
    sock.bind(v6 ? '::' : '0.0.0.0', 0);
  } catch (err) {
    sock.close();
    throw err;
  }
  const initial = sock.initialTtl();
  const sendTtl = v6 ? initial.hopLimit : initial.ttl;

  const buf = Buffer.alloc(size);
  const t0 = performance.now();
  let index = 0;
  try {
    await new Promise<void>((resolve) => {
      const tick = () => {
        if (p.signal?.aborted) return resolve();
        const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * pps) + 1);
        // Everything due goes out, the classes interleaved so they see the same path at the same time.
        for (; index < due; index++) {
          for (const st of states.values()) {
            const tos = st.spec.dscp << 2;
            const now = nowUs();
            st.sentUs[index] = now;
            const pkt = encodeProbe(
              p.session.key,
              {
                type: UDP_TYPE_PROBE,
                flags: UDP_FLAG_MARK_REPLY,
                tos: 0,
                ttl: 0,
                session: p.session.id,
                stream: st.spec.stream,
                seq: index,
                clientSendUs: now,
                serverRecvUs: 0n,
                serverSendUs: 0n,
                serverReceived: 0,
                replyTos: tos,
                probeTos: tos,
              },
              buf.length,
            );
            // A full send buffer (−EAGAIN) is a packet lost here: it still counts as sent.
            sock.send(pkt, p.endpoint.address, p.session.udpPort, tos);
            st.sent++;
          }
        }
        if (index >= total) return resolve();
        const nextAt = (index / pps) * 1000 - (performance.now() - t0);
        setTimeout(tick, Math.max(0, Math.min(nextAt - 1, 20)));
      };
      tick();
    });
    await abortableDelay(p.drainMs, p.signal);
  } finally {
    sock.close();
  }

  let remote: Record<string, RemoteUdpStream> | undefined;
  try {
    remote = (await udpStats(p.endpoint, p.session, { timeoutMs: 5000, ...(p.signal ? { signal: p.signal } : {}) })).streams;
  } catch (err) {
    // A lost statistics request leaves the forward path to the replies' echoes; nonsense from the reflector is its failure.
    if (isBadAnswer(err)) throw err;
    remote = undefined;
  }
  for (const st of states.values()) checkTally(remote?.[String(st.spec.stream)], st.sent);
  // Hop counts: what each side's packets leave with, minus what they arrive with.
  const reflectorTtl = p.session.qos ? (v6 ? p.session.qos.hopLimit : p.session.qos.ttl) : -1;
  return [...states.values()].map((st) => summarise(st, remote?.[String(st.spec.stream)], remote !== undefined, sendTtl, reflectorTtl));
}

function summarise(
  st: StreamState,
  remote: RemoteUdpStream | undefined,
  statsFetched: boolean,
  sendTtl: number,
  reflectorTtl: number,
): MarkedStreamResult {
  // The reflector's own tally counts every probe that reached it, even when its reply was lost.
  const fromReflector = remote?.tos !== undefined || (statsFetched && !remote);
  const forward = new Map<number, number>();
  const forwardEcn = new Map<number, number>();
  if (fromReflector) {
    for (const [tos, n] of Object.entries(remote?.tos ?? {})) {
      const t = Number(tos);
      if (!(t >= 0 && t <= 255) || !(n > 0)) continue;
      forward.set(t >> 2, (forward.get(t >> 2) ?? 0) + n);
      forwardEcn.set(t & 3, (forwardEcn.get(t & 3) ?? 0) + n);
    }
  }
  const reflectorReceived = statsFetched ? (remote?.received ?? 0) : null;
  const forwardTtl = fromReflector
    ? remote?.ttl?.min != null && remote.ttl.max != null
      ? { min: remote.ttl.min, max: remote.ttl.max }
      : null
    : st.echoTtl;
  return {
    stream: st.spec.stream,
    dscp: st.spec.dscp,
    sent: st.sent,
    replies: st.replies,
    forward: fromReflector ? forward : st.echoForward,
    returned: st.returned,
    forwardEcn: fromReflector ? forwardEcn : st.echoForwardEcn,
    returnEcn: st.returnEcn,
    forwardSource: fromReflector ? 'reflector' : 'replies',
    repliesMarked: st.repliesMarked,
    reflectorReceived,
    rttMs: st.rtt.length ? percentiles(st.rtt) : null,
    lossPercent: st.sent ? round((100 * (st.sent - st.replies)) / st.sent, 3) : 0,
    lossUpPercent: reflectorReceived !== null && st.sent ? round((100 * Math.max(0, st.sent - reflectorReceived)) / st.sent, 3) : null,
    lossDownPercent: reflectorReceived ? round((100 * Math.max(0, reflectorReceived - st.replies)) / reflectorReceived, 3) : null,
    hops: {
      forward: forwardTtl && sendTtl > 0 ? Math.max(0, sendTtl - forwardTtl.max) : null,
      return: st.returnTtl && reflectorTtl > 0 ? Math.max(0, reflectorTtl - st.returnTtl.max) : null,
    },
    ttl: { forward: forwardTtl, return: st.returnTtl },
  };
}
