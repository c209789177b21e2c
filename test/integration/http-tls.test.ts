// http check against real TLS peers: nginx on loopback serving lab certificates (valid, expired,
// for another name, from an untrusted CA, self-signed), a plain-HTTP nginx port addressed as
// https, status and redirect handling, and openssl s_server speaking only TLS 1.1.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate, type KeyAndCert } from '../../src/lab/cert.js';
import { requireTool } from '../helpers/cli.js';
import { runOk } from '../helpers/netns.js';
import {
  assess,
  freePort,
  hasTool,
  reportValidator,
  result,
  startDnsmasq,
  startNginx,
  startProcess,
  tempDir,
  withRetries,
  type AssessRun,
  type Dnsmasq,
  type Nginx,
  type Peer,
  type TempDir,
  writeSite,
} from '../helpers/peers.js';
import { factsSchemaProblems } from '../helpers/facts-schema.js';
import { englishReport } from '../helpers/report-text.js';

const available = requireTool(hasTool('nginx'), 'nginx') && requireTool(hasTool('dnsmasq'), 'dnsmasq');
const withOpenssl = available && requireTool(hasTool('openssl'), 'openssl');

const DAY = 24 * 3600_000;

/** A self-signed server certificate (CA:FALSE, digitalSignature, serverAuth) made by openssl. */
async function selfSignedLeaf(dir: string, host: string): Promise<KeyAndCert> {
  const cfg = join(dir, 'selfsigned.cnf');
  await writeFile(
    cfg,
    [
      '[req]',
      'distinguished_name = dn',
      'x509_extensions = ext',
      'prompt = no',
      '[dn]',
      `CN = ${host}`,
      '[ext]',
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = serverAuth',
      `subjectAltName = DNS:${host}`,
      '',
    ].join('\n'),
  );
  const key = join(dir, 'selfsigned-openssl.key');
  const crt = join(dir, 'selfsigned-openssl.crt');
  await runOk('openssl', [
    'req',
    '-x509',
    '-new',
    '-config',
    cfg,
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    crt,
    '-days',
    '30',
  ]);
  return { certPem: await readFile(crt, 'utf8'), keyPem: await readFile(key, 'utf8') };
}

