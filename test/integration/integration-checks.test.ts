// The integration checks (directory, sso, api, storage, org-sync) against real local peers: an
// HTTPS server in the test playing OpenID providers, SAML IdPs, business APIs and S3 / WebDAV
// storage; openssl s_server as a TLS-only LDAPS port; slapd for StartTLS and binds; and hostile
// TCP servers (garbage, stalls, oversized BER, SMB1) that must give findings, never hangs.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate, type KeyAndCert } from '../../src/lab/cert.js';
import { requireTool, runCli } from '../helpers/cli.js';
import { runOk } from '../helpers/netns.js';
import {
  startFakeServices,
  startHostileTcp,
  startSlapd,
  type FakeServices,
  type Listening,
  type Slapd,
} from '../helpers/integration-peers.js';
import {
  freePort,
  hasTool,
  reportValidator,
  result,
  startDnsmasq,
  startProcess,
  tempDir,
  withRetries,
  writeSite,
  type Dnsmasq,
  type Peer,
  type Report,
  type TempDir,
} from '../helpers/peers.js';
import { assessWithEnv, runWithEnv, startTinyproxy, type ProxyPeer } from '../helpers/proxies.js';
import { englishReport, type EnglishReport } from '../helpers/report-text.js';

const available = requireTool(hasTool('dnsmasq'), 'dnsmasq') && requireTool(hasTool('openssl'), 'openssl');
const withSlapd = available && requireTool(hasTool('slapd'), 'slapd');
const withTinyproxy = available && requireTool(hasTool('tinyproxy'), 'tinyproxy');

const DAY = 24 * 3600_000;
const NAMES = ['idp.sr.test', 'api.sr.test', 'files.sr.test', 'ldap.sr.test', 'sync.sr.test'];
const ROOT_PW = 'root-pw-7c1f9a';
const WRONG_PW = 'wrong-pw-51d2e0';

