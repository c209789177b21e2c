// The media stream with a STUN server as its far end, against a real coturn inside a network
// namespace of its own, next to a reflector (`siteready serve`) on the same path:
//
// - iptables drops 3 % of the Binding requests at random on their way in (`-m statistic --mode
//   random`, the namespace's INPUT chain): the measured loss must be 3 ± 1.5 points. The stream
//   is the video cadence for 15 s, 2,400 requests: the binomial standard deviation of the measured
//   loss is √(0.03 · 0.97 / 2400) = 0.35 points, so ± 1.5 points is 4.3 σ (a chance failure about
//   once in 100,000 runs).
// - Without the drops, the round trips and the jitter measured against coturn must agree with the
//   reflector's stream on the same veth, both streams running side by side: both are well under a
//   millisecond there, so the medians must be within 0.5 ms of each other, and the round-trip
//   jitter within 1 ms of the same estimator over the reflector's round trips.
// - `siteready run latency stun:<ns ip>:<port> --json` exits 0 with the loss and transport 'stun'.
//
// All traffic goes to the namespace's own address.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, requireTool, runCli } from '../helpers/cli.js';
import { createNetns, netnsSupported, type Netns } from '../helpers/netns.js';
import { delay, hasTool, tempDir, type TempDir } from '../helpers/peers.js';
import { stunBinding } from '../../src/net/stun-client.js';
import { closeSession, openSession, type ProbeEndpoint, type ProbeSession } from '../../src/probe/client.js';
import { MEDIA_PROFILES } from '../../src/probe/media-profiles.js';
import { junkTotal, runStunStream } from '../../src/probe/stun-stream.js';
import { runUdpStream } from '../../src/probe/udp-stream.js';

const available = requireTool(netnsSupported() && hasTool('turnserver'), 'root with ip netns and iptables, and coturn (turnserver)');

const TOKEN = `stun-latency-${process.pid}-0123456789abcdef`;
const REFLECTOR_PORT = 7000; // TCP and UDP, inside a namespace of our own
const STUN_PORT = 3478;
const PROBABILITY = 0.03;
const TOLERANCE_POINTS = 1.5;
const VIDEO_PPS = MEDIA_PROFILES.video!.pps;
const LOSS_DURATION_MS = 15_000;
const AGREEMENT_MS = 0.5;
// The RFC 3550 estimator weighs the last few dozen packets most: on a loaded two-core runner one
// scheduling hiccup near the end moves it by tenths of a millisecond, so its bound is wider.
const JITTER_AGREEMENT_MS = 1;

/** RFC 3550 §6.4.1's estimator over successive round trips, ms. */
function rttJitter(rtts: number[]): number {
  let j = 0;
  for (let i = 1; i < rtts.length; i++) j += (Math.abs(rtts[i]! - rtts[i - 1]!) - j) / 16;
  return j;
}

