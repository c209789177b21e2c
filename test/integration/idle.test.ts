// Idle-timeout survival against a relay that forgets idle flows the three ways firewalls do:
// silently, with a reset, or with a FIN. The check must bracket the timeout and name the death.

import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../src/lab/cert.js';
import { startIdleDroppingRelay, type IdleRelay } from '../../src/lab/idle-relay.js';
import { runCli } from '../helpers/cli.js';
import { factsSchemaProblems } from '../helpers/facts-schema.js';
import { freePort } from '../../src/lab/demo-lab.js';
import { startReflector, type RunningReflector } from '../../src/probe/server.js';
import { startLabProxy, type LabProxy } from '../../src/lab/connect-proxy.js';

let server: Server;
let wss: WebSocketServer;
let dir: string;
let caFile: string;
const relays: IdleRelay[] = [];

beforeAll(async () => {
  const ca = createCertificateAuthority('idle test CA');
  const leaf = issueCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  dir = await mkdtemp(join(tmpdir(), 'sr-idle-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, ca.certPem);
  server = createServer({ cert: leaf.certPem, key: leaf.keyPem });
  wss = new WebSocketServer({ server });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});

afterAll(async () => {
  for (const r of relays) await r.close();
  wss?.close();
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function relay(mode: 'silent' | 'rst' | 'fin'): Promise<number> {
  const r = await startIdleDroppingRelay({
    targetHost: '127.0.0.1',
    targetPort: (server.address() as { port: number }).port,
    idleMs: 1500,
    mode,
  });
  relays.push(r);
  return r.port;
}

async function idle(port: number, keepalive: string) {
  const r = await runCli([
    'run',
    'idle',
    `wss://127.0.0.1:${port}/`,
    '--ladder',
    '0.5s,3s',
    '--keepalive',
    keepalive,
    '--ca',
    caFile,
    '--json',
    '-q',
  ]);
  expect(r.code, r.stderr).toBe(0);
  const report = JSON.parse(r.stdout) as {
    results: Array<{
      check: string;
      target: string;
      status: string;
      facts: Record<string, any>;
      findings: Array<{ id: string }>;
      measurements: Array<{ id: string; value: number }>;
    }>;
  };
  expect(await factsSchemaProblems(report.results)).toEqual([]);
  return report.results[0]!;
}

describe('idle check', () => {
  it('brackets a silent drop and fails when the client keep-alive is longer than the survived hold', async () => {
    const r = await idle(await relay('silent'), '5s');
    expect(r.facts.steps.map((s: { fate: string }) => s.fate)).toEqual(['alive', 'silent']);
    // The bracket: the timeout lies between the hold that survived and the one that did not.
    expect(r.measurements.find((m) => m.id === 'idle-survived')!.value).toBe(0.5);
    expect(r.measurements.find((m) => m.id === 'idle-died')!.value).toBe(3);
    expect(r.status).toBe('fail');
    expect(r.findings.map((f) => f.id)).toEqual(['idle.timeout']);
    expect(r.measurements.find((m) => m.id === 'keepalive-recommended')!.value).toBeLessThanOrEqual(0.5);
  });

  it('tells a reset from a silent drop, and says when the death came', async () => {
    const r = await idle(await relay('rst'), '5s');
    expect(r.facts.steps[1]).toMatchObject({ fate: 'rst' });
    expect(r.facts.steps[1].diedAfterMs).toBeLessThan(3000);
    // The death counts when it came, not when the hold was due to end.
    expect(r.measurements.find((m) => m.id === 'idle-died')!.value).toBeLessThan(3);
  });

  it('tells a FIN from a reset', async () => {
    const r = await idle(await relay('fin'), '5s');
    expect(r.facts.steps[1]).toMatchObject({ fate: 'fin' });
  });

  it('passes (with a note) when the client keeps the flow alive more often than the path forgets it', async () => {
    const r = await idle(await relay('silent'), '250ms');
    expect(r.status).toBe('warn');
    expect(r.findings.map((f) => f.id)).toEqual(['idle.short']);
  });

  it('passes when nothing on the path drops idle flows', async () => {
    const r = await idle((server.address() as { port: number }).port, '5s');
    expect(r.facts.steps.map((s: { fate: string }) => s.fate)).toEqual(['alive', 'alive']);
    expect(r.status).toBe('pass');
  });
});

describe('idle check, server push through the reflector', () => {
  const TOKEN = 'idle-push-test-token-0123456789';
  let reflector: RunningReflector | undefined;
  afterAll(async () => {
    await reflector?.close();
  });

  it("a silently forgetting path loses the server's push after the timeout, not before", async () => {
    reflector = await startReflector({ host: '127.0.0.1', port: 0, token: TOKEN });
    const relayPort = (
      await startIdleDroppingRelay({ targetHost: '127.0.0.1', targetPort: reflector.port, idleMs: 1500, mode: 'silent' }).then(
        (r) => (relays.push(r), r),
      )
    ).port;
    const closed = await freePort();
    await writeFile(
      join(dir, 'push.yaml'),
      `version: 1
site: { name: push }
probe: { name: far-side, host: 127.0.0.1, port: ${relayPort}, token: "\${SITEREADY_TOKEN}" }
platform:
  endpoints:
    - { name: unused, host: 127.0.0.1, port: ${closed}, checks: [tcp] }
checks:
  idle: { ladder: [0.5s, 3s], clientKeepAliveMs: 5000, replyTimeoutMs: 800 }
  throughput: { enabled: false }
  latency: { enabled: false }
  bufferbloat: { enabled: false }
  call-quality: { enabled: false }
`,
    );
    const r = await runCli(['assess', join(dir, 'push.yaml'), '--json', '-q'], { env: { SITEREADY_TOKEN: TOKEN } });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      results: Array<{ check: string; target: string; status: string; facts: Record<string, any> }>;
    };
    expect(await factsSchemaProblems(report.results)).toEqual([]);
    const push = report.results.find((x) => x.check === 'idle' && x.target === 'far-side/push')!;
    expect(push.facts.direction).toBe('server-push');
    expect(push.facts.steps.map((s: { fate: string }) => s.fate)).toEqual(['alive', 'silent']);
    expect(push.status).toBe('fail');
    expect(r.stdout).not.toContain(TOKEN);
  });
});

describe('idle check through a proxy', () => {
  let proxy: LabProxy | undefined;
  afterAll(async () => {
    await proxy?.close();
  });

  it('holds the ladder on the proxy path and, at the same time, on the direct path', async () => {
    proxy = await startLabProxy({ resolve: async () => '127.0.0.1' });
    const port = await relay('silent');
    await writeFile(
      join(dir, 'via-proxy.yaml'),
      `version: 1
site: { name: idle-via-proxy }
network:
  proxy: { url: "http://127.0.0.1:${proxy.port}" }
security:
  trust: { caFile: "${caFile}" }
platform:
  endpoints:
    - { name: push, url: "wss://127.0.0.1:${port}/", checks: [idle] }
checks:
  idle: { ladder: [0.5s, 3s], clientKeepAliveMs: 5000, replyTimeoutMs: 800 }
`,
    );
    const r = await runCli(['assess', join(dir, 'via-proxy.yaml'), '--json', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { results: Array<{ check: string; target: string; facts: Record<string, any> }> };
    expect(await factsSchemaProblems(report.results)).toEqual([]);
    const idle = report.results.find((x) => x.check === 'idle' && x.target === 'push')!;
    expect(idle.facts.path).toBe('proxy');
    expect(idle.facts.steps.map((s: { fate: string }) => s.fate)).toEqual(['alive', 'silent']);
    // Both paths cross the same forgetting relay, so the direct ladder shows the same timeout.
    expect(idle.facts.direct.steps.map((s: { fate: string }) => s.fate)).toEqual(['alive', 'silent']);
  });
});
