// UDP probe measurements against known impairments: a relay (test/helpers/udp-relay.ts) between
// `runUdpStream` and a real reflector (`siteready serve` on loopback, its own process) delays,
// swaps, duplicates and drops packets exactly as told, and the measured RTT, RFC 3550 jitter per
// direction, reordering, duplicates and loss windows must match what the relay did.
//
// The probes go client → relay → reflector and back; the HTTP control channel (session, the
// reflector's per-stream statistics) goes to the reflector directly: the endpoint keeps the
// reflector's TCP port, and the session's udpPort is replaced by the relay's port.

import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { startProcess, tempDir, type Peer, type TempDir } from '../helpers/peers.js';
import { startUdpRelay, type RelayOptions, type UdpRelay } from '../helpers/udp-relay.js';
import { closeSession, openSession, udpStats, type ProbeEndpoint, type ProbeSession } from '../../src/probe/client.js';
import { runUdpStream, type UdpStreamResult } from '../../src/probe/udp-stream.js';

const TOKEN = `relay-test-${process.pid}-0123456789abcdef`;
const PPS = 200;
// The delay phases send 100 probes/s: 10 ms between probes, far more than the alternating delay
// difference, so alternating delays never reorder probes even when one leaves a little late.
const DELAY_PPS = 100;
const SIZE = 200;
const D = 15; // ms, each way
const DELTA = 3; // ms, the alternating extra delay

// The injected delays are only as exact as the scheduler lets the relay, the client and the
// reflector run on time: on a busy machine a process that is runnable but not running adds
// milliseconds to whatever packet it holds — jitter nobody injected (seen here: tens of ms, and
// 50 ms garbage collections whose helper threads waited behind other processes). So the timing-
// critical processes run under SCHED_FIFO when the kernel allows it (root: it does): every thread
// of this test process (its main thread runs the relay and the client; V8's GC helpers must not
// be starved while it waits for them) and the reflector. They sleep between packets (the relay
// polls for at most ~2 ms before each delayed packet is due), and the kernel's RT throttling keeps
// 5 % of every CPU for everyone else anyway. The policy is set back to normal in afterAll.
const RT_PRIORITY = '10';
function realtime(pid: number): boolean {
  return spawnSync('chrt', ['-a', '-f', '-p', RT_PRIORITY, String(pid)], { stdio: 'ignore' }).status === 0;
}
function normal(pid: number): void {
  spawnSync('chrt', ['-a', '-o', '-p', '0', String(pid)], { stdio: 'ignore' });
}

