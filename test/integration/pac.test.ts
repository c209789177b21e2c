// PAC files decide the route per endpoint: a PAC next to the site file (path relative to it)
// and one served over HTTP send *.proxied.sr.test through squid and everything else DIRECT; the
// report shows the PAC's answer. A PAC that never returns (endless loop) or does not parse must
// not hang or break the run: the worker evaluating it is terminated at its deadline and the
// endpoint goes DIRECT, as browsers do, with the reason in facts.route. myIpAddress() is
// answered from the local interfaces — checked inside a namespace that counts every packet
// leaving it (the stock pac-resolver implementation dials 8.8.8.8:53).

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../src/lab/cert.js';
import { requireTool } from '../helpers/cli.js';
import { createNetns, netnsSupported, type Netns } from '../helpers/netns.js';
import {
  freePort,
  hasTool,
  reportValidator,
  result,
  startDnsmasq,
  tempDir,
  writeSite,
  type Report,
  type ReportResult,
} from '../helpers/peers.js';
import { englishReport, type EnglishReport, type EnglishResult } from '../helpers/report-text.js';
import {
  assessWithEnv,
  cleanupAll,
  settleAll,
  startFileServer,
  startSquid,
  startTlsUpstream,
  type EnvRun,
  type ProxyPeer,
  type SmallServer,
  type Upstream,
} from '../helpers/proxies.js';

const available = requireTool(hasTool('squid'), 'squid') && requireTool(hasTool('dnsmasq'), 'dnsmasq');
const withNetns = requireTool(netnsSupported(), 'root with ip netns and iptables');

const CHECKS = {
  tcp: { connectTimeoutMs: 2000, slowMs: 2000 },
  http: { connectTimeoutMs: 2000, slowMs: 5000 },
  websocket: { connectTimeoutMs: 2000, slowMs: 2000, pings: 2 },
  interception: { connectTimeoutMs: 2000 },
  dns: { slowMs: 4000 },
};

const pacFor = (proxyPort: number) => `// corporate PAC: the platform's domain through the proxy, the rest direct
function FindProxyForURL(url, host) {
  if (dnsDomainIs(host, ".proxied.sr.test")) {
    return "PROXY 127.0.0.1:${proxyPort}; DIRECT";
  }
  return "DIRECT";
}
`;
const LOOPING_PAC = 'function FindProxyForURL(url, host) {\n  while (true) {}\n}\n';
const BROKEN_PAC = 'function FindProxyForURL(url, host) {\n  if (host == "x" { return "DIRECT"; }\n  return "PROXY 127.0.0.1:3128"\n';