describe.skipIf(!available)('http check: TLS failure kinds, status and redirects against nginx', () => {
  let tmp: TempDir | undefined;
  let dns: Dnsmasq | undefined;
  let nginx: Nginx | undefined;
  let caFile = '';
  let port: Record<'valid' | 'expired' | 'mismatch' | 'untrusted' | 'selfSigned' | 'plain', number>;
  let trusted: AssessRun;
  let untrustedRun: AssessRun;

  beforeAll(async () => {
    tmp = await tempDir('sr-http-');
    const dir = tmp.path;
    const ca = createCertificateAuthority('siteready it CA');
    const otherCa = createCertificateAuthority('some other CA');
    const certs: Record<string, KeyAndCert> = {
      valid: issueCertificate(ca, { commonName: 'valid.sr.test', dnsNames: ['valid.sr.test'] }),
      expired: issueCertificate(ca, {
        commonName: 'expired.sr.test',
        notBefore: new Date(Date.now() - 60 * DAY),
        notAfter: new Date(Date.now() - DAY),
      }),
      mismatch: issueCertificate(ca, { commonName: 'other.example', dnsNames: ['other.example'] }),
      untrusted: issueCertificate(otherCa, { commonName: 'untrusted.sr.test' }),
    };
    // cert.ts makes self-signed certificates only as CAs (keyCertSign), which no TLS server can
    // use; a self-signed *server* certificate comes from openssl. Without openssl that case is
    // skipped and the server slot gets the CA certificate just so nginx starts.
    certs.selfSigned = withOpenssl ? await selfSignedLeaf(dir, 'selfsigned.sr.test') : ca;
    caFile = join(dir, 'ca.pem');
    await writeFile(caFile, ca.certPem);
    for (const [name, c] of Object.entries(certs)) {
      await writeFile(join(dir, `${name}.crt`), c.certPem);
      await writeFile(join(dir, `${name}.key`), c.keyPem);
    }

    dns = await startDnsmasq({ dir, records: ['--address=/sr.test/127.0.0.1'] });
    const tls = (name: string) => `ssl_certificate ${dir}/${name}.crt; ssl_certificate_key ${dir}/${name}.key;`;
    nginx = await startNginx({
      dir,
      portCount: 6,
      servers: ([valid, expired, mismatch, untrusted, selfSigned, plain]) => `
  server {
    listen 127.0.0.1:${valid} ssl;
    ${tls('valid')}
    location = /ok { return 200 "ok\\n"; }
    location = /down { return 503; }
    location = /r1 { return 301 /r2; }
    location = /r2 { return 302 /final; }
    location = /final { return 200 "arrived\\n"; }
    location = /loop { return 302 /loop; }
  }
  server { listen 127.0.0.1:${expired} ssl; ${tls('expired')} location / { return 200 "ok\\n"; } }
  server { listen 127.0.0.1:${mismatch} ssl; ${tls('mismatch')} location / { return 200 "ok\\n"; } }
  server { listen 127.0.0.1:${untrusted} ssl; ${tls('untrusted')} location / { return 200 "ok\\n"; } }
  server { listen 127.0.0.1:${selfSigned} ssl; ${tls('selfSigned')} location / { return 200 "ok\\n"; } }
  server { listen 127.0.0.1:${plain}; location / { return 200 "plain http\\n"; } }
`,
    });
    const [valid, expired, mismatch, untrusted, selfSigned, plain] = nginx.ports as [number, number, number, number, number, number];
    port = { valid, expired, mismatch, untrusted, selfSigned, plain };

    const endpoints = [
      { name: 'valid', role: 'api', url: `https://valid.sr.test:${valid}/ok` },
      { name: 'expired', role: 'api', url: `https://expired.sr.test:${expired}/` },
      { name: 'mismatch', role: 'api', url: `https://mismatch.sr.test:${mismatch}/` },
      { name: 'untrusted', role: 'api', url: `https://untrusted.sr.test:${untrusted}/` },
      { name: 'self-signed', role: 'api', url: `https://selfsigned.sr.test:${selfSigned}/` },
      { name: 'plain-http', role: 'api', url: `https://plain.sr.test:${plain}/` },
      { name: 'unavailable', role: 'api', url: `https://valid.sr.test:${valid}/down` },
      { name: 'redirected', role: 'web', url: `https://valid.sr.test:${valid}/r1` },
      { name: 'loop', role: 'web', url: `https://valid.sr.test:${valid}/loop` },
    ];
    const base = {
      network: { dns: { servers: [dns.server], timeoutMs: 2000 } },
      checks: { http: { connectTimeoutMs: 2000 } },
    };
    const trustedSite = await writeSite(
      dir,
      { site: { name: 'http tls' }, ...base, platform: { endpoints }, security: { trust: { caFile } } },
      'trusted.yaml',
    );
    const untrustedSite = await writeSite(
      dir,
      { site: { name: 'http tls, no CA' }, ...base, platform: { endpoints: [endpoints[0]!] } },
      'untrusted.yaml',
    );
    [trusted, untrustedRun] = await Promise.all([
      assess(trustedSite, dir, [], 'trusted.json'),
      assess(untrustedSite, dir, [], 'untrusted.json'),
    ]);
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    await dns?.stop();
    await tmp?.remove();
  });

  it('writes schema-valid reports', async () => {
    expect(trusted.cli.code, trusted.cli.stderr).toBe(0);
    expect(untrustedRun.cli.code, untrustedRun.cli.stderr).toBe(0);
    const validate = await reportValidator();
    for (const { report } of [trusted, untrustedRun]) {
      expect(validate(report), JSON.stringify(validate.errors, null, 2)).toBe(true);
      expect(await factsSchemaProblems(report.results)).toEqual([]);
    }
  });

  it('valid certificate + security.trust.caFile: ok, 200, TLS facts recorded', () => {
    const r = result(trusted.report, 'http', 'valid');
    expect(r.status).toMatch(/^(pass|warn)$/);
    expect(r.facts).toMatchObject({ classification: 'ok', status: 200 });
    expect(r.facts.tls).toMatchObject({ authorized: true, protocol: expect.stringMatching(/^TLSv1\.[23]$/), alpn: 'http/1.1' });
    expect(r.facts.hops).toHaveLength(1);
    expect(r.findings.filter((f) => f.severity !== 'medium')).toEqual([]);
  });

  function expectTlsFailure(target: string, kind: string, code: string): void {
    const r = result(trusted.report, 'http', target);
    expect(r.status).toBe('fail');
    expect(r.facts).toMatchObject({ classification: 'tls-failure', failure: { phase: 'tls', tlsKind: kind, code } });
    expect(r.findings).toEqual([
      expect.objectContaining({ id: 'http.tls-failure', severity: 'critical', evidence: expect.objectContaining({ tlsKind: kind }) }),
    ]);
    // The TCP path is fine: only TLS is broken.
    expect(result(trusted.report, 'tcp', target).facts.classification).toBe('ok');
  }

  it.each([
    ['expired', 'expired', 'CERT_HAS_EXPIRED'],
    ['mismatch', 'hostname-mismatch', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['untrusted', 'untrusted-issuer', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  ])('%s certificate: tls-failure, kind %s', (target, kind, code) => expectTlsFailure(target, kind, code));

  it.runIf(withOpenssl)('self-signed certificate: tls-failure, kind self-signed', () =>
    expectTlsFailure('self-signed', 'self-signed', 'DEPTH_ZERO_SELF_SIGNED_CERT'),
  );

  it('a certificate from a CA the client was not given: untrusted-issuer', async () => {
    const r = result(await englishReport(untrustedRun.report), 'http', 'valid');
    expect(r.status).toBe('fail');
    expect(r.facts).toMatchObject({ classification: 'tls-failure', failure: { tlsKind: 'untrusted-issuer' } });
    expect(r.findings[0]!.text).toMatch(/CA this client does not trust/);
  });

  it('plain HTTP on an https URL: tls-failure, not-tls (the peer does not speak TLS)', () => {
    const r = result(trusted.report, 'http', 'plain-http');
    expect(r.status).toBe('fail');
    expect(r.facts).toMatchObject({
      classification: 'tls-failure',
      failure: { phase: 'tls', tlsKind: 'not-tls', code: 'ERR_SSL_WRONG_VERSION_NUMBER' },
    });
  });

  it('HTTP 503: http-error with the status', async () => {
    const r = result(await englishReport(trusted.report), 'http', 'unavailable');
    expect(r.status).toBe('fail');
    expect(r.facts).toMatchObject({ classification: 'http-error', status: 503 });
    expect(r.findings).toEqual([expect.objectContaining({ id: 'http.status', severity: 'critical' })]);
    expect(r.findings[0]!.text).toContain('HTTP 503');
  });

  it('301 → 302 → 200: ok, every hop recorded', () => {
    const r = result(trusted.report, 'http', 'redirected');
    expect(r.facts).toMatchObject({ classification: 'ok', status: 200, finalUrl: `https://valid.sr.test:${port.valid}/final` });
    expect(r.facts.hops.map((h: { status: number }) => h.status)).toEqual([301, 302, 200]);
    expect(r.facts.hops).toHaveLength(3);
    expect(r.facts.hops[0].location).toMatch(/\/r2$/);
    expect(r.measurements.find((m) => m.id === 'redirects')?.value).toBe(2);
  });

  it('a redirect loop fails', () => {
    const r = result(trusted.report, 'http', 'loop');
    expect(r.status).toBe('fail');
    expect(r.score).toBe(0);
    expect(r.facts.classification).toBe('http-error');
    expect(r.facts.hops).toHaveLength(6); // the first request + maxRedirects (5) followed
    expect(r.findings).toEqual([expect.objectContaining({ id: 'http.redirects', severity: 'high' })]);
  });

  it('verdict: critical TLS failures mean NOT READY', () => {
    expect(trusted.report.verdict).toBe('NOT READY');
    expect(untrustedRun.report.verdict).toBe('NOT READY');
  });

  describe.skipIf(!withOpenssl)('openssl s_server that only speaks TLS 1.1', () => {
    let server: Peer | undefined;
    let sslPort = 0;

    beforeAll(async () => {
      const dir = tmp!.path;
      server = await withRetries(5, async () => {
        sslPort = await freePort();
        return startProcess(
          'openssl',
          // TLS 1.1 needs security level 0 on OpenSSL 3; the Node client asks for 1.2+.
          [
            's_server',
            '-accept',
            `127.0.0.1:${sslPort}`,
            '-cert',
            join(dir, 'valid.crt'),
            '-key',
            join(dir, 'valid.key'),
            '-tls1_1',
            '-cipher',
            'DEFAULT@SECLEVEL=0',
            '-www',
          ],
          { name: 'openssl s_server', ready: /ACCEPT/ },
        );
      });
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('protocol-mismatch: client and server share no TLS version', async () => {
      const site = await writeSite(
        tmp!.path,
        {
          site: { name: 'legacy tls' },
          network: { dns: { servers: [dns!.server], timeoutMs: 2000 } },
          platform: { endpoints: [{ name: 'legacy', role: 'api', url: `https://valid.sr.test:${sslPort}/` }] },
          security: { trust: { caFile } },
        },
        'legacy.yaml',
      );
      const { cli, report } = await assess(site, tmp!.path, [], 'legacy.json');
      expect(cli.code, cli.stderr).toBe(0);
      const r = result(await englishReport(report), 'http', 'legacy');
      expect(r.status).toBe('fail');
      expect(r.facts).toMatchObject({ classification: 'tls-failure', failure: { phase: 'tls', tlsKind: 'protocol-mismatch' } });
      expect(r.findings[0]!.text).toMatch(/share no TLS version/);
    });
  });
});
