// UDP probe measurements against known impairments: a relay (test/helpers/udp-relay.ts) between
// `runUdpStream` and a real reflector (`siteready serve` on loopback, its own process) delays,
// swaps and duplicates packets exactly as told, and the measured RTT, RFC 3550 jitter per
// direction, reordering and duplicates must match what the relay did.
//
// The probes go client → relay → reflector and back; the HTTP control channel (session, the
// reflector's per-stream statistics) goes to the reflector directly: the endpoint keeps the
// reflector's TCP port, and the session's udpPort is replaced by the relay's port.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startProcess, tempDir, type Peer, type TempDir } from '../helpers/peers.js';
import { startUdpRelay, type RelayOptions, type UdpRelay } from '../helpers/udp-relay.js';
import { closeSession, openSession, udpStats, type ProbeEndpoint, type ProbeSession } from '../../src/probe/client.js';
import { runUdpStream, type UdpStreamResult } from '../../src/probe/udp-stream.js';

const TOKEN = `relay-test-${process.pid}-0123456789abcdef`;
const PPS = 200; // 5 ms between probes: the injected delay differences stay below it (no reordering)
const SIZE = 200;
const D = 15; // ms, each way
const DELTA = 3; // ms, the alternating extra delay

async function startReflectorProcess(tokenFile: string): Promise<{ peer: Peer; port: number; udpPort: number }> {
  // Port 0: the kernel picks the TCP port and the reflector binds UDP to the same number; if that
  // UDP port happens to be taken, the reflector exits and another port is tried.
  let last: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const peer = await startProcess(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--token-file', tokenFile, '--quiet'], {
        name: 'reflector',
        ready: /reflector on \S+:\d+ \(tcp\) and \S+:\d+ \(udp\)/,
        timeoutMs: 15_000,
      });
      const m = /reflector on \S+:(\d+) \(tcp\) and \S+:(\d+) \(udp\)/.exec(peer.output())!;
      return { peer, port: Number(m[1]), udpPort: Number(m[2]) };
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

