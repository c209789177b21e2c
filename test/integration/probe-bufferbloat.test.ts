// Bufferbloat against a real reflector (`siteready serve`) inside a network namespace, through a
// veth pair shaped by tbf at 20 Mbit/s on both ends, first with a 500 ms buffer, then with 10 ms.
// `siteready assess` with the check's defaults must flag the first and pass the second.
//
// Why this can fail: the kernel's TCP here is BBR, which keeps its own queue short. The old fixed
// load (4 streams for 10 s) raised the round trip through the 500 ms buffer by tens of ms at times
// and passed it; only a load that grows until the queue stops growing fills the buffer.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/cli.js';
import { factsSchemaProblems } from '../helpers/facts-schema.js';
import { netnsSupported } from '../helpers/netns.js';
import { assess, hasTool, reportValidator, result, tempDir, type TempDir } from '../helpers/peers.js';
import { startShapedReflector, type ShapedReflector } from '../helpers/shaped-reflector.js';
import type { BufferbloatFacts } from '../../checks/bufferbloat/index.js';

const available = requireTool(netnsSupported(), 'root with ip netns and iptables') && requireTool(hasTool('tc'), 'tc (iproute2)');

const TOKEN = `bufferbloat-test-${process.pid}-0123456789abcdef`;
const PORT = 7000; // inside a namespace of our own: nothing else listens there
const RATE = '20mbit';
// The bucket holds one GSO super-packet (64 KiB; veth does TSO/GSO), else tbf has to segment it.
// tbf's queue is rate × latency + burst: 500 ms → 1.3 MB, about 525 ms of queue when full; 10 ms →
// 89 KB, about 36 ms.
const tbf = (latency: string) => ['rate', RATE, 'burst', '64kb', 'latency', latency];

describe.skipIf(!available)(`bufferbloat through a tbf-shaped veth (${RATE} each way)`, () => {
  let reflector: ShapedReflector | undefined;
  let tmp: TempDir | undefined;
  const measured: string[] = [];

  beforeAll(async () => {
    tmp = await tempDir('sr-bloat-');
    reflector = await startShapedReflector({ token: TOKEN, tbf: tbf('500ms'), port: PORT });
  }, 30_000);

  afterAll(async () => {
    console.log(`bufferbloat through ${RATE}:\n  ${measured.join('\n  ')}`);
    await reflector?.stop();
    await tmp?.remove();
  });

  const shape = (latency: string) => reflector!.shape(tbf(latency));

  /** `siteready assess` with only the bufferbloat check, at its defaults. */
  const assessBufferbloat = async (name: string) => {
    const site = await reflector!.site(tmp!.path, 'bufferbloat');
    const started = Date.now();
    const out = await assess(site, tmp!.path, [], `${name}.json`);
    expect(out.cli.code === 0 || out.cli.code === 1, out.cli.stderr).toBe(true);
    const validate = await reportValidator();
    expect(validate(out.report), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(await factsSchemaProblems(out.report.results)).toEqual([]);
    const r = result(out.report, 'bufferbloat', 'ns-reflector');
    const facts = r.facts as BufferbloatFacts;
    const ramps = (['down', 'up'] as const).map(
      (d) =>
        `${d}: ${facts.loaded[d]?.steps.map((s) => `${s.streams}×${s.mbps} Mbit/s ${s.rttMs?.p50 ?? '–'} ms`).join(', ')} (${facts.loaded[d]?.stop})`,
    );
    measured.push(
      `${name}: ${r.status}, +${r.measurements.find((m) => m.id === 'bufferbloat')?.value} ms over idle ${facts.idle?.p50} ms, ` +
        `${Date.now() - started} ms; ${ramps.join('; ')}`,
    );
    return { r, facts };
  };

  it('a 500 ms buffer is flagged in both directions, with the load that filled it', async () => {
    await shape('500ms');
    const { r, facts } = await assessBufferbloat('500ms');
    expect(['warn', 'fail'], JSON.stringify(r)).toContain(r.status);
    expect(r.findings.map((f) => f.id)).toEqual(['bufferbloat.high', 'bufferbloat.high']);
    expect(r.measurements.find((m) => m.id === 'bufferbloat')!.value as number).toBeGreaterThanOrEqual(100);
    for (const d of ['down', 'up'] as const) {
      const steps = facts.loaded[d]!.steps;
      // The ramp went past the first step: it did not stop at a load that saturated the link.
      expect(steps.length, `${d}: ${JSON.stringify(steps)}`).toBeGreaterThanOrEqual(2);
      expect(steps.map((s) => s.streams)).toEqual([4, 8, 16, 32].slice(0, steps.length));
      expect(r.measurements.find((m) => m.id === `load-${d}-streams`)?.value as number).toBeGreaterThanOrEqual(4);
    }
  }, 90_000);

  it('a 10 ms buffer passes', async () => {
    await shape('10ms');
    const { r, facts } = await assessBufferbloat('10ms');
    expect(r.status, JSON.stringify(r)).toBe('pass');
    expect(r.findings).toEqual([]);
    // The link was saturated all the same: the pass is not a load too light to queue.
    for (const d of ['down', 'up'] as const) expect(Math.max(...facts.loaded[d]!.steps.map((s) => s.mbps))).toBeGreaterThan(15);
  }, 90_000);
});