describe.skipIf(!available)('a STUN server as the far end of the media stream', () => {
  let ns: Netns | undefined;
  let tmp: TempDir | undefined;
  let endpoint: ProbeEndpoint;
  const sessions: ProbeSession[] = [];

  beforeAll(async () => {
    tmp = await tempDir('sr-stun-latency-');
    const tokenFile = join(tmp.path, 'token');
    await writeFile(tokenFile, TOKEN, { mode: 0o600 });
    ns = await createNetns();
    await ns.start([process.execPath, BIN, 'serve', '--listen', `${ns.nsIp}:${REFLECTOR_PORT}`, '--token-file', tokenFile, '--quiet'], {
      name: 'reflector',
      ready: /siteready reflector on/,
      timeoutMs: 15_000,
    });
    await ns.start(
      [
        'turnserver',
        '-n',
        '--listening-ip',
        ns.nsIp,
        '--relay-ip',
        ns.nsIp,
        '--listening-port',
        String(STUN_PORT),
        '--min-port',
        '40000',
        '--max-port',
        '40049',
        '--no-tls',
        '--no-dtls',
        '--no-cli',
        '--fingerprint',
        '--lt-cred-mech',
        '--realm',
        'test.local',
        '--user',
        'alice:secret',
        '--userdb',
        join(tmp.path, 'turndb'),
        '--pidfile',
        join(tmp.path, 'turnserver.pid'),
        '--log-file',
        'stdout',
        '--simple-log',
      ],
      { name: 'coturn', ready: /Total General servers|SQLite DB connection success/, timeoutMs: 15_000 },
    );
    // The log says the servers exist; a Binding answered says the UDP listener is open.
    for (let i = 0; ; i++) {
      const ok = await stunBinding({ transport: 'udp', address: ns.nsIp, port: STUN_PORT }, { timeoutMs: 300 }).then(
        () => true,
        () => false,
      );
      if (ok) break;
      if (i > 30) throw new Error('coturn never answered a Binding request');
      await delay(100);
    }
    endpoint = { address: ns.nsIp, port: REFLECTOR_PORT, host: ns.nsIp, token: TOKEN, connectTimeoutMs: 3000 };
  }, 40_000);

  afterAll(async () => {
    for (const s of sessions) await closeSession(endpoint, s).catch(() => undefined);
    await ns?.destroy();
    await tmp?.remove();
  });

  it('3 % of the Binding requests dropped on the way in: measured loss 3 ± 1.5 points', async () => {
    const rule = [
      '-p',
      'udp',
      '--dport',
      String(STUN_PORT),
      '-m',
      'statistic',
      '--mode',
      'random',
      '--probability',
      String(PROBABILITY),
      '-j',
      'DROP',
    ];
    await ns!.iptables(['-A', 'INPUT', ...rule]);
    try {
      const r = await runStunStream({
        address: ns!.nsIp,
        port: STUN_PORT,
        pps: VIDEO_PPS,
        durationMs: LOSS_DURATION_MS,
        drainMs: 1000,
        firstReplyTimeoutMs: 2000,
        deadlineMs: LOSS_DURATION_MS + 10_000,
      });
      console.log(
        `STUN stream with ${100 * PROBABILITY} % injected: sent ${r.sent}, replies ${r.replies}, loss ${r.lossPercent} %, ` +
          `worst 15 s ${r.worstLoss15sPercent} %, worst 200 ms ${r.worstBurst200msPercent} %, burstRatio ${r.burstRatio}, ` +
          `rtt p50 ${r.rttMs?.p50} ms, jitter ${r.rttJitterMs} ms, junk ${junkTotal(r.junk)}`,
      );
      expect(r.sent).toBe((LOSS_DURATION_MS / 1000) * VIDEO_PPS);
      expect(Math.abs(r.lossPercent - 100 * PROBABILITY)).toBeLessThanOrEqual(TOLERANCE_POINTS);
      // The whole stream is one 15 s window.
      expect(Math.abs(r.worstLoss15sPercent - 100 * PROBABILITY)).toBeLessThanOrEqual(TOLERANCE_POINTS);
      expect(r.duplicates).toBe(0);
      expect(junkTotal(r.junk)).toBe(0);
    } finally {
      await ns!.iptables(['-D', 'INPUT', ...rule]);
    }
  }, 40_000);

  it('round trips and jitter against coturn agree with the reflector stream on the same path', async () => {
    const audio = MEDIA_PROFILES.audio!;
    const session = await openSession(endpoint, { timeoutMs: 5000 });
    sessions.push(session);
    // Side by side, so that both streams see the same moments of the host's load.
    const [reflector, stun] = await Promise.all([
      runUdpStream({ endpoint, session, stream: 1, ...audio, durationMs: 5000, drainMs: 500 }),
      runStunStream({ address: ns!.nsIp, port: STUN_PORT, pps: audio.pps, durationMs: 5000, drainMs: 500 }),
    ]);
    // The same estimator over the reflector's round trips (its series holds every probe of a
    // 250-probe stream, in send order; a veth does not reorder): like against like.
    const reflectorRttJitter = rttJitter(reflector.series.map((p) => p[1]));
    console.log(
      `reflector: rtt p50 ${reflector.rttMs?.p50} ms, p95 ${reflector.rttMs?.p95} ms, round-trip jitter ${reflectorRttJitter.toFixed(3)} ms ` +
        `(one-way: up ${reflector.jitterUpMs} / down ${reflector.jitterDownMs} ms), loss ${reflector.lossPercent} %; ` +
        `coturn: rtt p50 ${stun.rttMs?.p50} ms, p95 ${stun.rttMs?.p95} ms, round-trip jitter ${stun.rttJitterMs} ms, loss ${stun.lossPercent} %`,
    );
    expect(reflector.series).toHaveLength(reflector.replies);
    expect(stun.replies).toBe(stun.sent);
    expect(reflector.rttMs!.p50).toBeLessThan(1);
    expect(stun.rttMs!.p50).toBeLessThan(1);
    expect(Math.abs(stun.rttMs!.p50 - reflector.rttMs!.p50)).toBeLessThan(AGREEMENT_MS);
    expect(Math.abs(stun.rttJitterMs! - reflectorRttJitter)).toBeLessThan(JITTER_AGREEMENT_MS);
  }, 30_000);

  it('`siteready run latency stun:HOST:PORT --json`: exit 0, transport stun, the loss and no per-direction figures', async () => {
    const r = await runCli(['run', 'latency', `stun:${ns!.nsIp}:${STUN_PORT}`, '--profile', 'audio', '--duration', '3', '--json'], {
      timeoutMs: 30_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      results: Array<{ check: string; target: string; status: string; facts: Record<string, unknown> }>;
    };
    expect(report.results).toHaveLength(1);
    const [result] = report.results;
    expect(result!.target).toBe(`stun-${ns!.nsIp}-${STUN_PORT}/audio`);
    expect(result!.facts).toMatchObject({
      transport: 'stun',
      farEnd: { kind: 'stun', host: ns!.nsIp, port: STUN_PORT, address: ns!.nsIp },
      lossUpPercent: null,
      lossDownPercent: null,
      jitterUpMs: null,
      jitterDownMs: null,
    });
    expect(typeof result!.facts.lossPercent).toBe('number');
    expect(result!.facts.sent).toBe(150);
  }, 40_000);
});
