// TLS interception: a re-signing CONNECT proxy (test/helpers/mitm-proxy.ts) between siteready
// and the platform's real HTTPS server. When the site trusts the inspection CA — as managed
// corporate clients do — certificate validation passes, and only the expectations catch it: the
// expected issuer, an SPKI pin, or a certificate that differs from the one on the direct path.
// When the CA is not trusted, the http check fails with untrusted-issuer and the interception
// check says so. The direct path to the real server with the expectations met passes.

import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../src/lab/cert.js';
import { spkiPin } from '../../src/tls/cert-chain.js';
import { requireTool } from '../helpers/cli.js';
import { factsSchemaProblems } from '../helpers/facts-schema.js';
import { startMitmProxy, type MitmProxy } from '../helpers/mitm-proxy.js';
import { hasTool, reportValidator, result, startDnsmasq, tempDir, writeSite, type Report, type ReportResult } from '../helpers/peers.js';
import { assessWithEnv, cleanupAll, settleAll, startTlsUpstream, type EnvRun, type Upstream } from '../helpers/proxies.js';
import { englishReport, type EnglishReport, type EnglishResult } from '../helpers/report-text.js';

const available = requireTool(hasTool('dnsmasq'), 'dnsmasq');

const REAL_CA = 'siteready real CA';
const MITM_CA = 'Corp TLS Inspection CA';
const HOST = 'chat.sr.test';
const CHECKS = {
  tcp: { connectTimeoutMs: 2000, slowMs: 2000 },
  http: { connectTimeoutMs: 2000, slowMs: 5000 },
  interception: { connectTimeoutMs: 2000 },
  dns: { slowMs: 4000 },
};

/** A finding with its English text (`text`, `fix`) rendered from the catalogs. */
function finding(r: EnglishResult<ReportResult>, id: string) {
  const f = r.findings.find((x) => x.id === id);
  if (!f) throw new Error(`${r.check}:${r.target} has no finding ${id}; has ${r.findings.map((x) => x.id).join(', ') || 'none'}`);
  return f;
}

