// One cause, not a dozen blockers: a site whose proxy name does not resolve, with three endpoints
// behind it, gets one proxy cause covering every result it breaks — in the JSON, the terminal and
// the HTML. A resolver of the test's own answers NXDOMAIN for every name, so nothing leaves loopback.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type RunningDnsServer } from '../../src/lab/dns-server.js';
import type { Report } from '../../src/report/model.js';
import { runCli, type CliResult } from '../helpers/cli.js';

describe('causes: an unresolvable proxy in front of three endpoints', () => {
  let dir: string;
  let dns: RunningDnsServer;
  let run: CliResult;
  let report: Report;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'siteready-causes-'));
    dns = await startDnsServer({ records: {} });
    const site = `version: 1
site: { name: Causes }
network:
  dns: { servers: ["127.0.0.1:${dns.port}"], timeoutMs: 1000 }
  proxy: { url: "http://proxy.corp.test:3128" }
platform:
  endpoints:
    - { name: chat, url: "https://chat.corp.test/", via: proxy }
    - { name: api, url: "https://api.corp.test/health", via: proxy }
    - { name: files, url: "https://files.corp.test/", via: proxy }
`;
    await writeFile(join(dir, 'site.yaml'), site);
    run = await runCli(
      [
        'assess',
        join(dir, 'site.yaml'),
        '--lang',
        'en',
        '-f',
        `terminal,json=${join(dir, 'r.json')},html=${join(dir, 'r.html')}`,
        '--timeout',
        '60',
      ],
      { timeoutMs: 90_000, env: { HTTPS_PROXY: '', HTTP_PROXY: '', https_proxy: '', http_proxy: '' } },
    );
    report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')) as Report;
  }, 100_000);

  afterAll(async () => {
    await dns?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('JSON: one proxy cause covers the results of all three endpoints', () => {
    const proxy = (report.causes ?? []).filter((c) => c.kind === 'proxy');
    expect(proxy, JSON.stringify(report.causes?.map((c) => c.id))).toHaveLength(1);
    const targets = new Set(proxy[0]!.affected.map((a) => a.target));
    expect(targets).toEqual(new Set(['chat', 'api', 'files']));
    // The TLS audits the proxy prevented belong to the same cause.
    expect(proxy[0]!.affected.filter((a) => a.check === 'tls').map((a) => a.finding)).toEqual([
      'tls.not-audited',
      'tls.not-audited',
      'tls.not-audited',
    ]);
    expect(report.causes!.some((c) => c.kind === 'tls-server')).toBe(false);
    expect(proxy[0]!.results).toBeGreaterThanOrEqual(3);
    // Fewer causes than blockers: that is the point.
    expect(report.causes!.length).toBeLessThan(report.blockers.length + (report.risks?.length ?? 0));
    expect(report.blockers.every((b) => b.severity === 'critical' || b.severity === 'high')).toBe(true);
  });

  it('terminal and HTML list the cause once, first', () => {
    expect(run.stdout).toMatch(/Do these first/);
    expect(run.stdout.match(/The proxy http:\/\/proxy\.corp\.test:3128 cannot be used/g)).toHaveLength(1);
    return readFile(join(dir, 'r.html'), 'utf8').then((html) => {
      expect(html.match(/data-cause="proxy:/g)).toHaveLength(1);
      expect(html).toMatch(/The proxy http:\/\/proxy\.corp\.test:3128 cannot be used/);
    });
  });
});
