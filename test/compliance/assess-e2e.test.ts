// `siteready assess` with compliance.profiles: [baseline] against real peers the test starts:
// dnsmasq answers for the site's hosts (one storage host resolves outside the declared range),
// nginx serves HTTPS with a certificate from a test CA and one plain-HTTP port. The report carries
// one result per rule, each with its clause and what decided it, and scoring treats them like
// every other finding. Needs the build: `npx tsc -p .`.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/plugin-api.js';
import { whyText } from './helpers.js';
import { createCertificateAuthority, issueCertificate } from '../../src/lab/cert.js';
import { requireTool, runCli } from '../helpers/cli.js';
import {
  assess,
  expectedScore,
  hasTool,
  reportValidator,
  startDnsmasq,
  startNginx,
  tempDir,
  type AssessRun,
  type Dnsmasq,
  type Nginx,
  type TempDir,
  writeSite,
} from '../helpers/peers.js';

const available = requireTool(hasTool('nginx'), 'nginx') && requireTool(hasTool('dnsmasq'), 'dnsmasq');

interface DecidedBy {
  fact: string;
  value?: unknown;
  source?: string;
  yamlPath?: string;
  location?: { file: string; line: number; column: number };
  check?: string;
  target?: string;
  field?: string;
}

describe.skipIf(!available)('assess with the baseline profile against dnsmasq and nginx', () => {
  let tmp: TempDir | undefined;
  let dns: Dnsmasq | undefined;
  let nginx: Nginx | undefined;
  let run: AssessRun;
  let sitePath = '';

  beforeAll(async () => {
    tmp = await tempDir('sr-compliance-');
    const dir = tmp.path;
    const ca = createCertificateAuthority('siteready compliance CA');
    const names = ['api.sr.test', 'files.sr.test', 'cloud.sr.test'];
    const leaf = issueCertificate(ca, { commonName: 'api.sr.test', dnsNames: names });
    await writeFile(join(dir, 'ca.pem'), ca.certPem);
    await writeFile(join(dir, 'leaf.crt'), leaf.certPem);
    await writeFile(join(dir, 'leaf.key'), leaf.keyPem);
    // The "cloud" storage host answers on another loopback address, outside the declared range.
    dns = await startDnsmasq({ dir, records: ['--address=/sr.test/127.0.0.1', '--address=/cloud.sr.test/127.0.0.2'] });
    nginx = await startNginx({
      dir,
      portCount: 2,
      servers: ([tls, plain]) => `
  server {
    listen 127.0.0.1:${tls} ssl;
    listen 127.0.0.2:${tls} ssl;
    ssl_certificate ${dir}/leaf.crt; ssl_certificate_key ${dir}/leaf.key;
    location / { return 200 "ok\\n"; }
  }
  server { listen 127.0.0.1:${plain}; location / { return 200 "plain\\n"; } }
`,
    });
    const [tls, plain] = nginx.ports as [number, number];
    sitePath = await writeSite(dir, {
      site: { name: 'compliance e2e', size: 'large' },
      network: { dns: { servers: [dns.server], timeoutMs: 2000 }, onPremises: ['127.0.0.1/32'] },
      platform: {
        endpoints: [
          { name: 'api', role: 'api', url: `https://api.sr.test:${tls}/` },
          { name: 'files', role: 'files', url: `https://files.sr.test:${tls}/` },
          { name: 'cloud-files', role: 'storage', url: `https://cloud.sr.test:${tls}/` },
          { name: 'legacy', role: 'web', url: `http://api.sr.test:${plain}/` },
        ],
      },
      security: {
        trust: { caFile: join(dir, 'ca.pem') },
        sso: { enabled: true, protocol: 'oidc' },
        mfa: { admins: true },
        auditLog: { enabled: true, retentionDays: 30 },
      },
      data: { retention: { messagesDays: 365, filesDays: 365 }, storage: { location: 'on-premises' } },
      policy: { externalFileTransfer: 'restricted' },
      compliance: {
        profiles: ['baseline'],
        waivers: [
          {
            check: 'compliance',
            finding: 'baseline.audit-logging',
            justification: 'The log archive with 400 days of retention opens next quarter.',
          },
        ],
      },
      checks: { http: { connectTimeoutMs: 2000 } },
    });
    run = await assess(sitePath, dir);
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    await dns?.stop();
    await tmp?.remove();
  });

  const rule = (id: string) => {
    const r = run.report.results.find((x) => x.check === 'compliance' && (x.facts as { rule?: string }).rule === id);
    if (!r) throw new Error(`no result for rule ${id}`);
    return r as typeof r & { waiver?: unknown; location?: { file: string; line: number } };
  };

  it('the report is valid against the published schema and lists the profile', async () => {
    const validate = await reportValidator();
    expect(validate(run.report), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const summary = (run.report.compliance as Array<Record<string, unknown>>)[0]!;
    expect(summary).toMatchObject({ id: 'baseline', rules: 9, version: '1.0.0' });
    expect(run.report.checks.find((c) => c.id === 'compliance')).toMatchObject({ category: 'compliance' });
    expect(run.report.categories.find((c) => c.id === 'compliance')!.score).not.toBeNull();
  });

  it('a plain-text endpoint fails encryption-in-transit, traced to its YAML line and clause', () => {
    const r = rule('encryption-in-transit');
    expect(r.status).toBe('fail');
    expect(r.target).toBe('baseline');
    const d = r.facts as { references: Array<{ clause: string }>; decidedBy: DecidedBy[] };
    expect(d.references[0]!.clause).toMatch(/3\.10 Encrypt Sensitive Data in Transit/);
    const by = d.decidedBy[0]!;
    expect(by).toMatchObject({ source: 'site', fact: 'endpoints[legacy].protocol', value: 'http' });
    expect(by.location!.file).toMatch(/site\.yaml$/);
    expect(by.location!.line).toBeGreaterThan(1);
    expect(r.findings[0]).toMatchObject({ id: 'baseline.encryption-in-transit', severity: 'high' });
    expect(run.report.blockers.some((b) => b.check === 'compliance' && b.finding === 'baseline.encryption-in-transit')).toBe(true);
  });

  it('storage that resolves outside network.onPremises fails, traced to the dns check and target', () => {
    const r = rule('storage-where-declared');
    expect(r.status).toBe('fail');
    const d = r.facts as { decidedBy: DecidedBy[]; why: Message };
    expect(whyText(d.why)).toMatch(
      /endpoints\[cloud-files\]\.resolved\[0\]\.address is "127\.0\.0\.2" \(measured by dns on [^)]+\); the rule needs an address inside 127\.0\.0\.1\/32/,
    );
    expect(d.decidedBy).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          source: 'check',
          check: 'dns',
          target: 'cloud.sr.test',
          field: 'facts.addresses[0].address',
          value: '127.0.0.2',
        }),
        expect.objectContaining({ source: 'site', yamlPath: 'network.onPremises' }),
      ]),
    );
  });

  it('verified certificates pass, decided by the http check', () => {
    const r = rule('certificates-verified');
    expect(r.status).toBe('pass');
    const d = r.facts as { decidedBy: DecidedBy[] };
    expect(
      d.decidedBy.some((u) => u.source === 'check' && u.check === 'http' && u.field === 'facts.classification' && u.value === 'ok'),
    ).toBe(true);
  });

  it('site facts decide the posture rules; a waived rule stays visible but leaves the blockers', () => {
    expect(rule('admin-mfa').status).toBe('pass');
    expect(rule('single-sign-on').status).toBe('pass');
    expect((rule('single-sign-on').facts as { severity: string }).severity).toBe('high'); // severityBySize: large
    const audit = rule('audit-logging');
    expect(audit.status).toBe('fail');
    expect(audit.waiver).toBeDefined();
    expect(run.report.blockers.some((b) => b.finding === 'baseline.audit-logging')).toBe(false);
    const waiverState = (run.report.waivers as Array<{ check: string; status: string }>).find((w) => w.check === 'compliance');
    expect(waiverState?.status).toBe('applied');
  });

  it('the terminal report has a compliance section: outcome, clause, what decided it, in both languages', async () => {
    // Run from the site's folder, as a user would: locations read "site.yaml:<line>".
    const en = await runCli(['assess', sitePath, '--quiet', '--lang', 'en'], { timeoutMs: 60_000, cwd: tmp!.path });
    expect(en.stdout).toMatch(/^Compliance$/m);
    expect(en.stdout).toMatch(/baseline v1\.0\.0 — Enterprise IM baseline: \d+ passed, \d+ failed/);
    expect(en.stdout).toMatch(/FAIL\s+encryption-in-transit/);
    expect(en.stdout).toMatch(/Safeguard 3\.10 Encrypt Sensitive Data in Transit/);
    expect(en.stdout).toMatch(/decided by: site\.yaml:\d+ · endpoints\[legacy\]\.protocol = "http"/);
    expect(en.stdout).toMatch(/decided by: dns · cloud\.sr\.test · facts\.addresses\[0\]\.address = "127\.0\.0\.2"/);
    const zh = await runCli(['assess', sitePath, '--quiet', '--lang', 'zh-CN'], { timeoutMs: 60_000, cwd: tmp!.path });
    expect(zh.stdout).toMatch(/^合规$/m);
    expect(zh.stdout).toMatch(/企业即时通讯基线/);
    expect(zh.stdout).toMatch(/不通过\s+encryption-in-transit 所有客户端端点均使用加密协议/);
  });

  it('rule results count in the score like every other result (compliance category, weighted mean)', () => {
    expect(run.report.score).toBe(expectedScore(run.report));
  });

  it('a high-severity rule failure caps the grade like any other finding', () => {
    if (run.report.gradeCap) expect(['B', 'D']).toContain(run.report.gradeCap.grade);
    expect(['B', 'C', 'D', 'E', 'F']).toContain(run.report.grade);
  });
});