describe.skipIf(!available)('integration checks against local peers', () => {
  let tmp: TempDir | undefined;
  let dns: Dnsmasq | undefined;
  let fake: FakeServices | undefined;
  const hostile: Record<string, Listening> = {};
  const sServers: Peer[] = [];
  let caFile = '';
  let dir = '';
  let report: Report;
  /** The report with its findings' English text. */
  let english: EnglishReport<Report>;
  let sslPorts: { valid: number; expired: number };
  let siteSpec: Record<string, unknown>;
  /** The report as written, for judging it again. */
  let reportText = '';

  /** openssl s_server in -www mode: a TLS-only peer that never reads stdin (and so never hangs up on its own). */
  async function sServer(cert: string, key: string): Promise<{ peer: Peer; port: number }> {
    return withRetries(5, async () => {
      const port = await freePort();
      const peer = await startProcess('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', cert, '-key', key, '-www'], {
        name: 'openssl s_server',
        ready: /ACCEPT/,
      });
      return { peer, port };
    });
  }

  beforeAll(async () => {
    tmp = await tempDir('sr-integ-');
    dir = tmp.path;
    const ca = createCertificateAuthority('siteready integration CA');
    const leaf = issueCertificate(ca, { commonName: 'idp.sr.test', dnsNames: NAMES });
    const expired = issueCertificate(ca, {
      commonName: 'ldap.sr.test',
      dnsNames: ['ldap.sr.test'],
      notBefore: new Date(Date.now() - 60 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const samlValid = issueCertificate(ca, { commonName: 'saml-signing', notAfter: new Date(Date.now() + 365 * DAY) });
    const samlExpired = issueCertificate(ca, {
      commonName: 'saml-signing-old',
      notBefore: new Date(Date.now() - 400 * DAY),
      notAfter: new Date(Date.now() - 10 * DAY),
    });
    caFile = join(dir, 'ca.pem');
    await writeFile(caFile, ca.certPem);
    const files = async (name: string, c: KeyAndCert) => {
      await writeFile(join(dir, `${name}.crt`), c.certPem);
      await writeFile(join(dir, `${name}.key`), c.keyPem);
    };
    await files('leaf', leaf);
    await files('expired', expired);

    dns = await startDnsmasq({ dir, records: ['--address=/sr.test/127.0.0.1'] });
    // An RSA-1024 signing certificate (cert.ts makes EC keys only): openssl still generates one.
    await runOk('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:1024',
      '-nodes',
      '-keyout',
      join(dir, 'weak.key'),
      '-out',
      join(dir, 'weak.crt'),
      '-days',
      '365',
      '-subj',
      '/CN=saml-weak',
    ]);
    fake = await startFakeServices('idp.sr.test', leaf, {
      valid: samlValid,
      expired: samlExpired,
      weakRsaPem: await readFile(join(dir, 'weak.crt'), 'utf8'),
    });
    for (const b of ['garbage', 'stall', 'huge-ber', 'http-garbage', 'smb2', 'smb1', 'starttls-refused'] as const)
      hostile[b] = await startHostileTcp(b);
    const valid = await sServer(join(dir, 'leaf.crt'), join(dir, 'leaf.key'));
    const old = await sServer(join(dir, 'expired.crt'), join(dir, 'expired.key'));
    sServers.push(valid.peer, old.peer);
    sslPorts = { valid: valid.port, expired: old.port };

    const p = fake.port;
    const only = (check: string) => ({ checks: [check] });
    const endpoints = [
      // SSO
      { name: 'oidc-good', role: 'sso', url: `https://idp.sr.test:${p}/good`, ...only('sso') },
      { name: 'oidc-mismatch', role: 'sso', url: `https://idp.sr.test:${p}/mismatch/.well-known/openid-configuration`, ...only('sso') },
      { name: 'oidc-weak', role: 'sso', url: `https://idp.sr.test:${p}/weak/`, ...only('sso') },
      { name: 'oidc-broken', role: 'sso', url: `https://idp.sr.test:${p}/broken`, ...only('sso') },
      { name: 'oidc-endless', role: 'sso', url: `https://idp.sr.test:${p}/endless`, ...only('sso') },
      { name: 'oidc-stall', role: 'sso', url: `https://idp.sr.test:${p}/stall`, ...only('sso') },
      { name: 'saml-valid', role: 'sso', url: `https://idp.sr.test:${p}/saml/valid/metadata`, ...only('sso') },
      { name: 'saml-expired', role: 'sso', url: `https://idp.sr.test:${p}/saml/expired/metadata`, sso: { kind: 'saml' }, ...only('sso') },
      { name: 'saml-weak', role: 'sso', url: `https://idp.sr.test:${p}/saml/weak/metadata`, ...only('sso') },
      { name: 'saml-dtd', role: 'sso', url: `https://idp.sr.test:${p}/saml/dtd/metadata`, ...only('sso') },
      // Business APIs
      { name: 'hr-open', role: 'hr', url: `https://api.sr.test:${p}/hr/open`, ...only('api') },
      { name: 'crm-protected', role: 'crm', url: `https://api.sr.test:${p}/crm/protected`, ...only('api') },
      { name: 'oa-sso', role: 'oa', url: `https://api.sr.test:${p}/oa/sso`, ...only('api') },
      { name: 'ticketing-moved', role: 'ticketing', url: `https://api.sr.test:${p}/moved`, ...only('api') },
      { name: 'ticketing-garbage', role: 'ticketing', url: `http://api.sr.test:${hostile['http-garbage']!.port}/`, ...only('api') },
      // Storage
      { name: 's3', role: 'storage', url: `https://files.sr.test:${p}/s3/chat-files/`, storage: { kind: 's3' }, ...only('storage') },
      { name: 's3-public', role: 'storage', url: `https://files.sr.test:${p}/public-bucket/`, ...only('storage') },
      { name: 'dav', role: 'storage', url: `https://files.sr.test:${p}/dav/chat/`, storage: { kind: 'webdav' }, ...only('storage') },
      { name: 'not-s3', role: 'storage', url: `https://files.sr.test:${p}/plain-web/`, storage: { kind: 's3' }, ...only('storage') },
      { name: 'nas', role: 'storage', host: 'files.sr.test', port: hostile.smb2!.port, protocol: 'smb', ...only('storage') },
      { name: 'nas-smb1', role: 'storage', host: 'files.sr.test', port: hostile.smb1!.port, protocol: 'smb', ...only('storage') },
      // Directory: TLS only (s_server never answers LDAP, so no binds are asked for)
      { name: 'ldaps-tls', role: 'directory', url: `ldaps://ldap.sr.test:${sslPorts.valid}`, ...only('directory') },
      { name: 'ldaps-expired', role: 'directory', url: `ldaps://ldap.sr.test:${sslPorts.expired}`, ...only('directory') },
      { name: 'ldap-garbage', role: 'directory', url: `ldap://ldap.sr.test:${hostile.garbage!.port}`, ...only('directory') },
      { name: 'ldap-stall', role: 'directory', url: `ldap://ldap.sr.test:${hostile.stall!.port}`, ...only('directory') },
      {
        name: 'ldap-no-tls',
        role: 'directory',
        url: `ldap://ldap.sr.test:${hostile['starttls-refused']!.port}`,
        credentials: { bindDn: 'cn=svc,dc=sr,dc=test', password: '${SR_UNUSED_PW}' },
        ...only('directory'),
      },
      { name: 'ldap-huge', role: 'directory', url: `ldap://ldap.sr.test:${hostile['huge-ber']!.port}`, ...only('directory') },
      // Org-structure sync
      { name: 'org-source', role: 'directory-sync', url: `https://sync.sr.test:${p}/crm/protected`, ...only('org-sync') },
    ];
    siteSpec = {
      site: { name: 'integration checks' },
      network: { dns: { servers: [dns.server], timeoutMs: 2000 } },
      platform: { endpoints },
      security: { trust: { caFile } },
      checks: {
        sso: { timeoutMs: 6000 },
        directory: { timeoutMs: 4000, anonymousBind: false },
        api: { timeoutMs: 6000 },
        storage: { timeoutMs: 6000 },
      },
    };
    const site = await writeSite(dir, siteSpec, 'integration.yaml');
    const run = await assessWithEnv(site, dir, 'integration.json', { env: { SR_UNUSED_PW: 'never-sent-9f2c' } });
    reportText = run.text;
    expect(run.cli.code, run.cli.stderr).toBe(0);
    report = run.report;
    english = await englishReport(report);
  }, 90_000);

  afterAll(async () => {
    for (const s of sServers) await s.stop();
    for (const h of Object.values(hostile)) await h.close();
    await fake?.close();
    await dns?.stop();
    await tmp?.remove();
  });

  it('writes a schema-valid report', async () => {
    const validate = await reportValidator();
    expect(validate(report), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  describe('sso: OIDC', () => {
    it('a good provider: discovery valid, endpoints reachable, keys reported', () => {
      const r = result(report, 'sso', 'oidc-good');
      expect(r.status, JSON.stringify(r.findings)).toBe('pass');
      expect(r.facts).toMatchObject({
        classification: 'ok',
        ssoKind: 'oidc',
        issuer: `${fake!.base}/good`,
        path: 'direct',
        addresses: ['127.0.0.1'],
      });
      expect(r.facts.reachability.authorization_endpoint).toMatchObject({ classification: 'ok', status: 400 });
      expect(r.facts.reachability.token_endpoint).toMatchObject({ classification: 'ok', status: 405 });
      expect(r.facts.jwks.keys).toEqual([
        expect.objectContaining({ kid: 'good-1', kty: 'RSA', alg: 'RS256', use: 'sig', bits: 2048 }),
        expect.objectContaining({ kid: 'good-enc', use: 'enc', bits: 2048 }),
      ]);
    });

    it('an issuer that differs from the URL it came from fails (Discovery §4.3)', () => {
      const r = result(english, 'sso', 'oidc-mismatch');
      expect(r.status).toBe('fail');
      expect(r.findings).toContainEqual(expect.objectContaining({ id: 'sso.issuer-mismatch', severity: 'high' }));
      expect(r.findings.find((f) => f.id === 'sso.issuer-mismatch')!.text).toContain('https://login.elsewhere.example/mismatch');
    });

    it('weak keys: RSA-1024, a symmetric key, alg none — each a finding', () => {
      const r = result(english, 'sso', 'oidc-weak');
      expect(r.status).toBe('fail');
      const ids = r.findings.map((f) => f.id);
      expect(ids).toEqual(expect.arrayContaining(['sso.weak-key', 'sso.symmetric-key', 'sso.key-alg-none', 'sso.alg-none']));
      expect(r.findings.find((f) => f.id === 'sso.weak-key')!.text).toContain('RSA-1024');
      expect(r.facts.jwks.keys).toContainEqual(expect.objectContaining({ kid: 'weak-1024', bits: 1024 }));
    });

    it('missing fields and a plain-http key set URL', () => {
      const r = result(english, 'sso', 'oidc-broken');
      expect(r.status).toBe('fail');
      expect(r.findings).toContainEqual(expect.objectContaining({ id: 'sso.missing' }));
      expect(r.findings.find((f) => f.id === 'sso.missing')!.text).toMatch(/authorization_endpoint.*token_endpoint/);
      expect(r.findings).toContainEqual(expect.objectContaining({ id: 'sso.not-https' }));
    });

    it('an endless discovery document is cut off: a finding, not a hang', () => {
      const r = result(english, 'sso', 'oidc-endless');
      expect(r.status).toBe('fail');
      expect(r.findings).toContainEqual(expect.objectContaining({ id: 'sso.not-json' }));
      expect(r.findings[0]!.text).toMatch(/larger than/);
    });

    it('a provider that stalls mid-body: timeout finding before the task deadline', () => {
      const r = result(report, 'sso', 'oidc-stall');
      expect(r.status).toBe('fail');
      expect(r.error).toBeUndefined();
      expect(r.facts.classification).toBe('timeout');
      expect(r.findings).toEqual([expect.objectContaining({ id: 'sso.timeout' })]);
    });
  });

  describe('sso: SAML', () => {
    it('valid metadata: signing certificate, days left, SSO/SLO reachable', () => {
      const r = result(report, 'sso', 'saml-valid');
      expect(r.status, JSON.stringify(r.findings)).toBe('pass');
      expect(r.facts.ssoKind).toBe('saml');
      expect(r.facts.signing).toEqual([
        expect.objectContaining({ subject: expect.stringContaining('saml-signing'), keyType: 'ec', namedCurve: 'prime256v1' }),
      ]);
      expect(r.facts.signing[0].daysLeft).toBeGreaterThan(360);
      expect(r.facts.samlEndpoints.map((e: { kind: string; binding: string }) => `${e.kind}:${e.binding}`)).toEqual([
        'slo:HTTP-Redirect',
        'sso:HTTP-Redirect',
        'sso:HTTP-POST',
      ]);
      expect(r.facts.reachability.every((x: { classification: string }) => x.classification === 'ok')).toBe(true);
    });

    it('an expired signing certificate fails; stale validUntil is reported', () => {
      const r = result(report, 'sso', 'saml-expired');
      expect(r.status).toBe('fail');
      expect(r.findings).toContainEqual(expect.objectContaining({ id: 'sso.cert-expired', severity: 'high' }));
      expect(r.findings).toContainEqual(expect.objectContaining({ id: 'sso.metadata-expired' }));
      expect(r.facts.signing[0].daysLeft).toBeLessThan(0);
    });

    it('an RSA-1024 signing certificate: key size reported, a finding', () => {
      const r = result(report, 'sso', 'saml-weak');
      expect(r.status).toBe('fail');
      expect(r.facts.signing).toEqual([expect.objectContaining({ keyType: 'rsa', bits: 1024 })]);
      expect(r.findings).toEqual([expect.objectContaining({ id: 'sso.cert-weak', severity: 'high' })]);
    });

    it('metadata with a DTD (entity expansion) is refused unparsed', () => {
      const r = result(report, 'sso', 'saml-dtd');
      expect(r.status).toBe('fail');
      expect(r.findings).toEqual([
        expect.objectContaining({ id: 'sso.metadata-invalid', evidence: expect.objectContaining({ kind: 'dtd' }) }),
      ]);
    });
  });

  describe('api', () => {
    it('an API that answers without credentials is a finding', () => {
      const r = result(report, 'api', 'hr-open');
      expect(r.status).toBe('fail');
      expect(r.facts).toMatchObject({ status: 200, auth: 'none' });
      expect(r.findings).toContainEqual(expect.objectContaining({ id: 'api.open', severity: 'high' }));
    });

    it('401 with WWW-Authenticate: protected, schemes recorded, TLS facts', () => {
      const r = result(report, 'api', 'crm-protected');
      expect(r.status).toBe('pass');
      expect(r.facts).toMatchObject({ classification: 'ok', status: 401, auth: 'challenge', schemes: ['Bearer', 'Basic'] });
      expect(r.facts.tls).toMatchObject({ authorized: true });
      expect(r.measurements.find((m) => m.id === 'ttfbMs')).toBeDefined();
    });

    it('a redirect to the SSO login counts as an auth challenge', () => {
      const r = result(report, 'api', 'oa-sso');
      expect(r.status).toBe('pass');
      expect(r.facts).toMatchObject({ auth: 'redirect-to-login', loginUrl: expect.stringContaining('/good/authorize') });
    });

    it('a redirect that is not to a login page is reported, not taken for a challenge', () => {
      const r = result(report, 'api', 'ticketing-moved');
      expect(r.status).toBe('warn');
      expect(r.facts).toMatchObject({ auth: 'redirect', location: expect.stringContaining('/v2/tickets') });
      expect(r.findings).toEqual([expect.objectContaining({ id: 'api.redirect', severity: 'low' })]);
    });

    it('garbage instead of HTTP: http-error finding', () => {
      const r = result(report, 'api', 'ticketing-garbage');
      expect(r.status).toBe('fail');
      expect(r.error).toBeUndefined();
      expect(r.facts.classification).toBe('http-error');
    });
  });

  describe('storage', () => {
    it('an S3-compatible endpoint is recognised by its error document; addresses published', () => {
      const r = result(report, 'storage', 's3');
      expect(r.status).toBe('pass');
      expect(r.facts).toMatchObject({
        storageKind: 's3',
        detected: 's3',
        s3: { code: 'AccessDenied', listing: false },
        addresses: ['127.0.0.1'],
      });
    });

    it('a bucket listed to anyone is a finding', () => {
      const r = result(report, 'storage', 's3-public');
      expect(r.status).toBe('fail');
      expect(r.findings).toContainEqual(expect.objectContaining({ id: 'storage.s3-public' }));
    });

    it('WebDAV: DAV header from OPTIONS, GET wants credentials', () => {
      const r = result(report, 'storage', 'dav');
      expect(r.status).toBe('pass');
      expect(r.facts).toMatchObject({ storageKind: 'webdav', detected: 'webdav', options: { status: 200, dav: '1, 2' }, status: 401 });
    });

    it('a web page configured as S3 is reported', () => {
      const r = result(report, 'storage', 'not-s3');
      expect(r.status).toBe('warn');
      expect(r.findings).toEqual([expect.objectContaining({ id: 'storage.not-s3' })]);
    });

    it('SMB: NEGOTIATE answered with SMB 3.1.1, signing required', () => {
      const r = result(report, 'storage', 'nas');
      expect(r.status).toBe('pass');
      expect(r.facts).toMatchObject({ storageKind: 'smb', smb: { dialect: '3.1.1', signingRequired: true }, addresses: ['127.0.0.1'] });
    });

    it('SMB1 only: a finding', () => {
      const r = result(report, 'storage', 'nas-smb1');
      expect(r.status).toBe('fail');
      expect(r.facts).toMatchObject({ classification: 'server-error', code: 'SMB1_ONLY' });
      expect(r.findings).toEqual([expect.objectContaining({ id: 'storage.not-smb' })]);
    });
  });

  describe('directory: TLS and hostile peers', () => {
    it('LDAPS on openssl s_server: TLS verified and recorded', () => {
      const r = result(report, 'directory', 'ldaps-tls');
      expect(r.status, JSON.stringify(r.findings)).toBe('pass');
      expect(r.facts).toMatchObject({ classification: 'ok', mode: 'ldaps', tls: { authorized: true } });
    });

    it('LDAPS with an expired certificate: tls-failure, kind expired', () => {
      const r = result(report, 'directory', 'ldaps-expired');
      expect(r.status).toBe('fail');
      expect(r.facts).toMatchObject({ classification: 'tls-failure', tlsKind: 'expired' });
      expect(r.findings).toEqual([expect.objectContaining({ id: 'directory.tls-failure' })]);
    });

    it('a server that answers in another protocol: not LDAP', () => {
      const r = result(report, 'directory', 'ldap-garbage');
      expect(r.status).toBe('fail');
      expect(r.findings).toEqual([expect.objectContaining({ id: 'directory.not-ldap' })]);
    });

    it('StartTLS refused (protocolError): a finding, and no bind over clear text', () => {
      const r = result(english, 'directory', 'ldap-no-tls');
      expect(r.status).toBe('fail');
      expect(r.facts).toMatchObject({
        classification: 'tls-failure',
        startTls: { resultCode: 2, result: 'protocolError' },
        bind: { attempted: false, reason: 'starttls-refused' },
      });
      expect(r.findings).toEqual([expect.objectContaining({ id: 'directory.starttls-refused', severity: 'high' })]);
      expect(r.findings[0]!.text).toContain('unsupported extended operation');
    });

    it('an oversized BER length is refused without reading it', () => {
      const r = result(english, 'directory', 'ldap-huge');
      expect(r.status).toBe('fail');
      expect(r.findings[0]!.text).toMatch(/too-large/);
    });

    it('a server that never answers: timeout finding, no task error', () => {
      const r = result(report, 'directory', 'ldap-stall');
      expect(r.status).toBe('fail');
      expect(r.error).toBeUndefined();
      expect(r.facts.classification).toBe('timeout');
    });
  });

  it('org-sync: the sync source answers', () => {
    const r = result(report, 'org-sync', 'org-source');
    expect(r.status).toBe('pass');
    expect(r.facts).toMatchObject({ classification: 'ok', status: 401 });
  });

  describe('judged again from the saved facts, without a network', () => {
    const CHECKS = new Set(['directory', 'sso', 'api', 'storage', 'org-sync']);
    async function rejudge(spec: Record<string, unknown>, name: string): Promise<Report & { rejudged: { notRejudged: unknown[] } }> {
      const saved = join(dir, `${name}-saved.json`);
      await writeFile(saved, reportText);
      const site = await writeSite(dir, spec, `${name}.yaml`);
      const out = join(dir, `${name}.json`);
      const cli = await runCli(['report', saved, '--rejudge', '--site', site, '--format', `json=${out}`, '--quiet'], {
        prefix: ['unshare', '-n'],
        timeoutMs: 30_000,
      });
      return JSON.parse(await readFile(out, 'utf8').catch(() => Promise.reject(new Error(cli.stderr)))) as Report & {
        rejudged: { notRejudged: unknown[] };
      };
    }

    it('the same site: every verdict as measured', async () => {
      const again = await rejudge(siteSpec, 'same');
      expect(again.rejudged.notRejudged).toEqual([]);
      for (const before of report.results.filter((r) => CHECKS.has(r.check))) {
        const after = result(again, before.check, before.target);
        expect(before.factsVersion, `${before.check}:${before.target}`).toBe(1);
        expect(
          { status: after.status, score: after.score, findings: after.findings.map((f) => f.id) },
          `${before.check}:${before.target}`,
        ).toEqual({ status: before.status, score: before.score, findings: before.findings.map((f) => f.id) });
        expect(after.facts).toEqual(before.facts);
      }
    });

    it('stricter thresholds and a looser StartTLS policy change the verdicts, not the facts', async () => {
      const again = await rejudge(
        {
          ...siteSpec,
          thresholds: { 'sso.certDaysLeft': 400, 'api.ttfbMs': 0.001 },
          checks: { ...(siteSpec.checks as object), directory: { startTls: 'try' } },
        },
        'edited',
      );
      expect(again.rejudged.notRejudged).toEqual([]);
      expect(result(again, 'sso', 'saml-valid')).toMatchObject({
        status: 'warn',
        findings: [expect.objectContaining({ id: 'sso.cert-expiring' })],
      });
      expect(result(again, 'api', 'crm-protected')).toMatchObject({
        status: 'warn',
        findings: [expect.objectContaining({ id: 'api.slow' })],
      });
      expect(result(again, 'directory', 'ldap-no-tls')).toMatchObject({
        status: 'warn',
        findings: [expect.objectContaining({ id: 'directory.starttls-refused', severity: 'medium' })],
      });
    });
  });

  describe('siteready run', () => {
    it('run sso <issuer>', async () => {
      const { cli, report: r } = await runWithEnv(['sso', `${fake!.base}/good`, '--ca', caFile, '--dns-server', dns!.server]);
      expect(cli.code, cli.stderr).toBe(0);
      expect(result(r, 'sso', r.results[0]!.target).status).toBe('pass');
    });

    it('run api and run storage', async () => {
      const api = await runWithEnv(['api', `https://api.sr.test:${fake!.port}/hr/open`, '--ca', caFile, '--dns-server', dns!.server]);
      expect(api.report.results[0]).toMatchObject({ check: 'api', status: 'fail' });
      const storage = await runWithEnv([
        'storage',
        `https://files.sr.test:${fake!.port}/s3/x/`,
        `smb://files.sr.test:${hostile.smb2!.port}`,
        '--ca',
        caFile,
        '--dns-server',
        dns!.server,
      ]);
      expect(storage.report.results.map((x) => x.facts.storageKind)).toEqual(['s3', 'smb']);
    });
  });

  describe.skipIf(!withTinyproxy)('through a proxy (CONNECT)', () => {
    let proxy: ProxyPeer | undefined;
    let proxied: Report;

    beforeAll(async () => {
      proxy = await startTinyproxy();
      // The proxy resolves names with the system resolver, which does not know sr.test: IP literals, with the name for TLS.
      const endpoints = [
        { name: 'crm', role: 'crm', url: `https://127.0.0.1:${fake!.port}/crm/protected`, tls: { serverName: 'api.sr.test' } },
        { name: 's3', role: 'storage', url: `https://127.0.0.1:${fake!.port}/s3/chat-files/`, tls: { serverName: 'files.sr.test' } },
        { name: 'nas', role: 'storage', url: `smb://127.0.0.1:${hostile.smb2!.port}` },
        { name: 'ldaps', role: 'directory', url: `ldaps://127.0.0.1:${sslPorts.valid}`, tls: { serverName: 'ldap.sr.test' } },
      ].map((e) => ({ ...e, checks: [e.role === 'crm' ? 'api' : e.role] }));
      const site = await writeSite(
        dir,
        {
          site: { name: 'via proxy' },
          network: { proxy: { url: proxy.url } },
          platform: { endpoints },
          security: { trust: { caFile } },
          checks: { directory: { anonymousBind: false } },
        },
        'proxied.yaml',
      );
      const run = await assessWithEnv(site, dir, 'proxied.json');
      expect(run.cli.code, run.cli.stderr).toBe(0);
      proxied = run.report;
    }, 60_000);

    afterAll(async () => {
      await proxy?.stop();
    });

    it('api, storage (HTTPS and SMB) and directory go through the tunnel and say so', async () => {
      for (const [check, target] of [
        ['api', 'crm'],
        ['storage', 's3'],
        ['storage', 'nas'],
        ['directory', 'ldaps'],
      ] as const) {
        const r = result(proxied, check, target);
        expect(r.status, `${check}:${target} ${JSON.stringify(r.findings)}`).toBe('pass');
        expect(r.facts).toMatchObject({ classification: 'ok', path: 'proxy', proxy: proxy!.url });
      }
      expect(await proxy!.log()).toMatch(/CONNECT/);
    });
  });

  describe.skipIf(!withSlapd)('directory against slapd: StartTLS and binds', () => {
    let locked: Slapd | undefined;
    let open: Slapd | undefined;
    let slapdReport: Report;
    let slapdText = '';

    beforeAll(async () => {
      const tls = { caFile, certFile: join(dir, 'leaf.crt'), keyFile: join(dir, 'leaf.key') };
      // Both are kept as they start, so afterAll stops whichever did even when the other failed.
      const started = await Promise.allSettled([
        startSlapd(dir, tls, ROOT_PW, { anonymous: false }).then((p) => (locked = p)),
        startSlapd(dir, tls, ROOT_PW, { anonymous: true }).then((p) => (open = p)),
      ]);
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      const bind = (password: string) => ({ credentials: { bindDn: locked!.rootDn, password } });
      const endpoints = [
        { name: 'ldaps-bind', role: 'directory', url: `ldaps://ldap.sr.test:${locked!.ldapsPort}`, ...bind('${SR_LDAP_PW}') },
        { name: 'starttls-bind', role: 'directory', url: `ldap://ldap.sr.test:${locked!.ldapPort}`, ...bind('${SR_LDAP_PW}') },
        { name: 'wrong-password', role: 'directory', url: `ldaps://ldap.sr.test:${locked!.ldapsPort}`, ...bind('${SR_LDAP_WRONG}') },
        { name: 'anonymous-open', role: 'directory', url: `ldaps://ldap.sr.test:${open!.ldapsPort}` },
        {
          name: 'cleartext',
          role: 'directory',
          url: `ldap://ldap.sr.test:${locked!.ldapPort}`,
          ldap: { startTls: 'off' },
          ...bind('${SR_LDAP_PW}'),
        },
        // An organisation-structure source that is a directory: it must answer an LDAP request, not only accept TLS.
        { name: 'org-ldaps', role: 'directory-sync', url: `ldaps://ldap.sr.test:${locked!.ldapsPort}`, checks: ['org-sync'] },
      ].map((e) => ({ checks: ['directory'], ...e }));
      const site = await writeSite(
        dir,
        {
          site: { name: 'slapd' },
          network: { dns: { servers: [dns!.server], timeoutMs: 2000 } },
          platform: { endpoints },
          security: { trust: { caFile } },
        },
        'slapd.yaml',
      );
      const run = await assessWithEnv(site, dir, 'slapd.json', { env: { SR_LDAP_PW: ROOT_PW, SR_LDAP_WRONG: WRONG_PW } });
      expect(run.cli.code, run.cli.stderr).toBe(0);
      slapdReport = run.report;
      slapdText = run.text;
    }, 60_000);

    afterAll(async () => {
      await locked?.stop();
      await open?.stop();
    });

    it('LDAPS + service-account bind: success; anonymous bind refused', () => {
      const r = result(slapdReport, 'directory', 'ldaps-bind');
      expect(r.status, JSON.stringify(r.findings)).toBe('pass');
      expect(r.facts).toMatchObject({
        mode: 'ldaps',
        anonymousBind: 'refused',
        bind: { attempted: true, resultCode: 0, result: 'success' },
      });
      expect(r.measurements.map((m) => m.id)).toEqual(expect.arrayContaining(['connectMs', 'tlsHandshakeMs', 'bindMs']));
    });

    it('ldap:// + StartTLS (1.3.6.1.4.1.1466.20037), then the bind', () => {
      const r = result(slapdReport, 'directory', 'starttls-bind');
      expect(r.status, JSON.stringify(r.findings)).toBe('pass');
      expect(r.facts).toMatchObject({ mode: 'starttls', startTls: { resultCode: 0 }, tls: { authorized: true }, bind: { resultCode: 0 } });
    });

    it('a wrong password: invalidCredentials (49), auth-refused', () => {
      const r = result(slapdReport, 'directory', 'wrong-password');
      expect(r.status).toBe('fail');
      expect(r.facts).toMatchObject({ classification: 'auth-refused', bind: { resultCode: 49, result: 'invalidCredentials' } });
      expect(r.findings).toEqual([expect.objectContaining({ id: 'directory.invalid-credentials', severity: 'high' })]);
    });

    it('anonymous binds allowed: a low finding', () => {
      const r = result(slapdReport, 'directory', 'anonymous-open');
      expect(r.status).toBe('warn');
      expect(r.facts.anonymousBind).toBe('allowed');
      expect(r.findings).toEqual([expect.objectContaining({ id: 'directory.anonymous-allowed', severity: 'low' })]);
    });

    it('plain LDAP without StartTLS: a finding, and the password is never sent', () => {
      const r = result(slapdReport, 'directory', 'cleartext');
      expect(r.facts).toMatchObject({ mode: 'plain', bind: { attempted: false, reason: 'not-encrypted' } });
      expect(r.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['directory.plaintext', 'directory.bind-not-tried']));
    });

    it('org-sync: an LDAPS source answers "Who am I?" (RFC 4532) without credentials', () => {
      const r = result(slapdReport, 'org-sync', 'org-ldaps');
      expect(r.status, JSON.stringify(r.findings)).toBe('pass');
      expect(r.facts).toMatchObject({ classification: 'ok', ldap: { resultCode: 0 }, tls: { authorized: true } });
    });

    it('passwords appear nowhere in the report', () => {
      expect(slapdText).not.toContain(ROOT_PW);
      expect(slapdText).not.toContain(WRONG_PW);
    });

    it('run directory <host:port> is LDAPS', async () => {
      const { report: r } = await runWithEnv([
        'directory',
        `ldap.sr.test:${locked!.ldapsPort}`,
        '--ca',
        caFile,
        '--dns-server',
        dns!.server,
      ]);
      expect(r.results[0]).toMatchObject({
        check: 'directory',
        status: 'pass',
        facts: expect.objectContaining({ mode: 'ldaps', tls: expect.objectContaining({ authorized: true }) }),
      });
    });

    it('run directory with SITEREADY_LDAP_BIND_DN / SITEREADY_LDAP_PASSWORD', async () => {
      const { cli, report: r } = await runWithEnv(
        ['directory', `ldaps://ldap.sr.test:${locked!.ldapsPort}`, '--ca', caFile, '--dns-server', dns!.server],
        {
          SITEREADY_LDAP_BIND_DN: locked!.rootDn,
          SITEREADY_LDAP_PASSWORD: ROOT_PW,
        },
      );
      expect(cli.code, cli.stderr).toBe(0);
      expect(r.results[0]).toMatchObject({
        check: 'directory',
        status: 'pass',
        facts: expect.objectContaining({ bind: expect.objectContaining({ resultCode: 0 }) }),
      });
      expect(cli.stdout).not.toContain(ROOT_PW);
    });
  });
});