describe.skipIf(!available)('interception check against a re-signing proxy', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  let upstream: Upstream;
  let mitm: MitmProxy;
  let realPin = '';
  let trusted: EnvRun;
  let untrusted: EnvRun;
  // The reports with their findings' English text.
  let trustedEn: EnglishReport<Report>;
  let untrustedEn: EnglishReport<Report>;

  beforeAll(async () => {
    const tmp = await tempDir('sr-mitm-');
    cleanups.push(() => tmp.remove());
    const dir = tmp.path;
    const realCa = createCertificateAuthority(REAL_CA);
    const mitmCa = createCertificateAuthority(MITM_CA);
    const realLeaf = issueCertificate(realCa, { commonName: HOST, dnsNames: [HOST] });
    realPin = spkiPin(new X509Certificate(realLeaf.certPem));
    await writeFile(join(dir, 'real-ca.pem'), realCa.certPem);
    // What a managed corporate client trusts: the platform's CA and the inspection CA.
    await writeFile(join(dir, 'corp-bundle.pem'), realCa.certPem + mitmCa.certPem);

    upstream = await startTlsUpstream(realLeaf);
    cleanups.push(upstream.stop);
    mitm = await startMitmProxy({ ca: mitmCa, resolve: () => '127.0.0.1', upstreamCa: realCa.certPem });
    cleanups.push(mitm.stop);
    const dns = await startDnsmasq({ dir, records: [`--address=/${HOST}/127.0.0.1`] });
    cleanups.push(() => dns.stop());

    const url = (path: string) => `https://${HOST}:${upstream.port}/${path}`;
    const base = (name: string) => ({
      site: { name },
      network: { dns: { servers: [dns.server], timeoutMs: 2000 }, proxy: { url: mitm.url } },
    });
    const trustedSite = await writeSite(
      dir,
      {
        ...base('inspection CA trusted'),
        platform: {
          endpoints: [
            { name: 'issuer', role: 'api', url: url('issuer'), tls: { expectedIssuer: `CN=${REAL_CA}` } },
            { name: 'pin', role: 'api', url: url('pin'), tls: { spkiPins: [`sha256/${realPin}`] } },
            { name: 'differs', role: 'api', url: url('differs') },
            {
              name: 'direct-ok',
              role: 'api',
              url: url('direct'),
              via: 'direct',
              tls: { expectedIssuer: `CN=${REAL_CA}`, spkiPins: [realPin] },
            },
          ],
        },
        security: { trust: { caFile: 'corp-bundle.pem' } },
        checks: CHECKS,
      },
      'trusted.yaml',
    );
    const untrustedSite = await writeSite(
      dir,
      {
        ...base('inspection CA not trusted'),
        platform: { endpoints: [{ name: 'untrusted', role: 'api', url: url('untrusted') }] },
        security: { trust: { caFile: 'real-ca.pem' } },
        // Without the direct comparison, what is left to say is that the chain is not trusted.
        checks: { ...CHECKS, interception: { ...CHECKS.interception, compareDirect: false } },
      },
      'untrusted.yaml',
    );
    [trusted, untrusted] = await settleAll([
      assessWithEnv(trustedSite, dir, 'trusted.json'),
      assessWithEnv(untrustedSite, dir, 'untrusted.json'),
    ]);
    [trustedEn, untrustedEn] = await Promise.all([englishReport(trusted.report), englishReport(untrusted.report)]);
  }, 90_000);

  afterAll(async () => {
    await cleanupAll(cleanups);
  });

  it('both runs exit 0 with schema-valid reports', async () => {
    const validate = await reportValidator();
    for (const run of [trusted, untrusted]) {
      expect(run.cli.code, run.cli.stderr).toBe(0);
      expect(validate(run.report), JSON.stringify(validate.errors, null, 2)).toBe(true);
      expect(await factsSchemaProblems(run.report.results)).toEqual([]);
    }
  });

  it('the proxy really re-signed: it minted a leaf for the host, and validation alone passes', () => {
    expect(mitm.connects).toContain(`${HOST}:${upstream.port}`);
    expect(mitm.minted()).toContain(HOST);
    const http = result(trustedEn, 'http', 'issuer');
    expect(http.facts).toMatchObject({ classification: 'ok', path: 'proxy', proxy: mitm.url, status: 200 });
    expect(http.facts.tls).toMatchObject({ authorized: true });
    expect(upstream.requests.some((q) => q.url === '/issuer')).toBe(true);
  });

  it('tls.expectedIssuer = the real CA: intercepted (interception.issuer)', () => {
    const r = result(trustedEn, 'interception', 'issuer');
    expect(r.status).toBe('fail');
    expect(r.facts).toMatchObject({ classification: 'intercepted', path: 'proxy' });
    expect(r.facts.chain.certs[0].issuer).toBe(`CN=${MITM_CA}`);
    const f = finding(r, 'interception.issuer');
    expect(f.severity).toBe('high');
    expect(f.text).toBe(
      `issuer: TLS to ${HOST}:${upstream.port} is intercepted: the certificate is issued by CN=${MITM_CA}, not by the expected CN=${REAL_CA}.`,
    );
    expect(f.fix).toMatch(/Exempt the platform's hosts from TLS inspection/);
  });

  it("tls.spkiPins = the real leaf's pin: intercepted (interception.pin)", () => {
    const r = result(trustedEn, 'interception', 'pin');
    expect(r.status).toBe('fail');
    expect(r.facts).toMatchObject({ classification: 'intercepted', path: 'proxy' });
    const f = finding(r, 'interception.pin');
    expect(f.evidence?.presentedPins).not.toContain(realPin);
    expect(f.evidence?.presentedPins).toContain(r.facts.chain.certs[0].spkiSha256);
  });

  it('no expectations, but the direct path is reachable: the certificates differ (interception.differs)', () => {
    const r = result(trustedEn, 'interception', 'differs');
    expect(r.status).toBe('fail');
    expect(r.facts).toMatchObject({
      classification: 'intercepted',
      path: 'proxy',
      direct: { leafIssuer: `CN=${REAL_CA}`, spkiSha256: realPin },
    });
    expect(r.facts.chain.certs[0].spkiSha256).not.toBe(realPin);
    expect(r.findings.map((f) => f.id)).toEqual(['interception.differs']);
    expect(finding(r, 'interception.differs').text).toContain(
      `through the proxy (CN=${MITM_CA}) differs from the one on the direct path (CN=${REAL_CA})`,
    );
  });

  it('the inspection CA not trusted: interception.untrusted (warn), and the http check fails with untrusted-issuer', () => {
    const r = result(untrustedEn, 'interception', 'untrusted');
    expect(r.status).toBe('warn');
    expect(r.facts).toMatchObject({ classification: 'tls-failure', path: 'proxy', chain: { authorized: false } });
    const f = finding(r, 'interception.untrusted');
    expect(f.severity).toBe('medium');
    expect(f.text).toContain(`the issuer is CN=${MITM_CA}`);
    const http = result(untrustedEn, 'http', 'untrusted');
    expect(http.status).toBe('fail');
    expect(http.facts).toMatchObject({ classification: 'tls-failure', failure: { tlsKind: 'untrusted-issuer' }, path: 'proxy' });
    expect(finding(http, 'http.tls-failure').text).toMatch(/CA this client does not trust/);
  });

  it('direct to the real server with the expectations met: pass', () => {
    const r = result(trustedEn, 'interception', 'direct-ok');
    expect(r.status).toBe('pass');
    expect(r.findings).toEqual([]);
    expect(r.facts).toMatchObject({ classification: 'ok', path: 'direct', chain: { authorized: true } });
    expect(r.facts.chain.certs[0]).toMatchObject({ issuer: `CN=${REAL_CA}`, spkiSha256: realPin });
    expect(result(trustedEn, 'http', 'direct-ok').facts).toMatchObject({ classification: 'ok', path: 'direct' });
  });
});
