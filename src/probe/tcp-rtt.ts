// Round trips over the reflector's TCP echo stream: the fallback when UDP gets no answer, so a
// site with UDP blocked still learns its latency (and that media would be relayed over TCP).

import { performance } from 'node:perf_hooks';
import { openTcpStream, type ProbeEndpoint, type ProbeSession } from './client.js';
import { percentiles, type Percentiles } from './udp-stream.js';
import { abortableDelay } from '../util/abortable-delay.js';

export interface TcpRttResult {
  samples: number;
  rttMs: Percentiles | null;
}

/** Echoes missed in a row after which the stream is taken for dead (a silent or broken echo). */
const MAX_MISSES = 3;

export async function tcpEchoRtt(
  ep: ProbeEndpoint,
  s: ProbeSession,
  count: number,
  intervalMs: number,
  signal?: AbortSignal,
): Promise<TcpRttResult> {
  const sock = await openTcpStream(ep, s, 'echo', count * intervalMs + 2000, { timeoutMs: 5000, ...(signal ? { signal } : {}) });
  const rtts: number[] = [];
  let pending: { seq: number; t0: number; resolve: () => void } | undefined;
  const onAbort = () => pending?.resolve();
  try {
    let buffered: Buffer = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      // Only whole 8-byte echoes are kept, so what is held never exceeds one read plus 7 bytes.
      buffered = buffered.length ? Buffer.concat([buffered, d]) : d;
      while (buffered.length >= 8) {
        const seq = buffered.readUInt32BE(0);
        buffered = buffered.subarray(8);
        if (pending && seq === pending.seq) {
          rtts.push(performance.now() - pending.t0);
          pending.resolve();
          pending = undefined;
        }
      }
    });
    sock.on('error', () => undefined);
    // A closed stream or an abort ends the wait for the echo at once.
    sock.once('close', () => pending?.resolve());
    signal?.addEventListener('abort', onAbort, { once: true });
    let misses = 0;
    for (let i = 0; i < count && !signal?.aborted && !sock.destroyed && misses < MAX_MISSES; i++) {
      const msg = Buffer.alloc(8);
      msg.writeUInt32BE(i, 0);
      const before = rtts.length;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1000, intervalMs * 5));
        pending = { seq: i, t0: performance.now(), resolve: () => (clearTimeout(timer), resolve()) };
        sock.write(msg);
      });
      pending = undefined;
      misses = rtts.length > before ? 0 : misses + 1;
      await abortableDelay(intervalMs, signal);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    sock.destroy();
  }
  return { samples: rtts.length, rttMs: rtts.length ? percentiles(rtts) : null };
}
