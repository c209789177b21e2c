// The tls check through the site's proxy: every raw hello and handshake in a CONNECT tunnel of its
// own through tinyproxy or squid on loopback, in front of nginx (a Mozilla intermediate
// configuration) and openssl s_server (legacy TLS 1.0–1.2 with CBC). The accepted (version, suite)
// sets through the proxy must equal a direct scan of the same server. A proxy with Basic
// authentication (credentials from the site file, `via: proxy`), and one that refuses CONNECT to
// the port: NOT AUDITED, an incomplete result under every compliance profile, never a crash.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../src/lab/cert.js';
import { requireTool, runCli } from '../helpers/cli.js';
import { hasTool, reportValidator, result, startNginx, startProcess, tempDir, withRetries, writeSite, freePort } from '../helpers/peers.js';
import type { Nginx, Peer, Report, ReportResult } from '../helpers/peers.js';
import {
  NO_PROXY_ENV,
  assessWithEnv,
  cleanupAll,
  runWithEnv,
  settleAll,
  startSquid,
  startTinyproxy,
  type ProxyPeer,
} from '../helpers/proxies.js';
import { makeCert, writePair, type CertFiles } from '../tls/openssl-certs.js';

const available =
  requireTool(hasTool('openssl'), 'openssl') &&
  requireTool(hasTool('nginx'), 'nginx') &&
  requireTool(hasTool('tinyproxy'), 'tinyproxy') &&
  requireTool(hasTool('squid'), 'squid');

const MOZ_INTERMEDIATE =
  'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305';

const PROXY_USER = 'tls-audit';
const PROXY_PASSWORD = 'Tunn3l-S3cret-5d1e';

/** Every check but tls off: these tests are about the audit's path. */
const ONLY_TLS = Object.fromEntries(
  ['dns', 'tcp', 'http', 'websocket', 'interception', 'idle', 'egress', 'api', 'storage', 'sso', 'directory', 'org-sync'].map((c) => [
    c,
    { enabled: false },
  ]),
);

interface Audit {
  report: Report;
  result: ReportResult;
  facts: Record<string, any>;
  /** `TLSv1.2 0xC02F` … */
  accepted: string[];
  grade: string | undefined;
}

function auditOf(report: Report, target?: string): Audit {
  const r = target ? result(report, 'tls', target) : report.results.find((x) => x.check === 'tls')!;
  const facts = r.facts as Record<string, any>;
  return {
    report,
    result: r,
    facts,
    accepted: ((facts.accepted ?? []) as Array<{ version: string; code: string }>).map((a) => `${a.version} ${a.code}`).sort(),
    grade: r.measurements.find((m) => m.id === 'grade')?.value as string | undefined,
  };
}

