// Throughput against a real reflector (`siteready serve`) inside a network namespace, through a
// veth pair shaped by the kernel: tbf at 50 Mbit/s on both ends (the host end shapes what goes to
// the reflector — uploads —, the namespace end what comes back — downloads). TCP and WebSocket,
// down and up, must each measure the goodput that rate allows within ± 5 %; so must
// `siteready assess` with a site whose probe is that reflector.

import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/cli.js';
import { factsSchemaProblems } from '../helpers/facts-schema.js';
import { netnsSupported, run, type Netns } from '../helpers/netns.js';
import { assess, hasTool, reportValidator, result, tempDir, type AssessRun, type TempDir } from '../helpers/peers.js';
import { startShapedReflector, type ShapedReflector } from '../helpers/shaped-reflector.js';
import { runThroughput } from '../../src/probe/run-throughput.js';
import type { Direction, ThroughputResult, Transport } from '../../src/probe/throughput.js';

const available = requireTool(netnsSupported(), 'root with ip netns and iptables') && requireTool(hasTool('tc'), 'tc (iproute2)');

const TOKEN = `throughput-test-${process.pid}-0123456789abcdef`;
const PORT = 7000; // inside a namespace of our own: nothing else listens there
const RATE_MBIT = 50;
// tbf: the bucket must hold at least one whole GSO super-packet (64 KiB; veth does TSO/GSO), or tbf
// has to segment it first, and is refilled continuously (the kernel's tbf keeps nanosecond time),
// so a 64 KiB burst adds at most 64 KiB once to a saturated link — the omitted start absorbs it.
// The queue (rate × latency + burst ≈ 375 KiB) is deep enough that TCP's backoff after a tail drop
// never empties it: the link stays busy.
const TBF = ['rate', `${RATE_MBIT}mbit`, 'burst', '64kb', 'latency', '50ms'];
const TOLERANCE = 0.05;

const DURATION: Record<Transport, { durationMs: number; omitMs: number }> = {
  tcp: { durationMs: 5000, omitMs: 1000 },
  // WebSocket goodput is counted per message (as ndt7 does); messages grow to 1 MiB, so a window
  // can be off by up to one message: ± 8.4 Mbit over ~6 s measured is ± 2.9 % at most.
  ws: { durationMs: 8000, omitMs: 2000 },
};

/**
 * What the shaped rate leaves for the application. tbf counts every byte of the frame it queues:
 * the 14-byte Ethernet header, the 20-byte IP header, the 20-byte TCP header and, with TCP
 * timestamps (on by default), 12 bytes of options. A full-size segment on a 1500-byte MTU carries
 * 1500 − 20 − 20 − 12 = 1448 bytes in a 1514-byte frame, so goodput = 50 × 1448 / 1514 ≈ 47.82
 * Mbit/s. (ACKs travel the other way, through the other, idle, shaper; WebSocket framing adds at
 * most 14 bytes per message of ≥ 8 KiB: < 0.2 %, and under 0.01 % once messages reach 1 MiB.)
 */
function expectedGoodputMbps(mtu: number, timestamps: boolean): number {
  const mss = mtu - 20 - 20 - (timestamps ? 12 : 0);
  return (RATE_MBIT * mss) / (mtu + 14);
}

describe.skipIf(!available)('throughput through a tbf-shaped veth (50 Mbit/s each way)', () => {
  let reflector: ShapedReflector | undefined;
  let ns: Netns | undefined;
  let tmp: TempDir | undefined;
  let expected = NaN;
  const measured: string[] = [];

  beforeAll(async () => {
    tmp = await tempDir('sr-tput-');
    reflector = await startShapedReflector({ token: TOKEN, tbf: TBF, port: PORT });
    ns = reflector.ns;
    const mtu = Number(await readFile(`/sys/class/net/${ns.hostIf}/mtu`, 'utf8'));
    const ts = (await run('sysctl', ['-n', 'net.ipv4.tcp_timestamps'])).stdout.trim() !== '0';
    const nsTs = (await ns.exec(['sysctl', '-n', 'net.ipv4.tcp_timestamps'])).stdout.trim() !== '0';
    expected = expectedGoodputMbps(mtu, ts && nsTs);
  }, 30_000);

  afterAll(async () => {
    console.log(`shaped ${RATE_MBIT} Mbit/s → expected goodput ${expected.toFixed(2)} Mbit/s; measured:\n  ${measured.join('\n  ')}`);
    await reflector?.stop();
    await tmp?.remove();
  });

  const measure = (transport: Transport, direction: Direction): Promise<ThroughputResult> =>
    runThroughput({
      endpoint: { address: ns!.nsIp, port: PORT, host: ns!.nsIp, token: TOKEN, connectTimeoutMs: 3000 },
      direction,
      transport,
      streams: 2,
      ...DURATION[transport],
    });

  for (const transport of ['tcp', 'ws'] as const) {
    for (const direction of ['down', 'up'] as const) {
      it(`${transport} ${direction}: goodput within ± 5 % of what ${RATE_MBIT} Mbit/s leaves`, async () => {
        const r = await measure(transport, direction);
        measured.push(
          `${transport} ${direction}: ${r.mbps} Mbit/s (${((100 * (r.mbps - expected)) / expected).toFixed(2)} %), p10 ${r.p10}, p90 ${r.p90}, ${r.measuredMs} ms counted`,
        );
        expect(r.countedBy).toBe(direction === 'down' ? 'client' : 'reflector');
        expect(r.measuredMs).toBeGreaterThanOrEqual(DURATION[transport].durationMs - DURATION[transport].omitMs - 1000);
        expect(Math.abs(r.mbps - expected) / expected).toBeLessThanOrEqual(TOLERANCE);
      }, 30_000);
    }
  }

  it('siteready assess reports throughput-down and throughput-up within ± 5 %, in a report that matches the schema', async () => {
    const site = await reflector!.site(tmp!.path, 'throughput', {
      transports: ['tcp'],
      directions: ['down', 'up'],
      streams: 2,
      ...DURATION.tcp,
    });
    const run: AssessRun = await assess(site, tmp!.path);
    expect(run.cli.code, run.cli.stderr).toBe(0);
    const validate = await reportValidator();
    expect(validate(run.report), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(await factsSchemaProblems(run.report.results)).toEqual([]);
    const r = result(run.report, 'throughput', 'ns-reflector/tcp');
    expect(r.status, JSON.stringify(r)).toBe('info'); // no threshold and no declared link: informative
    for (const direction of ['down', 'up'] as const) {
      const m = r.measurements.find((x) => x.id === `throughput-${direction}`);
      expect(m, `throughput-${direction} in ${JSON.stringify(r.measurements)}`).toBeDefined();
      const mbps = m!.value as number;
      measured.push(`assess tcp ${direction}: ${mbps} Mbit/s (${((100 * (mbps - expected)) / expected).toFixed(2)} %)`);
      expect(Math.abs(mbps - expected) / expected).toBeLessThanOrEqual(TOLERANCE);
    }
    expect(JSON.stringify(run.report)).not.toContain(TOKEN);
  }, 60_000);
});