describe('UDP probe measurements through an impairing relay', () => {
  let tmp: TempDir | undefined;
  let reflector: { peer: Peer; port: number; udpPort: number } | undefined;
  let endpoint: ProbeEndpoint;
  const relays: UdpRelay[] = [];
  const sessions: ProbeSession[] = [];
  let stream = 0;

  beforeAll(async () => {
    tmp = await tempDir('sr-relay-');
    const tokenFile = join(tmp.path, 'token');
    await writeFile(tokenFile, TOKEN, { mode: 0o600 });
    reflector = await startReflectorProcess(tokenFile);
    endpoint = { address: '127.0.0.1', port: reflector.port, host: '127.0.0.1', token: TOKEN, connectTimeoutMs: 2000 };
  }, 30_000);

  afterAll(async () => {
    for (const r of relays) await r.close();
    for (const s of sessions) await closeSession(endpoint, s);
    await reflector?.peer.stop();
    await tmp?.remove();
  });

  /** One stream through a fresh relay; returns the result, the relay and the reflector's own counts. */
  async function throughRelay(plan: Omit<RelayOptions, 'target'>, durationMs: number) {
    const relay = await startUdpRelay({ ...plan, target: { address: '127.0.0.1', port: reflector!.udpPort } });
    relays.push(relay);
    const session = await openSession(endpoint, { timeoutMs: 5000 });
    sessions.push(session);
    const id = ++stream;
    const result: UdpStreamResult = await runUdpStream({
      endpoint: { ...endpoint, address: relay.address },
      session: { ...session, udpPort: relay.port },
      stream: id,
      pps: PPS,
      size: SIZE,
      durationMs,
      drainMs: 500,
    });
    const remote = (await udpStats(endpoint, session, { timeoutMs: 5000 })).streams[String(id)]!;
    await relay.close();
    return { result, relay, remote };
  }

  let baseline = NaN;

  it('baseline: the relay forwarding at once adds no loss and no reordering', async () => {
    const { result, relay } = await throughRelay({}, 2000);
    expect(result.sent).toBe(400);
    expect(result.replies).toBe(400);
    expect(relay.counts.up.forwarded).toBe(400);
    expect(relay.counts.down.forwarded).toBe(400);
    expect(result.reorderPercent).toBe(0);
    expect(result.duplicates).toBe(0);
    baseline = result.rttMs!.p50;
    console.log(`relay baseline: RTT p50 ${baseline} ms, jitter up ${result.jitterUpMs} ms, down ${result.jitterDownMs} ms`);
  });

  it(`constant ${D} ms each way: RTT p50 = 2·${D} ms + baseline (± 1 ms), jitter ≈ 0 (± 1 ms) both ways`, async () => {
    const { result } = await throughRelay({ delayMs: () => D }, 3000);
    console.log(`constant delay: RTT p50 ${result.rttMs!.p50} ms (expected ${2 * D + baseline}), jitter up ${result.jitterUpMs} ms, down ${result.jitterDownMs} ms`);
    expect(result.replies).toBe(result.sent);
    expect(Math.abs(result.rttMs!.p50 - (2 * D + baseline))).toBeLessThanOrEqual(1);
    expect(result.jitterUpMs!).toBeLessThanOrEqual(1);
    expect(result.jitterDownMs!).toBeLessThanOrEqual(1);
    expect(result.reorderPercent).toBe(0);
  });

  it(`alternating ${D} / ${D + DELTA} ms, complementary per direction: jitter ≈ ${DELTA} ms each way, RTT constant`, async () => {
    // Upstream: even sequence numbers wait D, odd ones D + δ; downstream the other way round. Every
    // round trip is then 2D + δ, while in each direction consecutive transit times differ by δ:
    // RFC 3550 gives J_n = J_(n-1) + (δ − J_(n-1)) / 16, i.e. J_n = δ · (1 − (15/16)^(n−1)) after
    // n packets (J_1 = 0), which the test computes for the packets actually received.
    const up = (seq: number) => (seq % 2 === 0 ? D : D + DELTA);
    const down = (seq: number) => (seq % 2 === 0 ? D + DELTA : D);
    const { result, remote } = await throughRelay({ delayMs: (dir, seq) => (dir === 'up' ? up(seq) : down(seq)) }, 3000);
    const expectedJitter = (n: number) => DELTA * (1 - (15 / 16) ** (n - 1));
    console.log(
      `alternating delay: RTT p50 ${result.rttMs!.p50} ms (expected ${2 * D + DELTA + baseline}), jitter up ${result.jitterUpMs} ms (expected ${expectedJitter(remote.received).toFixed(3)}), down ${result.jitterDownMs} ms (expected ${expectedJitter(result.replies).toFixed(3)})`,
    );
    expect(result.replies).toBe(result.sent);
    expect(result.reorderPercent).toBe(0);
    expect(Math.abs(result.rttMs!.p50 - (2 * D + DELTA + baseline))).toBeLessThanOrEqual(1);
    expect(Math.abs(result.jitterUpMs! - expectedJitter(remote.received))).toBeLessThanOrEqual(1);
    expect(Math.abs(result.jitterDownMs! - expectedJitter(result.replies))).toBeLessThanOrEqual(1);
  });

  it('swapped pairs are counted exactly, per direction', async () => {
    const swapUp = [100, 250, 400, 550];
    const swapDown = [175, 325, 475];
    const { result, relay, remote } = await throughRelay({ swap: { up: swapUp, down: swapDown } }, 4000);
    expect(relay.counts.up.swapped).toBe(swapUp.length);
    expect(relay.counts.down.swapped).toBe(swapDown.length);
    expect(result.replies).toBe(result.sent);
    // Upstream: the reflector saw exactly the relay's upstream swaps.
    expect(remote.reordered).toBe(swapUp.length);
    expect(Math.round((result.reorderUpPercent! * remote.received) / 100)).toBe(swapUp.length);
    // The replies: an upstream swap is answered in swapped order, so the client sees both
    // directions' swaps; downstream alone is the difference.
    const roundTrip = Math.round((result.reorderPercent * result.replies) / 100);
    expect(roundTrip).toBe(swapUp.length + swapDown.length);
    expect(roundTrip - remote.reordered).toBe(swapDown.length);
    expect(result.duplicates).toBe(0);
  });

  it('duplicated packets are counted exactly, once each, per direction', async () => {
    const dupUp = [50, 300, 600];
    const dupDown = [120, 420];
    const { result, relay, remote } = await throughRelay({ duplicate: { up: dupUp, down: dupDown } }, 4000);
    expect(relay.counts.up.duplicated).toBe(dupUp.length);
    expect(relay.counts.down.duplicated).toBe(dupDown.length);
    expect(remote.duplicates).toBe(dupUp.length);
    expect(result.duplicates).toBe(dupUp.length + dupDown.length);
    expect(result.replies).toBe(result.sent);
    expect(result.lossPercent).toBe(0);
    expect(result.reorderPercent).toBe(0);
  });
});
