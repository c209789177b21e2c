// UDP to the reflector blocked (nothing answers on the UDP port the site names): the latency
// check says so, and still measures round trips over the reflector's TCP echo stream.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/lab/demo-lab.js';
import { startReflector, type RunningReflector } from '../../src/probe/server.js';
import { runCli } from '../helpers/cli.js';
import { factsSchemaProblems } from '../helpers/facts-schema.js';

const TOKEN = 'fallback-test-token-0123456789';
let reflector: RunningReflector;
let dir: string;

beforeAll(async () => {
  reflector = await startReflector({ host: '127.0.0.1', port: 0, token: TOKEN });
  dir = await mkdtemp(join(tmpdir(), 'sr-fallback-'));
});
afterAll(async () => {
  await reflector?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('latency with UDP blocked', () => {
  it('fails with latency.udp-blocked and reports TCP round trips instead', async () => {
    const deadUdp = await freePort();
    await writeFile(
      join(dir, 'site.yaml'),
      `version: 1
site: { name: udp-blocked }
probe: { host: 127.0.0.1, port: ${reflector.port}, udpPort: ${deadUdp}, token: "\${SITEREADY_TOKEN}" }
platform:
  endpoints:
    - { name: r, host: 127.0.0.1, port: ${reflector.port} }
checks:
  latency: { profiles: [audio], durationMs: 1000 }
  call-quality: { enabled: false }
  throughput: { enabled: false }
  bufferbloat: { enabled: false }
`,
    );
    const r = await runCli(['assess', join(dir, 'site.yaml'), '--json', '-q'], { env: { SITEREADY_TOKEN: TOKEN } });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      results: Array<{
        check: string;
        target: string;
        status: string;
        findings: Array<{ id: string }>;
        measurements: Array<{ id: string; value: number }>;
        facts: Record<string, unknown>;
        factsVersion?: number;
      }>;
    };
    expect(await factsSchemaProblems(report.results)).toEqual([]);
    const latency = report.results.find((x) => x.check === 'latency')!;
    expect(latency.status).toBe('fail');
    expect(latency.findings.map((f) => f.id)).toEqual(['latency.udp-blocked']);
    expect(latency.facts.transport).toBe('tcp-fallback');
    expect(latency.measurements.find((m) => m.id === 'rtt-p50')!.value).toBeGreaterThan(0);
    expect(r.stdout).not.toContain(TOKEN);
  });
});