async function startReflectorProcess(tokenFile: string, rt: boolean): Promise<{ peer: Peer; port: number; udpPort: number }> {
  // Port 0: the kernel picks the TCP port and the reflector binds UDP to the same number; if that
  // UDP port happens to be taken, the reflector exits and another port is tried.
  let last: unknown;
  const [cmd, ...pre] = rt ? ['chrt', '-f', RT_PRIORITY, process.execPath] : [process.execPath];
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const peer = await startProcess(cmd!, [...pre, BIN, 'serve', '--listen', '127.0.0.1:0', '--token-file', tokenFile, '--quiet'], {
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
  let rt = false;
  let reflector: { peer: Peer; port: number; udpPort: number } | undefined;
  let endpoint: ProbeEndpoint;
  const relays: UdpRelay[] = [];
  const sessions: ProbeSession[] = [];
  let stream = 0;

  beforeAll(async () => {
    tmp = await tempDir('sr-relay-');
    const tokenFile = join(tmp.path, 'token');
    await writeFile(tokenFile, TOKEN, { mode: 0o600 });
    rt = realtime(process.pid);
    reflector = await startReflectorProcess(tokenFile, rt);
    endpoint = { address: '127.0.0.1', port: reflector.port, host: '127.0.0.1', token: TOKEN, connectTimeoutMs: 2000 };
  }, 30_000);

  afterAll(async () => {
    if (rt) normal(process.pid);
    for (const r of relays) await r.close();
    for (const s of sessions) await closeSession(endpoint, s);
    await reflector?.peer.stop();
    await tmp?.remove();
  });

  /** One stream through a fresh relay; returns the result, the relay and the reflector's own counts. */
  async function throughRelay(plan: Omit<RelayOptions, 'target'>, durationMs: number, pps = PPS) {
    const relay = await startUdpRelay({ ...plan, target: { address: '127.0.0.1', port: reflector!.udpPort } });
    relays.push(relay);
    const session = await openSession(endpoint, { timeoutMs: 5000 });
    sessions.push(session);
    const id = ++stream;
    const result: UdpStreamResult = await runUdpStream({
      endpoint: { ...endpoint, address: relay.address },
      session: { ...session, udpPort: relay.port },
      stream: id,
      pps,
      size: SIZE,
      durationMs,
      drainMs: 500,
    });
    const remote = (await udpStats(endpoint, session, { timeoutMs: 5000 })).streams[String(id)]!;
    await relay.close();
    return { result, relay, remote };
  }

  // The round trip through the relay when it forwards at once (loopback, three processes' worth of
  // socket hops): measured once, by the first test or by whichever test needs it first.
  let baselineRun: ReturnType<typeof throughRelay> | undefined;
  const baselineStream = () => (baselineRun ??= throughRelay({}, 3000, DELAY_PPS));

  it('baseline: the relay forwarding at once adds no loss and no reordering', async () => {
    const { result, relay } = await baselineStream();
    expect(result.sent).toBe(300);
    expect(result.replies).toBe(300);
    expect(relay.counts.up.forwarded).toBe(300);
    expect(relay.counts.down.forwarded).toBe(300);
    expect(result.reorderPercent).toBe(0);
    expect(result.duplicates).toBe(0);
    console.log(`relay baseline: RTT p50 ${result.rttMs!.p50} ms, jitter up ${result.jitterUpMs} ms, down ${result.jitterDownMs} ms`);
  });

  it(`constant ${D} ms each way: RTT p50 = 2·${D} ms + baseline (± 1 ms), jitter ≈ 0 (± 1 ms) both ways`, async () => {
    const baseline = (await baselineStream()).result.rttMs!.p50;
    const { result, relay } = await throughRelay({ delayMs: () => D }, 3000, DELAY_PPS);
    console.log(
      `constant delay: RTT p50 ${result.rttMs!.p50} ms (expected ${2 * D + baseline}), jitter up ${result.jitterUpMs} ms, down ${result.jitterDownMs} ms (injected ${relay.counts.up.injectedJitterMs.toFixed(3)} / ${relay.counts.down.injectedJitterMs.toFixed(3)}); relay at most ${relay.counts.up.maxLateMs.toFixed(3)} / ${relay.counts.down.maxLateMs.toFixed(3)} ms late`,
    );
    expect(result.replies).toBe(result.sent);
    expect(Math.abs(result.rttMs!.p50 - (2 * D + baseline))).toBeLessThanOrEqual(1);
    // "Injected" is what the relay really did, its own scheduling included: on a loaded machine a
    // relay written in JavaScript cannot hold 15 ms to the microsecond, and that is not the probe's error.
    expect(Math.abs(result.jitterUpMs! - relay.counts.up.injectedJitterMs)).toBeLessThanOrEqual(1);
    expect(Math.abs(result.jitterDownMs! - relay.counts.down.injectedJitterMs)).toBeLessThanOrEqual(1);
    expect(result.reorderPercent).toBe(0);
  });

  it(`alternating ${D} / ${D + DELTA} ms, complementary per direction: jitter ≈ ${DELTA} ms each way, RTT constant`, async () => {
    // Upstream: even sequence numbers wait D, odd ones D + δ; downstream the other way round. Every
    // round trip is then 2D + δ, while in each direction consecutive transit times differ by δ:
    // RFC 3550 gives J_n = J_(n-1) + (δ − J_(n-1)) / 16, i.e. J_n = δ · (1 − (15/16)^(n−1)) after
    // n packets (J_1 = 0), which the test computes for the packets actually received.
    const baseline = (await baselineStream()).result.rttMs!.p50;
    const up = (seq: number) => (seq % 2 === 0 ? D : D + DELTA);
    const down = (seq: number) => (seq % 2 === 0 ? D + DELTA : D);
    const { result, remote, relay } = await throughRelay({ delayMs: (dir, seq) => (dir === 'up' ? up(seq) : down(seq)) }, 3000, DELAY_PPS);
    const expectedJitter = (n: number) => DELTA * (1 - (15 / 16) ** (n - 1));
    console.log(
      `alternating delay: RTT p50 ${result.rttMs!.p50} ms (expected ${2 * D + DELTA + baseline}), jitter up ${result.jitterUpMs} ms (expected ${expectedJitter(remote.received).toFixed(3)}), down ${result.jitterDownMs} ms (expected ${expectedJitter(result.replies).toFixed(3)}); relay at most ${relay.counts.up.maxLateMs.toFixed(3)} / ${relay.counts.down.maxLateMs.toFixed(3)} ms late`,
    );
    expect(result.replies).toBe(result.sent);
    // Delays that differ by δ reorder packets that reach the relay less than δ apart (a sender catching up
    // on its schedule sends some back to back): then the reordering is real, and the relay counted it.
    const relayLate = Math.max(relay.counts.up.maxLateMs, relay.counts.down.maxLateMs);
    // (Upstream and downstream swaps can also cancel out on the round trip, so only "none caused" is exact.)
    if (relay.counts.up.outOfOrder + relay.counts.down.outOfOrder === 0) expect(result.reorderPercent).toBe(0);
    expect(Math.abs(result.rttMs!.p50 - (2 * D + DELTA + baseline))).toBeLessThanOrEqual(1);
    // Against what the relay really injected (its own lateness included) …
    expect(Math.abs(result.jitterUpMs! - relay.counts.up.injectedJitterMs)).toBeLessThanOrEqual(1);
    expect(Math.abs(result.jitterDownMs! - relay.counts.down.injectedJitterMs)).toBeLessThanOrEqual(1);
    // … and, when the relay kept time, against the formula for the schedule it was given.
    if (relayLate < 1) {
      expect(Math.abs(result.jitterUpMs! - expectedJitter(remote.received))).toBeLessThanOrEqual(1);
      expect(Math.abs(result.jitterDownMs! - expectedJitter(result.replies))).toBeLessThanOrEqual(1);
    }
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
    expect(result.duplicates - remote.duplicates).toBe(dupDown.length);
    expect(result.replies).toBe(result.sent);
    expect(result.lossPercent).toBe(0);
    expect(result.reorderPercent).toBe(0);
  });

  it('a 200 ms outage straddling window boundaries: the worst 200 ms window is 100 % lost; loss and burstiness exact', async () => {
    // 200 probes/s: 200 ms is 40 probes. Upstream, probes 60..99 vanish (one 200 ms outage, across
    // the boundary at 80 that fixed back-to-back windows would put in the middle); downstream, the
    // replies to 300..309 (50 ms).
    const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
    const { result, relay } = await throughRelay({ drop: { up: range(60, 40), down: range(300, 10) } }, 3000);
    const sent = 600;
    const r3 = (n: number) => Math.round(n * 1000) / 1000;
    expect(result.sent).toBe(sent);
    expect(relay.counts.up.dropped).toBe(40);
    expect(relay.counts.down.dropped).toBe(10);
    expect(result.replies).toBe(sent - 50);
    expect(result.lossUpPercent).toBe(r3((100 * 40) / sent));
    expect(result.lossDownPercent).toBe(r3((100 * 10) / (sent - 40)));
    expect(result.lossPercent).toBe(r3((100 * 50) / sent));
    expect(result.worstBurst200msPercent).toBe(100);
    // The stream is shorter than 15 s: its worst 15 s window is all of it.
    expect(result.worstLoss15sPercent).toBe(r3((100 * 50) / sent));
    // G.107 BurstR: mean burst length observed (50 lost in 2 bursts) over 1 / (1 − p) for random loss.
    expect(result.burstRatio).toBe(r3((50 / 2) * (1 - 50 / sent)));
  });
});