describe.skipIf(!available)('tls check through the proxy: CONNECT tunnels, NOT AUDITED', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  const peers: Peer[] = [];
  let dir = '';
  let ca: CertFiles;
  let ecdsa: CertFiles;
  let rsa: CertFiles;
  let nginx: Nginx;
  let legacyPort = 0;
  let tiny: ProxyPeer;
  let tinyAuth: ProxyPeer;
  let tinyRefusing: ProxyPeer;
  let squid: ProxyPeer;

  const audit = async (hostPort: string, proxy?: string): Promise<Audit> => {
    const { cli, report } = await runWithEnv(['tls', hostPort, '--ca', ca.cert], proxy ? { HTTPS_PROXY: proxy } : {});
    expect([0, 1], cli.stderr).toContain(cli.code);
    return auditOf(report);
  };

  beforeAll(async () => {
    const tmp = await tempDir('sr-tlsproxy-');
    cleanups.push(() => tmp.remove());
    dir = tmp.path;
    ca = await writePair(dir, 'ca', createCertificateAuthority('siteready tls-through-proxy CA'));
    ecdsa = await makeCert({ dir, name: 'ecdsa', key: 'p256', commonName: 'localhost', dnsNames: ['localhost'], issuer: ca, days: 200 });
    rsa = await makeCert({ dir, name: 'rsa', key: 'rsa2048', commonName: 'localhost', dnsNames: ['localhost'], issuer: ca, days: 200 });

    const started = <T extends { stop: () => Promise<void> }>(p: Promise<T>): Promise<T> => p.then((x) => (cleanups.push(x.stop), x));
    nginx = await started(
      startNginx({
        dir,
        portCount: 2,
        servers: ([p, q]) => `
  server {
    listen 127.0.0.1:${p} ssl;
    ssl_certificate ${ecdsa.cert};
    ssl_certificate_key ${ecdsa.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ${MOZ_INTERMEDIATE};
    ssl_prefer_server_ciphers off;
    ssl_ecdh_curve X25519:prime256v1:secp384r1;
    location / { add_header Strict-Transport-Security "max-age=63072000" always; return 200 "ok"; }
  }
  server {
    listen 127.0.0.1:${q};
    location / { return 200 "plain"; }
  }
`,
      }),
    );
    legacyPort = await withRetries(5, async () => {
      const port = await freePort();
      const peer = await startProcess(
        'openssl',
        [
          's_server',
          '-accept',
          `127.0.0.1:${port}`,
          '-www',
          '-cert',
          rsa.cert,
          '-key',
          rsa.key,
          '-no_tls1_3',
          '-cipher',
          'AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0',
        ],
        { name: 'openssl s_server', ready: /ACCEPT/ },
      );
      peers.push(peer);
      return port;
    });
    cleanups.push(() => Promise.all(peers.map((p) => p.stop())));
    const otherPort = nginx.ports[1]!;
    [tiny, tinyAuth, tinyRefusing, squid] = await settleAll([
      started(startTinyproxy()),
      started(startTinyproxy({ basicAuth: { user: PROXY_USER, password: PROXY_PASSWORD } })),
      // CONNECT only to another port: the audited one is refused (403).
      started(startTinyproxy({ connectPorts: [otherPort] })),
      started(startSquid()),
    ]);
  }, 120_000);

  afterAll(async () => {
    await cleanupAll(cleanups);
  });

  it('nginx (Mozilla intermediate) through tinyproxy: the same (version, suite) set as directly, path proxy, durations compared', async () => {
    const target = `localhost:${nginx.ports[0]}`;
    // Alternating rounds, so neither path pays for a cold server alone; the medians are compared.
    const directs: Audit[] = [];
    const proxieds: Audit[] = [];
    for (let round = 0; round < 3; round++) {
      directs.push(await audit(target));
      proxieds.push(await audit(target, tiny.url));
    }
    const median = (xs: Audit[]) => xs.map((x) => x.facts.durationMs as number).sort((a, b) => a - b)[1]!;
    const direct = directs[0]!;
    const proxied = proxieds[0]!;
    for (const p of proxieds) expect(p.accepted).toEqual(direct.accepted);
    expect(direct.facts.path).toBe('direct');
    expect(proxied.facts.path).toBe('proxy');
    expect(proxied.result.path).toBe('proxy');
    expect(proxied.facts.proxy).toBe(tiny.url);
    expect(proxied.facts.proxySource).toBe('env');
    expect(proxied.accepted.length).toBeGreaterThan(3);
    expect(proxied.accepted).toEqual(direct.accepted);
    expect(proxied.accepted).toContain('TLSv1.2 0xC02B');
    expect(proxied.facts.versions).toEqual(direct.facts.versions);
    expect(proxied.facts.groups).toEqual(direct.facts.groups);
    expect(proxied.facts.preference).toEqual(direct.facts.preference);
    expect(proxied.facts.facts.alpn).toEqual(direct.facts.facts.alpn);
    expect(proxied.grade).toBe(direct.grade);
    // The finished handshake went through the tunnel too: the same certificate, from the lab CA.
    expect(proxied.facts.certificate.chain[0].fingerprint256).toBe(direct.facts.certificate.chain[0].fingerprint256);
    expect(proxied.facts.certificate).toMatchObject({ trusted: true, publicRoot: false });
    // A private CA through the proxy: the report says the proxy may be what answered.
    expect(proxied.facts.answeredBy).toBe('proxy-suspected');
    expect(proxied.result.findings.map((f) => f.id)).toContain('tls.proxy-answered');
    // Every probe its own tunnel, never more than four at once.
    expect(proxied.facts.tunnels).toMatchObject({ failed: 0, max: 4 });
    expect(proxied.facts.tunnels.opened).toBeGreaterThanOrEqual(proxied.facts.probes);
    const validate = await reportValidator();
    expect(validate(proxied.report), JSON.stringify(validate.errors)).toBe(true);

    const directMs = median(directs);
    const proxiedMs = median(proxieds);
    console.log(
      `tls scan of nginx (median of 3): direct ${directMs} ms (${direct.facts.probes} hellos, 8 at once); ` +
        `through tinyproxy ${proxiedMs} ms (${proxied.facts.probes} hellos, ${proxied.facts.tunnels.opened} CONNECT tunnels, 4 at once); ` +
        `ratio ${(proxiedMs / Math.max(1, directMs)).toFixed(2)}`,
    );
  }, 120_000);

  it('openssl s_server (legacy TLS 1.0–1.2, CBC) through squid: the same set as directly', async () => {
    const target = `127.0.0.1:${legacyPort}`;
    const direct = await audit(target);
    const proxied = await audit(target, squid.url);
    expect(proxied.facts.path).toBe('proxy');
    expect(proxied.facts.proxy).toBe(squid.url);
    expect(proxied.accepted).toEqual(direct.accepted);
    expect(proxied.accepted).toEqual(expect.arrayContaining(['TLSv1.0 0x002F', 'TLSv1.2 0xC02F']));
    expect(proxied.facts.versions).toMatchObject({ 'TLSv1.0': true, 'TLSv1.2': true, 'TLSv1.3': false });
    expect(proxied.grade).toBe(direct.grade);
    expect((await squid.log()).match(/CONNECT 127\.0\.0\.1:\d+/g)?.length ?? 0).toBeGreaterThanOrEqual(proxied.facts.probes);
  }, 120_000);

  it('a proxy with Basic authentication, credentials from the site file, endpoint via: proxy (assess)', async () => {
    const sitePath = await writeSite(
      dir,
      {
        site: { name: 'tls through an authenticating proxy' },
        network: { proxy: { url: tinyAuth.url, username: PROXY_USER, password: '${PROXY_PASSWORD}' } },
        platform: { endpoints: [{ name: 'gateway', role: 'api', protocol: 'tls', host: 'localhost', port: nginx.ports[0], via: 'proxy' }] },
        security: { trust: { caFile: ca.cert } },
        checks: ONLY_TLS,
      },
      'auth-site.yaml',
    );
    const run = await assessWithEnv(sitePath, dir, 'auth.json', { env: { PROXY_PASSWORD } });
    const a = auditOf(run.report, 'gateway');
    expect(a.facts).toMatchObject({ path: 'proxy', proxy: tinyAuth.url, proxySource: 'site', classification: 'ok' });
    const direct = await audit(`localhost:${nginx.ports[0]}`);
    expect(a.accepted).toEqual(direct.accepted);
    expect(run.text).not.toContain(PROXY_PASSWORD);
    expect(run.text).not.toContain(Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64'));

    // The same proxy without the password: NOT AUDITED (credentials wanted), not a crash.
    const without = await writeSite(
      dir,
      {
        site: { name: 'tls through an authenticating proxy, no credentials' },
        network: { proxy: { url: tinyAuth.url } },
        platform: { endpoints: [{ name: 'gateway', role: 'api', protocol: 'tls', host: 'localhost', port: nginx.ports[0], via: 'proxy' }] },
        checks: ONLY_TLS,
      },
      'noauth-site.yaml',
    );
    const refused = auditOf((await assessWithEnv(without, dir, 'noauth.json')).report, 'gateway');
    expect(refused.result.status).toBe('error');
    expect(refused.facts).toMatchObject({ path: 'proxy', notAudited: 'proxy-auth', classification: 'proxy-auth-required' });
    expect(refused.result.findings.map((f) => f.id)).toEqual(['tls.not-audited']);
  }, 120_000);

  it('a proxy that refuses CONNECT to the port: NOT AUDITED (run), no crash', async () => {
    const a = await audit(`localhost:${nginx.ports[0]}`, tinyRefusing.url);
    expect(a.result.status).toBe('error');
    expect(a.facts).toMatchObject({ path: 'proxy', notAudited: 'connect-refused', classification: 'proxy-denied' });
    expect(a.facts.failure).toMatchObject({ phase: 'proxy', code: 'HTTP_403' });
    expect(a.facts.tunnels.opened).toBe(0);
    expect(a.accepted).toEqual([]);
    expect(a.result.findings.map((f) => f.id)).toEqual(['tls.not-audited']);
    const validate = await reportValidator();
    expect(validate(a.report), JSON.stringify(validate.errors)).toBe(true);
    // A proxy that is down: NOT AUDITED too (the proxy cannot be reached), within the deadline.
    const down = await audit(`localhost:${nginx.ports[0]}`, `http://127.0.0.1:${await freePort()}`);
    expect(down.result.status).toBe('error');
    expect(down.facts).toMatchObject({ path: 'proxy', notAudited: 'proxy-unreachable', classification: 'refused' });
    expect(down.facts.failure.detail).toMatchObject({ hop: 'proxy' });
    // The rendered report says NOT AUDITED, with the proxy's refusal (Markdown: nothing is cut to a width).
    const md = await runCli(['run', 'tls', `localhost:${nginx.ports[0]}`, '--ca', ca.cert, '--format', 'md'], {
      env: { ...NO_PROXY_ENV, HTTPS_PROXY: tinyRefusing.url },
    });
    expect(md.stdout).toMatch(/NOT AUDITED — the proxy http:\/\/127\.0\.0\.1:\d+ refused a CONNECT tunnel to it/);
  }, 120_000);

  it('NOT AUDITED is incomplete once, the same under baseline and finance-cn; the gate says so under both', async () => {
    const siteFor = (profile: string) =>
      writeSite(
        dir,
        {
          site: { name: `not audited under ${profile}` },
          network: { proxy: { url: tinyRefusing.url } },
          platform: {
            endpoints: [{ name: 'gateway', role: 'api', protocol: 'tls', host: 'localhost', port: nginx.ports[0], via: 'proxy' }],
          },
          security: { cryptography: { national: 'required' } },
          compliance: { profiles: [profile] },
          checks: ONLY_TLS,
        },
        `${profile}-site.yaml`,
      );
    const gated = async (profile: string) => {
      const out = `${dir}/${profile}.json`;
      const cli = await runCli(['assess', await siteFor(profile), '--format', 'json', '--out', out, '--quiet', '--fail-under', '0'], {
        env: NO_PROXY_ENV,
        timeoutMs: 90_000,
      });
      const { readFile } = await import('node:fs/promises');
      return {
        cli,
        report: JSON.parse(await readFile(out, 'utf8')) as Report & { gate?: { passed: boolean; reasons: Array<{ id: string }> } },
      };
    };
    for (const profile of ['baseline', 'finance-cn']) {
      const { cli, report } = await gated(profile);
      const tls = result(report, 'tls', 'gateway');
      expect(tls.status, profile).toBe('error');
      expect(tls.findings.map((f) => f.id)).toEqual(['tls.not-audited']);
      // No compliance rule counts the same gap again: those that needed the audit are not
      // evaluated, pointing at the tls result, and informative.
      const needingTls = report.results.filter(
        (r) => r.check === 'compliance' && JSON.stringify(r.facts.decidedBy ?? []).includes('"check":"tls"'),
      );
      for (const r of needingTls) {
        expect(r.facts.outcome, `${profile} ${r.key}`).toBe('not-evaluated');
        expect(r.status, `${profile} ${r.key}`).toBe('info');
        expect(r.facts.incompleteAt).toEqual(['tls:gateway']);
      }
      if (profile === 'finance-cn') expect(needingTls.map((r) => r.facts.rule)).toContain('national-cryptography');
      expect(report.gate?.passed, profile).toBe(false);
      expect(report.gate?.reasons.map((m) => m.id)).toContain('gate.incomplete');
      expect(cli.code, cli.stderr).toBe(1);
    }
  }, 180_000);
});
