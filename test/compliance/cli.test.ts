// `siteready profiles`, `validate` with profiles, and the published schemas. Needs the build: `npx tsc -p .`.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileJsonSchema } from '../../src/compliance/describe.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sr-profiles-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SITE = (profiles: string, extra = '') =>
  `version: 1\nsite: { name: x }\nplatform:\n  endpoints:\n    - { name: a, host: 127.0.0.1, port: 1 }\ncompliance:\n  profiles: ${profiles}\n${extra}`;

describe('siteready profiles', () => {
  it('lists the shipped profiles with version and rule count', async () => {
    const r = await runCli(['profiles']);
    expect(r.code).toBe(0);
    for (const id of [
      'baseline',
      'finance-cn',
      'mlps-2.0-l3',
      'finance-us',
      'eu-gdpr',
      'hipaa',
      'tls-mozilla-intermediate',
      'tls-nist-800-52r2',
      'tls-bsi',
      'tls-pci-dss-4',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${id.replace(/\./g, '\\.')}\\s+v\\d+\\.\\d+\\.\\d+\\s+\\d+ rules`, 'm'));
    }
  });

  it('explains a profile: every rule, its severity, clauses and sources', async () => {
    const r = await runCli(['profiles', 'finance-cn']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/finance-cn\.data-localisation — Messages and files are stored on premises or in China/);
    expect(r.stdout).toMatch(/severity: critical/);
    expect(r.stdout).toMatch(/第二十一条/);
    expect(r.stdout).toMatch(/Sources:/);
    expect(r.stdout).toMatch(/checks: every ep in endpoints/);
  });

  it('--json gives the profile with its rules, each with references[], valid against the published shape', async () => {
    const r = await runCli(['profiles', 'finance-cn', '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { id: string; rules: Array<{ key: string; references: unknown[] }> };
    const validate = new Ajv({ allErrors: true, strict: false }).compile(profileJsonSchema);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.id).toBe('finance-cn');
    expect(json.rules.map((x) => x.key)).toContain('finance-cn.storage-resolves-in-region');
    for (const rule of json.rules) expect(rule.references.length).toBeGreaterThan(0);
  });

  it('speaks Chinese', async () => {
    const r = await runCli(['profiles', 'mlps-2.0-l3', '--lang', 'zh-CN']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/网络安全等级保护/);
    expect(r.stdout).toMatch(/严重程度/);
  });

  it('cites clauses in Chinese where the profile gives them, in English otherwise', async () => {
    const zh = await runCli(['profiles', 'baseline', '--lang', 'zh-CN']);
    expect(zh.code).toBe(0);
    expect(zh.stdout).toContain('条款: CIS Controls v8 保障措施 3.10 对传输中的敏感数据加密');
    const en = await runCli(['profiles', 'baseline', '--lang', 'en']);
    expect(en.stdout).toContain('references: CIS Controls v8 Safeguard 3.10 Encrypt Sensitive Data in Transit');
    const json = JSON.parse((await runCli(['profiles', 'baseline', '--json'])).stdout) as {
      rules: Array<{ references: Array<{ clause: string; clauseZh?: string }> }>;
    };
    expect(json.rules[0]!.references[0]).toMatchObject({
      clause: 'Safeguard 3.10 Encrypt Sensitive Data in Transit',
      clauseZh: '保障措施 3.10 对传输中的敏感数据加密',
    });
  });

  it('an unknown profile exits 2 with a suggestion', async () => {
    const r = await runCli(['profiles', 'finance-c']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown compliance profile "finance-c"/);
    expect(r.stderr).toMatch(/did you mean "finance-cn"/);
  });

  it('a broken profile file exits 2 with file:line:column', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(
      file,
      'id: broken\ntitle: { en: B }\nversion: "1"\nsources: [{ id: s, title: S }]\nrules:\n  - id: r\n    title: { en: R }\n    severity: high\n    references: [{ standard: s, clause: "1", verified: true }]\n    assert: { fact: security.sso.enabled, equals: true }\n    remediation: { en: fix }\n',
    );
    const r = await runCli(['profiles', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml:10:\d+: error: .*unknown field "equals"/);
  });
});

describe('validate with compliance profiles', () => {
  it('validates the named profiles: a broken one exits 2 with its file:line', async () => {
    await writeFile(
      join(dir, 'hostile.yaml'),
      'id: hostile\ntitle: { en: H }\nversion: "1"\nsources: [{ id: s, title: S }]\nrules:\n  - id: r\n    title: { en: R }\n    severity: high\n    references: [{ standard: s, clause: "1", verified: true }]\n    assert: { fact: process.env.SECRET, eq: "x" }\n    remediation: { en: fix }\n',
    );
    await writeFile(join(dir, 's.yaml'), SITE('[baseline, ./hostile.yaml]'));
    const r = await runCli(['validate', join(dir, 's.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/hostile\.yaml:10:\d+: error: .*unknown fact path prefix "process"/);
  });

  it('profile files are named with either extension (.yaml or .yml), and a missing one says so', async () => {
    const profile =
      'id: mine\ntitle: { en: Mine }\nversion: "1"\nsources: [{ id: s, title: S }]\nrules:\n  - id: r\n    title: { en: R }\n    severity: low\n    references: [{ standard: s, clause: "1", verified: true }]\n    assert: { fact: security.sso.enabled, eq: true }\n    remediation: { en: fix }\n';
    await writeFile(join(dir, 'mine.yml'), profile);
    await writeFile(join(dir, 'yml.yaml'), SITE('[./mine.yml]'));
    const ok = await runCli(['validate', join(dir, 'yml.yaml')]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    await writeFile(join(dir, 'gone.yaml'), SITE('[./missing.yml]'));
    const gone = await runCli(['validate', join(dir, 'gone.yaml')]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/profile file "\.\/missing\.yml" not found/);
  });

  it('a site with shipped profiles validates', async () => {
    await writeFile(join(dir, 'ok.yaml'), SITE('[baseline, finance-cn]', 'security:\n  mfa: { admins: true }\n'));
    const r = await runCli(['validate', join(dir, 'ok.yaml')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('a compliance waiver must name a rule of the named profiles', async () => {
    await writeFile(
      join(dir, 'w.yaml'),
      `${SITE('[baseline]')}  waivers:\n    - { check: compliance, finding: baseline.admin-mfaa, justification: "Not needed for the pilot phase." }\n`,
    );
    const r = await runCli(['validate', join(dir, 'w.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/w\.yaml:9:\d+: error: .*waiver finding "baseline\.admin-mfaa" is not a rule/);
    expect(r.stderr).toMatch(/did you mean "baseline\.admin-mfa"/);
  });
});

describe('profiles from a plugin package', () => {
  it('<package>/<id> loads profiles/<id>.yaml of a package named under plugins:', async () => {
    const pkg = join(dir, 'node_modules', 'acme-pack');
    await mkdir(join(pkg, 'profiles'), { recursive: true });
    await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'acme-pack', version: '1.0.0', type: 'module', main: 'index.js' }));
    // A pack that ships only profiles exports no checks.
    await writeFile(join(pkg, 'index.js'), 'export default [];\n');
    await writeFile(
      join(pkg, 'profiles', 'house-rules.yaml'),
      'id: house-rules\ntitle: { en: House rules }\nversion: "2.1.0"\nsources: [{ id: h, title: House policy }]\nrules:\n  - id: sso\n    title: { en: SSO }\n    severity: low\n    references: [{ standard: h, clause: "4.2", verified: true }]\n    assert: { fact: security.sso.enabled, eq: true }\n    remediation: { en: Turn SSO on. }\n',
    );
    await writeFile(join(dir, 'pack.yaml'), `${SITE('[acme-pack/house-rules]')}plugins: [acme-pack]\n`);
    const ok = await runCli(['validate', join(dir, 'pack.yaml')]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/compliance: house-rules \(1 rules\)/);

    await writeFile(join(dir, 'unnamed.yaml'), SITE('[acme-pack/house-rules]'));
    const refused = await runCli(['validate', join(dir, 'unnamed.yaml')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/unnamed\.yaml:7:\d+: error: .*package "acme-pack" is not listed under plugins:/);
  });
});

describe('schemas', () => {
  it('the report schema describes compliance results and the compliance summary', async () => {
    const r = await runCli(['schema', '--report']);
    const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown> };
    expect(schema.properties).toHaveProperty('compliance');
    expect(r.stdout).toMatch(/not-evaluated/);
  });

  it('the site schema has the posture fields the profiles read', async () => {
    const r = await runCli(['schema']);
    for (const field of [
      'onPremises',
      'regions',
      'residency',
      'auditLog',
      'mfa',
      'retention',
      'crossBorderTransfer',
      'externalFileTransfer',
      'baa',
      'dpa',
    ])
      expect(r.stdout).toContain(`"${field}"`);
  });
});