describe.skipIf(!available)('PAC files', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  let squid: ProxyPeer;
  let upstream: Upstream;
  let pacServer: SmallServer;
  const runs: Record<string, EnvRun> = {};
  const english: Record<string, EnglishReport<Report>> = {};

  beforeAll(async () => {
    const tmp = await tempDir('sr-pac-');
    cleanups.push(() => tmp.remove());
    const dir = tmp.path;
    const ca = createCertificateAuthority('siteready pac-test CA');
    const leaf = issueCertificate(ca, { commonName: 'app.proxied.sr.test', dnsNames: ['app.proxied.sr.test', 'app.direct.sr.test'] });
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, ca.certPem);
    upstream = await startTlsUpstream(leaf);
    cleanups.push(upstream.stop);
    const dns = await startDnsmasq({ dir, records: ['--address=/sr.test/127.0.0.1'] });
    cleanups.push(() => dns.stop());
    // squid resolves the platform's name from its own hosts file: nothing asks a real resolver.
    squid = await startSquid({ hosts: { 'app.proxied.sr.test': '127.0.0.1' } });
    cleanups.push(squid.stop);
    const pac = pacFor(squid.port);
    pacServer = await startFileServer({ '/proxy.pac': pac });
    cleanups.push(pacServer.stop);
    // The PAC sits in a subdirectory of the site file's directory; the CLI runs from the repository.
    await mkdir(join(dir, 'pac'));
    await writeFile(join(dir, 'pac', 'proxy.pac'), pac);
    await writeFile(join(dir, 'pac', 'loop.pac'), LOOPING_PAC);
    await writeFile(join(dir, 'pac', 'broken.pac'), BROKEN_PAC);

    const U = upstream.port;
    const endpoints = [
      { name: 'proxied', role: 'api', url: `https://app.proxied.sr.test:${U}/proxied` },
      // Only the checks this test is about (an idle-timeout check holds WebSockets open for minutes).
      { name: 'proxied-ws', role: 'signalling', url: `wss://app.proxied.sr.test:${U}/ws`, checks: ['tcp', 'websocket'] },
      { name: 'direct', role: 'api', url: `https://app.direct.sr.test:${U}/direct` },
    ];
    const forced = { name: 'must-proxy', role: 'api', url: `https://app.direct.sr.test:${U}/forced`, via: 'proxy' };
    const site = (pac: string, eps: unknown[]) => ({
      site: { name: `pac ${pac}` },
      network: { dns: { servers: [dns.server], timeoutMs: 2000 }, proxy: { pac } },
      platform: { endpoints: eps },
      security: { trust: { caFile } },
      checks: CHECKS,
    });
    const sites: Record<string, Record<string, unknown>> = {
      file: site('pac/proxy.pac', endpoints),
      http: site(`${pacServer.url}/proxy.pac`, endpoints),
      loop: site('pac/loop.pac', [...endpoints, forced]),
      broken: site('pac/broken.pac', [...endpoints, forced]),
    };
    await settleAll(
      Object.entries(sites).map(async ([name, s]) => {
        runs[name] = await assessWithEnv(await writeSite(dir, s, `${name}.yaml`), dir, `${name}.json`);
        english[name] = await englishReport(runs[name].report);
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await cleanupAll(cleanups);
  });

  const get = (run: string, check: string, target: string): EnglishResult<ReportResult> => result(english[run]!, check, target);

  it('every run finishes (exit 0) with a complete, schema-valid report', async () => {
    const validate = await reportValidator();
    for (const [name, run] of Object.entries(runs)) {
      expect(run.cli.code, `${name}: ${run.cli.stderr}`).toBe(0);
      expect(validate(run.report), `${name}: ${JSON.stringify(validate.errors, null, 2)}`).toBe(true);
      // The one error a run may hold: a TLS audit the path let through nowhere (NOT AUDITED, incomplete on purpose).
      const notAudited = (r: ReportResult) => r.check === 'tls' && r.facts.notAudited !== undefined;
      expect(
        run.report.results.filter((r) => r.status === 'error' && !notAudited(r)),
        name,
      ).toEqual([]);
      expect(run.report.complete, name).toBe(!run.report.results.some(notAudited));
    }
  });

  describe.each([
    ['file', 'a PAC file next to the site file (relative path)'],
    ['http', 'a PAC served over HTTP'],
  ])('%s: %s', (run) => {
    it("the PAC's domain goes through the proxy it names, with its answer in facts.route", () => {
      const answer = `PAC: PROXY 127.0.0.1:${squid.port}; DIRECT`;
      for (const [check, target] of [
        ['http', 'proxied'],
        ['tcp', 'proxied'],
        ['websocket', 'proxied-ws'],
        ['tcp', 'proxied-ws'],
      ]) {
        const r = get(run, check!, target!);
        expect(r.facts, `${check} ${target}`).toMatchObject({
          classification: 'ok',
          path: 'proxy',
          proxy: `http://127.0.0.1:${squid.port}`,
          proxySource: 'pac',
          route: answer,
        });
      }
    });

    it('everything else goes DIRECT', () => {
      for (const check of ['http', 'tcp']) {
        expect(get(run, check, 'direct').facts, check).toMatchObject({ classification: 'ok', path: 'direct', route: 'PAC: DIRECT' });
      }
    });
  });

  it("the proxy really carried the PAC's domain, and only it", async () => {
    const log = await squid.log();
    expect(log).toContain(`CONNECT app.proxied.sr.test:${upstream.port}`);
    expect(log).not.toContain('app.direct.sr.test');
    expect(pacServer.hits()).toBeGreaterThan(0);
  });

  describe.each([
    ['loop', 'a PAC that never returns (while (true) {})', /^(FindProxyForURL did not return within \d+ ms|the PAC worker stopped)$/],
    ['broken', 'a PAC that does not parse', /^the PAC script failed: /],
  ])('%s: %s', (run, _title, why) => {
    it('every endpoint falls back to DIRECT, with the reason in facts.route', () => {
      for (const [check, target] of [
        ['http', 'proxied'],
        ['tcp', 'proxied'],
        ['websocket', 'proxied-ws'],
        ['http', 'direct'],
      ]) {
        const r = get(run, check!, target!);
        expect(r.facts, `${check} ${target}`).toMatchObject({ classification: 'ok', path: 'direct' });
        expect(r.facts.route, `${check} ${target}`).toMatch(/^PAC failed: /);
        expect(String(r.facts.route).slice('PAC failed: '.length), `${check} ${target}`).toMatch(why);
      }
      if (run === 'loop') {
        // The lookup that hit the deadline ended the looping worker (the others on it were failed with it).
        const routes = runs.loop!.report.results.map((r) => String(r.facts.route ?? ''));
        expect(routes.some((x) => /FindProxyForURL did not return within \d+ ms/.test(x))).toBe(true);
      }
    });

    it('an endpoint that must go through a proxy fails with a clear finding', () => {
      for (const check of ['http', 'tcp']) {
        const r = get(run, check, 'must-proxy');
        expect(r.status).toBe('fail');
        expect(r.facts).toMatchObject({ classification: 'proxy-denied', path: 'proxy' });
        const f = r.findings.find((x) => x.id === `${check}.proxy-denied`);
        expect(f?.text).toMatch(/^must-proxy: it must go through a proxy \(via: proxy\), but the PAC file gave none \(.+\)\.$/);
        expect(f?.evidence).toMatchObject({ code: 'PAC_FAILED', pacError: expect.stringMatching(why) });
        expect(f?.fix).toMatch(/^Configure the proxy/);
      }
      // The TLS audit has no path to run over: NOT AUDITED (incomplete).
      const tls = get(run, 'tls', 'must-proxy');
      expect(tls.status).toBe('error');
      expect(tls.facts).toMatchObject({ path: 'proxy', notAudited: 'no-route' });
    });
  });
});

describe.skipIf(!withNetns)('PAC myIpAddress() without dialling out', () => {
  let ns: Netns | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  let run: EnvRun;
  let leftTheNamespace = -1;
  let controlPackets = -1;

  /** Packets that tried to leave the namespace (anything not on lo): the DROP rule's counter. */
  async function dropped(): Promise<number> {
    const out = (await ns!.iptables(['-L', 'OUTPUT', '-v', '-n', '-x'])).stdout;
    const line = out.split('\n').find((l) => /\bDROP\b/.test(l));
    if (!line) throw new Error(`no DROP rule in OUTPUT:\n${out}`);
    return Number(line.trim().split(/\s+/)[0]);
  }

  beforeAll(async () => {
    const tmp = await tempDir('sr-pac-ip-');
    cleanups.push(() => tmp.remove());
    ns = await createNetns();
    cleanups.push(() => ns!.destroy());
    // A default route, so a dial to 8.8.8.8 really would send a SYN — which this rule counts and drops.
    await ns.exec(['ip', 'route', 'add', 'default', 'via', ns.hostIp]);
    await ns.iptables(['-A', 'OUTPUT', '-o', 'lo', '-j', 'ACCEPT']);
    await ns.iptables(['-A', 'OUTPUT', '-j', 'DROP']);
    // Control: a connection attempt from inside (to our own host end) is counted.
    await ns.exec([
      process.execPath,
      '-e',
      `require('node:net').connect(9, '${ns.hostIp}').on('error', () => {}); setTimeout(() => process.exit(0), 300);`,
    ]);
    controlPackets = await dropped();
    await ns.iptables(['-Z', 'OUTPUT']);

    await writeFile(
      join(tmp.path, 'myip.pac'),
      'function FindProxyForURL(url, host) {\n  return "DIRECT; PROXY " + myIpAddress() + ":3128";\n}\n',
    );
    const site = await writeSite(tmp.path, {
      site: { name: 'pac myIpAddress' },
      network: { proxy: { pac: 'myip.pac' } },
      // Inside the namespace nothing listens there: refused, at once. Only the route matters here.
      platform: { endpoints: [{ name: 'svc', role: 'api', host: '127.0.0.1', port: await freePort(), protocol: 'tcp' }] },
      checks: { tcp: { connectTimeoutMs: 1000 } },
    });
    run = await assessWithEnv(site, tmp.path, 'report.json', { prefix: ['ip', 'netns', 'exec', ns.name] });
    leftTheNamespace = await dropped();
  }, 60_000);

  afterAll(async () => {
    await cleanupAll(cleanups);
  });

  it('the namespace counts what tries to leave it (control)', () => {
    expect(controlPackets).toBeGreaterThan(0);
  });

  it("myIpAddress() is the namespace's own address, and not one packet left to find it", async () => {
    expect(run.cli.code, run.cli.stderr).toBe(0);
    const validate = await reportValidator();
    expect(validate(run.report), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const r = result(run.report, 'tcp', 'svc');
    expect(r.facts).toMatchObject({ path: 'direct', route: `PAC: DIRECT; PROXY ${ns!.nsIp}:3128`, classification: 'refused' });
    expect(leftTheNamespace).toBe(0);
  });
});
