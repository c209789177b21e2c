// Many sites, one reflector: three sites (network namespaces) behind a router share the
// reflector's link. Each site's own link is 20 Mbit/s and the reflector's 30 Mbit/s, both ways, so
// a site alone measures its own link (~20), while three at once would measure a third of the
// shared one (~10) — each other. With the reflector's schedule (one test at a time, the default)
// every site's throughput, measured all at once, must be ≥ 0.9× what it gets alone, and each is
// told where it stood in the queue. With the schedule off (--max-tests 0) the same run falls
// well short: the test can tell the difference.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, requireTool, runCli } from '../helpers/cli.js';
import { createFleetLab, type FleetLab } from '../helpers/fleet-netns.js';
import { netnsSupported } from '../helpers/netns.js';
import { tempDir, type Peer, type TempDir } from '../helpers/peers.js';

const available = requireTool(netnsSupported(), 'root with ip netns and tc');
const TOKEN = `schedule-test-${process.pid}-0123456789abcdef`;
const PORT = 7000;
const SITE_MBIT = 20;
const SHARED_MBIT = 30;

interface Measured {
  mbps: number;
  queue?: { position: number; waitedMs: number };
}

describe.skipIf(!available)('reflector schedule: three sites measuring one reflector at once', () => {
  let lab: FleetLab;
  let tmp: TempDir;
  let tokenFile: string;
  let reflector: Peer | undefined;

  async function serve(extra: string[]): Promise<void> {
    await reflector?.stop();
    reflector = await lab.start(
      lab.reflector.ns,
      [process.execPath, BIN, 'serve', '--listen', `${lab.reflector.v4}:${PORT}`, '--token-file', tokenFile, '--quiet', ...extra],
      { name: 'reflector', ready: /siteready reflector on/, timeoutMs: 15_000 },
    );
  }

  async function measure(site: number): Promise<Measured> {
    const run = await runCli(
      [
        'run',
        'throughput',
        `${lab.reflector.v4}:${PORT}`,
        '--token-file',
        tokenFile,
        '--duration',
        '5',
        '--streams',
        '4',
        '--direction',
        'down',
        '--transport',
        'tcp',
        '--json',
      ],
      { prefix: lab.prefix(lab.sites[site]!.ns), timeoutMs: 120_000 },
    );
    const report = JSON.parse(run.stdout) as { results: Array<{ facts: { results: { down?: Measured } }; status: string }> };
    const down = report.results[0]?.facts.results.down;
    expect(down, `site ${site}: ${run.stderr}\n${run.stdout.slice(0, 2000)}`).toBeDefined();
    return down!;
  }

  beforeAll(async () => {
    tmp = await tempDir('sr-schedule-');
    tokenFile = join(tmp.path, 'token');
    await writeFile(tokenFile, TOKEN, { mode: 0o600 });
    lab = await createFleetLab(3);
    await lab.shape(SITE_MBIT, SHARED_MBIT);
    await serve([]);
  }, 60_000);

  afterAll(async () => {
    await lab?.destroy();
    await tmp?.remove();
  });

  it('each site gets ≥ 0.9× its solo throughput when all three measure at once, and is told its place in the queue', async () => {
    const solo: number[] = [];
    for (let i = 0; i < 3; i++) solo.push((await measure(i)).mbps);
    for (const s of solo) expect(s).toBeGreaterThan(SITE_MBIT * 0.8);

    const together = await Promise.all([0, 1, 2].map((i) => measure(i)));
    console.log(
      `solo ${solo.join(', ')} Mbit/s; together ${together.map((t) => `${t.mbps} (position ${t.queue?.position}, waited ${t.queue?.waitedMs} ms)`).join(', ')}`,
    );
    together.forEach((t, i) => expect(t.mbps, `site ${i}`).toBeGreaterThanOrEqual(0.9 * solo[i]!));
    expect(together.map((t) => t.queue?.position).sort()).toEqual([0, 1, 2]);
    const second = together.find((t) => t.queue?.position === 1)!;
    const last = together.find((t) => t.queue?.position === 2)!;
    // The second waited for one 5 s test, the third for two (less the moments between the three
    // CLIs' starts): each wait covers the tests ahead of it, not just the queue's bookkeeping.
    expect(second.queue!.waitedMs).toBeGreaterThan(0.7 * 5000);
    expect(last.queue!.waitedMs).toBeGreaterThan(second.queue!.waitedMs + 0.7 * 5000);
  }, 180_000);

  it('without the schedule (--max-tests 0) the same three measure each other', async () => {
    await serve(['--max-tests', '0']);
    const together = await Promise.all([0, 1, 2].map((i) => measure(i)));
    console.log(`unscheduled together: ${together.map((t) => t.mbps).join(', ')} Mbit/s`);
    const total = together.reduce((a, t) => a + t.mbps, 0);
    expect(total).toBeLessThan(SHARED_MBIT * 1.05);
    expect(Math.min(...together.map((t) => t.mbps))).toBeLessThan(0.9 * SITE_MBIT * 0.9);
    for (const t of together) expect(t.queue).toBeUndefined();
  }, 120_000);
});
