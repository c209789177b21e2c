// Round trips over the reflector's TCP echo stream: the fallback when UDP gets no answer, so a
// site with UDP blocked still learns its latency (and that media would be relayed over TCP).

import { performance } from 'node:perf_hooks';
import { openTcpStream, type ProbeEndpoint, type ProbeSession } from './client.js';
import { percentiles, type Percentiles } from './udp-stream.js';

export interface TcpRttResult {
  samples: number;
  rttMs: Percentiles | null;
}

export async function tcpEchoRtt(ep: ProbeEndpoint, s: ProbeSession, count: number, intervalMs: number, signal?: AbortSignal): Promise<TcpRttResult> {
  const sock = await openTcpStream(ep, s, 'echo', count * intervalMs + 2000, { timeoutMs: 5000, ...(signal ? { signal } : {}) });
  const rtts: number[] = [];
  try {
    let pending: { seq: number; t0: number; resolve: () => void } | undefined;
    let buffered = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buffered = Buffer.concat([buffered, d]);
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
    for (let i = 0; i < count && !signal?.aborted && !sock.destroyed; i++) {
      const msg = Buffer.alloc(8);
      msg.writeUInt32BE(i, 0);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1000, intervalMs * 5));
        pending = { seq: i, t0: performance.now(), resolve: () => (clearTimeout(timer), resolve()) };
        sock.write(msg);
      });
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  } finally {
    sock.destroy();
  }
  return { samples: rtts.length, rttMs: rtts.length ? percentiles(rtts) : null };
}
