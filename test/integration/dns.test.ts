// dns check against a real resolver (dnsmasq on loopback, authoritative for .test only): answers,
// NXDOMAIN, NODATA, a resolver that is not there, and one lookup per host shared by every check.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/cli.js';
import { factsSchemaProblems } from '../helpers/facts-schema.js';
import {
  assess,
  delay,
  freePort,
  hasTool,
  reportValidator,
  result,
  startDnsmasq,
  tempDir,
  writeSite,
  type Dnsmasq,
  type TempDir,
} from '../helpers/peers.js';

const available = requireTool(hasTool('dnsmasq'), 'dnsmasq');

describe.skipIf(!available)('dns check against dnsmasq', () => {
  let tmp: TempDir | undefined;
  let dns: Dnsmasq | undefined;
  // Ports on loopback with nothing listening: connections are refused at once, so checks that
  // connect after resolving finish quickly and no traffic leaves the host.
  let closed: number[] = [];

  beforeAll(async () => {
    tmp = await tempDir('sr-dns-');
    dns = await startDnsmasq({
      dir: tmp.path,
      records: [
        '--host-record=both.sr.test,127.0.0.9,::9',
        '--host-record=v4only.sr.test,127.0.0.8',
        // Exists (it has a TXT record) but has no address: NODATA for A and AAAA.
        '--txt-record=txtonly.sr.test,"no addresses here"',
        '--address=/shared.sr.test/127.0.0.1',
      ],
    });
    closed = [await freePort(), await freePort(), await freePort()];
  });

  afterAll(async () => {
    await dns?.stop();
    await tmp?.remove();
  });

  /** dnsmasq logs asynchronously: wait until the lines we expect are there (never longer than 3 s). */
  async function queriesFor(name: string, min: number): Promise<Array<{ type: string; name: string }>> {
    for (let i = 0; i < 60; i++) {
      const q = (await dns!.queries()).filter((x) => x.name === name);
      if (q.length >= min) return (await delay(100), (await dns!.queries()).filter((x) => x.name === name));
      await delay(50);
    }
    return (await dns!.queries()).filter((x) => x.name === name);
  }

  it('classifies answers, NXDOMAIN and NODATA from a real resolver', async () => {
    const site = await writeSite(tmp!.path, {
      site: { name: 'dns kinds' },
      network: { dns: { servers: [dns!.server], timeoutMs: 5000 } },
      checks: { dns: { slowMs: 4000 } },
      platform: {
        endpoints: [
          { name: 'both', host: 'both.sr.test', port: closed[0], protocol: 'tcp', checks: ['dns'] },
          { name: 'v4only', host: 'v4only.sr.test', port: closed[0], protocol: 'tcp', checks: ['dns'] },
          { name: 'missing', role: 'api', host: 'missing.sr.test', port: closed[0], protocol: 'tcp', checks: ['dns'] },
          { name: 'txtonly', role: 'web', host: 'txtonly.sr.test', port: closed[0], protocol: 'tcp', checks: ['dns'] },
        ],
      },
    });
    const { cli, report } = await assess(site, tmp!.path, [], 'kinds.json');
    expect(cli.code, cli.stderr).toBe(0);
    const validate = await reportValidator();
    expect(validate(report), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(await factsSchemaProblems(report.results)).toEqual([]);

    const both = result(report, 'dns', 'both.sr.test');
    expect(both.status).toBe('pass');
    expect(both.facts.classification).toBe('ok');
    expect(both.facts.resolver).toEqual([dns!.server]);
    expect(both.facts.addresses).toEqual(
      expect.arrayContaining([
        { address: '127.0.0.9', family: 4 },
        { address: '::9', family: 6 },
      ]),
    );
    expect(both.measurements.find((m) => m.id === 'addresses')?.value).toBe(2);

    // A record only: the AAAA query gets NODATA, which is fine since A exists.
    const v4 = result(report, 'dns', 'v4only.sr.test');
    expect(v4.status).toBe('pass');
    expect(v4.facts.addresses).toEqual([{ address: '127.0.0.8', family: 4 }]);

    const missing = result(report, 'dns', 'missing.sr.test');
    expect(missing.status).toBe('fail');
    expect(missing.score).toBe(0);
    expect(missing.facts).toMatchObject({ classification: 'dns-failure', kind: 'nxdomain', code: 'ENOTFOUND' });
    expect(missing.findings).toEqual([
      expect.objectContaining({ id: 'dns.dns-failure', severity: 'critical', evidence: expect.objectContaining({ kind: 'nxdomain' }) }),
    ]);

    const txt = result(report, 'dns', 'txtonly.sr.test');
    expect(txt.status).toBe('fail');
    expect(txt.facts).toMatchObject({ classification: 'dns-failure', kind: 'nodata', code: 'ENODATA' });
    expect(txt.findings[0]).toMatchObject({ id: 'dns.dns-failure', severity: 'high' });

    // dnsmasq really was asked (and for both types).
    const asked = await queriesFor('v4only.sr.test', 2);
    expect(asked.map((q) => q.type).sort()).toEqual(['A', 'AAAA']);
  });

  it('a resolver that is not there fails the check within the DNS timeout, not the task deadline', async () => {
    const nobody = await freePort('udp');
    const site = await writeSite(
      tmp!.path,
      {
        site: { name: 'dns down' },
        network: { dns: { servers: [`127.0.0.1:${nobody}`], timeoutMs: 600 } },
        platform: { endpoints: [{ name: 'chat', role: 'signalling', host: 'both.sr.test', port: closed[0], protocol: 'tcp' }] },
        // The task deadline is far beyond the DNS timeout: hitting it would be status "error".
        checks: { dns: { timeoutMs: 20_000 }, tcp: { timeoutMs: 20_000 } },
      },
      'down.yaml',
    );
    const { cli, report } = await assess(site, tmp!.path, [], 'down.json');
    expect(cli.code, cli.stderr).toBe(0);
    const r = result(report, 'dns', 'both.sr.test');
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('fail');
    expect(r.facts.classification).toBe('dns-failure');
    expect(['timeout', 'no-resolver']).toContain(r.facts.kind);
    expect(r.findings[0]).toMatchObject({ id: 'dns.dns-failure', severity: 'critical' });
    // The checks that need the address report the same DNS failure instead of waiting.
    const tcp = result(report, 'tcp', 'chat');
    expect(tcp.error).toBeUndefined();
    expect(tcp).toMatchObject({ status: 'fail', facts: { classification: 'dns-failure' } });
    expect(report.verdict).toBe('NOT READY');
  });

  it('asks the resolver once per host and query type, however many checks and endpoints use it', async () => {
    const before = (await dns!.queries()).filter((q) => q.name === 'shared.sr.test').length;
    expect(before).toBe(0);
    const site = await writeSite(
      tmp!.path,
      {
        site: { name: 'dns shared' },
        network: { dns: { servers: [dns!.server], timeoutMs: 5000 } },
        checks: { dns: { slowMs: 4000 } },
        platform: {
          endpoints: [
            { name: 'directory', role: 'directory', host: 'shared.sr.test', port: closed[0], protocol: 'tcp' },
            { name: 'api', role: 'api', url: `https://shared.sr.test:${closed[1]}/health` },
            { name: 'signalling', role: 'signalling', url: `wss://shared.sr.test:${closed[2]}/ws` },
          ],
        },
      },
      'shared.yaml',
    );
    const { cli, report } = await assess(site, tmp!.path, [], 'shared.json');
    expect(cli.code, cli.stderr).toBe(0);
    // dns, tcp (×3), http, websocket, interception (×2) and tls (×2) all needed the address: 10 tasks, one lookup.
    const users = report.results.filter((r) => r.target === 'shared.sr.test' || ['directory', 'api', 'signalling'].includes(r.target));
    expect(users.map((r) => `${r.check}:${r.target}`).sort()).toEqual(
      [
        'dns:shared.sr.test',
        'http:api',
        'interception:api',
        'interception:signalling',
        'tcp:api',
        'tcp:directory',
        'tcp:signalling',
        'tls:api',
        'tls:signalling',
        'websocket:signalling',
      ].sort(),
    );
    for (const r of users.filter((u) => u.check !== 'dns')) expect(r.facts.classification, `${r.check}:${r.target}`).toBe('refused');
    expect(result(report, 'dns', 'shared.sr.test').facts.endpoints).toEqual(['directory', 'api', 'signalling']);

    const asked = await queriesFor('shared.sr.test', 2);
    const byType = asked.reduce<Record<string, number>>((acc, q) => ({ ...acc, [q.type]: (acc[q.type] ?? 0) + 1 }), {});
    expect(byType).toEqual({ A: 1, AAAA: 1 });
  });
});
