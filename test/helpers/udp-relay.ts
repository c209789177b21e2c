// A UDP relay for probe tests: sits between `runUdpStream` and a reflector on loopback and does
// to the packets exactly what a test tells it — delay them (per direction, per sequence number),
// swap chosen pairs, duplicate or drop chosen packets — and records what it actually did, so a
// test can compare the measurement with the truth instead of with a guess.
//
// The relay is protocol-aware only in one respect: it reads the sequence number of the siteready
// UDP probe header (u32 big-endian at offset 20, see src/probe/protocol.ts) to decide what to do
// with a packet. Probes and replies carry the probe's sequence number, so "seq 100 downstream" is
// the reply to probe 100.
//
// Timing: a packet due at time T (arrival + delay) is sent at T on performance.now()'s clock. A
// plain setTimeout fires up to ~1 ms late (libuv's millisecond clock), which would show up as both
// extra delay and jitter; so the relay sleeps with setTimeout until shortly before T and then
// polls with setImmediate (which lets socket I/O run in between) until T.

import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';

export type RelayDirection = 'up' | 'down';

export interface RelayOptions {
  /** Where the reflector's UDP socket listens. */
  target: { address: string; port: number };
  /** Address the relay listens on (default 127.0.0.1); the port is chosen by the kernel. */
  host?: string;
  /** Extra delay for a packet, ms (default 0: forwarded at once). */
  delayMs?: (direction: RelayDirection, seq: number) => number;
  /** Sequence numbers k whose packet is held until k + 1 has been forwarded, then sent after it. */
  swap?: Partial<Record<RelayDirection, Iterable<number>>>;
  /** Sequence numbers whose packet is forwarded twice (back to back). */
  duplicate?: Partial<Record<RelayDirection, Iterable<number>>>;
  /** Sequence numbers whose packet is not forwarded at all. */
  drop?: Partial<Record<RelayDirection, Iterable<number>>>;
}

export interface RelayCounts {
  received: number;
  forwarded: number;
  /** Pairs actually swapped (k + 1 sent before k). */
  swapped: number;
  /** Extra copies actually sent. */
  duplicated: number;
  dropped: number;
  /** The latest a delayed packet left after its due time, ms (how exact the injected delay was). */
  maxLateMs: number;
  /**
   * RFC 3550 jitter of the delay the relay actually added (departure − arrival, in departure order), ms:
   * what was really injected, its own scheduling lateness included.
   */
  injectedJitterMs: number;
  /** Packets that left after a higher sequence number had already left (reordering the relay caused). */
  outOfOrder: number;
}

export interface UdpRelay {
  address: string;
  port: number;
  counts: Record<RelayDirection, RelayCounts>;
  close(): Promise<void>;
}

const SEQ_OFFSET = 20;

function seqOf(packet: Buffer): number | undefined {
  return packet.length >= SEQ_OFFSET + 4 ? packet.readUInt32BE(SEQ_OFFSET) : undefined;
}

