// One TLS audit (and one chain fetch, one TCP connect) per server per run: twenty endpoints on one loopback HTTPS server (different
// paths, the same address, port and route) must cost the server one scan's worth of connections,
// not twenty, and every endpoint must still get its own result, graded on the same facts.

import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeSite, type TempDir } from '../helpers/peers.js';
import { createCertificateAuthority, issueCertificate } from '../../src/lab/cert.js';
import type { Report } from '../../src/report/model.js';

let tmp: TempDir;
let server: Server;
let port: number;
let connections = 0;

beforeAll(async () => {
  tmp = await tempDir('sr-shared-audit-');
  const ca = createCertificateAuthority('shared audit CA');
  const leaf = issueCertificate(ca, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'] });
  server = createServer({ key: leaf.keyPem, cert: `${leaf.certPem}${ca.certPem}` }, (_req, res) => res.end('ok'));
  server.on('connection', () => connections++);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await tmp?.remove();
});

async function audit(count: number, checks = ['tls']): Promise<{ report: Report; connections: number; out: string }> {
  const endpoints = Array.from({ length: count }, (_, i) => ({
    name: `ep-${i}`,
    role: 'api',
    url: `https://127.0.0.1:${port}/p${i}`,
    checks,
  }));
  const site = await writeSite(
    tmp.path,
    { site: { name: `shared audit ${count}` }, platform: { name: 'IM', endpoints } },
    `site-${count}-${checks.join('-')}.yaml`,
  );
  const out = join(tmp.path, `report-${count}-${checks.join('-')}.json`);
  const before = connections;
  const run = await runCli(['assess', site, '--format', 'json', '--out', out, '--quiet'], { timeoutMs: 120_000 });
  expect(run.code, run.stderr).toBeLessThan(2);
  const { readFile } = await import('node:fs/promises');
  return { report: JSON.parse(await readFile(out, 'utf8')) as Report, connections: connections - before, out };
}

describe('tls: one audit per server per run', () => {
  it('twenty endpoints on one server cost one scan, and each gets its own result', async () => {
    const one = await audit(1);
    const twenty = await audit(20);
    expect(one.connections).toBeGreaterThan(10);
    // One scan's worth (the scan's own count may differ by a retried probe), far from 20×.
    expect(twenty.connections).toBeLessThanOrEqual(one.connections + 2);

    const soloFacts = one.report.results.find((r) => r.check === 'tls')!.facts as Record<string, any>;
    const results = twenty.report.results.filter((r) => r.check === 'tls');
    expect(results).toHaveLength(20);
    const owners = results.filter((r) => !(r.facts as Record<string, unknown>).sameServerAs);
    expect(owners).toHaveLength(1);
    const owner = owners[0]!.target;
    const acceptedOf = (f: Record<string, any>) =>
      (f.accepted as Array<{ version: string; code: string }>).map((a) => `${a.version} ${a.code}`).sort();
    for (const r of results) {
      const f = r.facts as Record<string, any>;
      expect(f.auditKey).toBe(`direct 127.0.0.1:${port}`);
      if (r.target !== owner) expect(owner).toContain(f.sameServerAs);
      expect(acceptedOf(f)).toEqual(acceptedOf(soloFacts));
      expect(r.score).toBe(results[0]!.score);
      expect(r.status).toBe(results[0]!.status);
    }
    // The report shows the audit once, with the endpoints it stands for.
    expect(owners[0]!.covers?.slice().sort()).toEqual(
      results
        .filter((r) => r.target !== owner)
        .map((r) => r.target)
        .sort(),
    );
    for (const r of results) if (r.target !== owner) expect(r.covers).toBeUndefined();
    const md = await runCli(['report', twenty.out, '--format', 'md', '--verbose'], { timeoutMs: 60_000 });
    expect(md.stdout).toContain('The same measurement stands for 19 more targets on this server');
  }, 180_000);

  it('the interception check fetches the chain once per server and judges every endpoint on it', async () => {
    const twenty = await audit(20, ['interception']);
    expect(twenty.connections).toBe(1);
    const results = twenty.report.results.filter((r) => r.check === 'interception');
    expect(results).toHaveLength(20);
    const owners = results.filter((r) => !(r.facts as Record<string, unknown>).sameServerAs);
    expect(owners).toHaveLength(1);
    expect(owners[0]!.covers).toHaveLength(19);
    for (const r of results) {
      const f = r.facts as Record<string, any>;
      expect(f.auditKey).toBe(`direct 127.0.0.1:${port}`);
      expect(f.chain.certs[0].spkiSha256).toBe((owners[0]!.facts as Record<string, any>).chain.certs[0].spkiSha256);
      expect(r.status).toBe(owners[0]!.status);
    }
  }, 120_000);

  it('the tcp check connects once per server and route, and every endpoint gets the answer', async () => {
    const twenty = await audit(20, ['tcp']);
    expect(twenty.connections).toBe(1);
    const results = twenty.report.results.filter((r) => r.check === 'tcp');
    expect(results.map((r) => r.status)).toEqual(Array(20).fill('pass'));
    expect(results.filter((r) => !(r.facts as Record<string, unknown>).sameServerAs)).toHaveLength(1);
    for (const r of results) expect((r.facts as Record<string, any>).auditKey).toBe(`direct 127.0.0.1:${port}`);
  }, 120_000);
});