export async function startUdpRelay(opts: RelayOptions): Promise<UdpRelay> {
  const host = opts.host ?? '127.0.0.1';
  const swap = { up: new Set(opts.swap?.up ?? []), down: new Set(opts.swap?.down ?? []) };
  const dup = { up: new Set(opts.duplicate?.up ?? []), down: new Set(opts.duplicate?.down ?? []) };
  const drop = { up: new Set(opts.drop?.up ?? []), down: new Set(opts.drop?.down ?? []) };
  const counts: Record<RelayDirection, RelayCounts> = {
    up: { received: 0, forwarded: 0, swapped: 0, duplicated: 0, dropped: 0, maxLateMs: 0, injectedJitterMs: 0, outOfOrder: 0 },
    down: { received: 0, forwarded: 0, swapped: 0, duplicated: 0, dropped: 0, maxLateMs: 0, injectedJitterMs: 0, outOfOrder: 0 },
  };
  const lastAdded: Record<RelayDirection, number | undefined> = { up: undefined, down: undefined };
  const maxDeparted: Record<RelayDirection, number> = { up: -1, down: -1 };
  const noteAdded = (direction: RelayDirection, added: number) => {
    const prev = lastAdded[direction];
    if (prev !== undefined) counts[direction].injectedJitterMs += (Math.abs(added - prev) - counts[direction].injectedJitterMs) / 16;
    lastAdded[direction] = added;
  };
  let closed = false;
  const timers = new Set<NodeJS.Timeout>();
  const immediates = new Set<NodeJS.Immediate>();

  const sendAt = (due: number, send: () => void) => {
    const poll = () => {
      if (closed) return;
      if (performance.now() >= due) return send();
      const i = setImmediate(() => {
        immediates.delete(i);
        poll();
      });
      immediates.add(i);
    };
    const wait = due - performance.now() - 2;
    if (wait <= 0) return poll();
    const t = setTimeout(() => {
      timers.delete(t);
      poll();
    }, wait);
    timers.add(t);
  };

  const front: Socket = createSocket('udp4');
  front.on('error', () => undefined);
  // One upstream socket per client address:port, so replies find their way back.
  const clients = new Map<string, Socket>();
  const held: Record<RelayDirection, Map<number, Buffer>> = { up: new Map(), down: new Map() };

  const pipeline = (direction: RelayDirection, packet: Buffer, arrived: number, out: (b: Buffer) => void) => {
    counts[direction].received++;
    const seq = seqOf(packet);
    if (seq !== undefined && drop[direction].has(seq)) {
      counts[direction].dropped++;
      return;
    }
    const batch: Array<[number | undefined, Buffer]> = [];
    if (seq !== undefined && swap[direction].has(seq)) {
      held[direction].set(seq, packet);
      return;
    }
    batch.push([seq, packet]);
    if (seq !== undefined && seq > 0 && held[direction].has(seq - 1)) {
      batch.push([seq - 1, held[direction].get(seq - 1)!]);
      held[direction].delete(seq - 1);
      counts[direction].swapped++;
    }
    for (const [s, b] of batch) {
      const copies = s !== undefined && dup[direction].has(s) ? 2 : 1;
      const delay = s !== undefined && opts.delayMs ? opts.delayMs(direction, s) : 0;
      const send = () => {
        noteAdded(direction, performance.now() - arrived);
        if (s !== undefined) {
          if (s < maxDeparted[direction]) counts[direction].outOfOrder++;
          maxDeparted[direction] = Math.max(maxDeparted[direction], s);
        }
        for (let c = 0; c < copies; c++) {
          out(b);
          counts[direction].forwarded++;
          if (c > 0) counts[direction].duplicated++;
        }
      };
      if (delay > 0) {
        const due = arrived + delay;
        sendAt(due, () => {
          counts[direction].maxLateMs = Math.max(counts[direction].maxLateMs, performance.now() - due);
          send();
        });
      } else send();
    }
  };

  front.on('message', (msg, rinfo) => {
    const arrived = performance.now();
    const key = `${rinfo.address}:${rinfo.port}`;
    let back = clients.get(key);
    if (!back) {
      back = createSocket('udp4');
      back.on('error', () => undefined);
      back.on('message', (reply) => {
        const at = performance.now();
        pipeline('down', reply, at, (b) => front.send(b, rinfo.port, rinfo.address));
      });
      back.bind(0, host);
      clients.set(key, back);
    }
    const upstream = back;
    pipeline('up', msg, arrived, (b) => upstream.send(b, opts.target.port, opts.target.address));
  });

  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.bind(0, host, () => resolve());
  });

  return {
    address: host,
    port: front.address().port,
    counts,
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      for (const i of immediates) clearImmediate(i);
      const all = [front, ...clients.values()];
      await Promise.all(all.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
