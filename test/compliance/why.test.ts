// The rule engine explains outcomes in messages: every phrase it can say exists in English and in
// Chinese with the same placeholders, and real evaluations read in both languages — fact paths
// and values untouched, whatever they contain.

import { describe, expect, it } from 'vitest';
import { parseProfileText } from '../../src/compliance/load-profile.js';
import { evaluateProfiles } from '../../src/compliance/stage.js';
import { allOf, anyOf, need, why, whyCatalogs } from '../../src/compliance/why.js';
import { translator } from '../../src/i18n/index.js';
import type { Message } from '../../src/plugin-api.js';
import { results, siteText } from './helpers.js';

const catalogs = { en: whyCatalogs.en, 'zh-CN': whyCatalogs['zh-CN'] };
const text = (lang: 'en' | 'zh-CN', m: Message) => translator(lang).check(catalogs, m);

describe("the engine's phrases", () => {
  it('exist in both languages with the same placeholders', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort();
    expect(Object.keys(whyCatalogs['zh-CN']).sort()).toEqual(Object.keys(whyCatalogs.en).sort());
    for (const [id, en] of Object.entries(whyCatalogs.en)) expect(placeholders(whyCatalogs['zh-CN'][id]!), id).toEqual(placeholders(en));
  });

  it('every phrase the engine can build is in the catalog, with every parameter it names', () => {
    const built: Message[] = [
      ...Object.values(why).map((f) => (f as (...a: string[]) => Message)('a', 'b', 'c', 'd', 'e')),
      why.missingFrom('f', 'tls', 't', 'error'),
      why.noneMatches('endpoints'),
      ...Object.values(need).map((f) => (f as (...a: string[]) => Message)('a', 'b')),
      anyOf([need.eq('1'), need.in('[2]')]),
      allOf([why.missing('x'), why.absent('y')]),
    ];
    for (const m of built) {
      for (const lang of ['en', 'zh-CN'] as const) {
        const out = text(lang, m);
        expect(out, `${m.id} (${lang})`).not.toMatch(/\{\w+\}|(?:^|[^.\w])(?:why|need)\.[a-z-]+/);
      }
    }
  });
});

function evaluate(assert: string) {
  const profile = parseProfileText(
    `id: t\ntitle: { en: T }\nversion: "1"\nsources: [{ id: s, title: S }]\nrules:\n  - id: r\n    title: { en: R }\n    severity: high\n    references: [{ standard: s, clause: "1", verified: true }]\n    assert: ${assert}\n    remediation: { en: fix }\n`,
    't.yaml',
    'file',
  );
  const site = siteText(`version: 1
site: { name: ops }
network: { onPremises: [10.0.0.0/8] }
platform:
  endpoints:
    - { name: directory, host: dc1.example.test, port: 389, protocol: tcp }
security:
  auditLog: { enabled: true, retentionDays: 30 }
  sso: { enabled: true, provider: "Corp; \\"IdP\\" {x}" }
`);
  return evaluateProfiles([profile], site, results([]))[0]!;
}

describe('real evaluations, in both languages', () => {
  it.each([
    [
      '{ fact: security.auditLog.retentionDays, gte: 90 }',
      'security.auditLog.retentionDays = 30; needs ≥ 90',
      'security.auditLog.retentionDays = 30；要求≥ 90',
    ],
    [
      '{ or: [{ fact: "endpoints[0].protocol", in: [https, wss] }, { fact: "endpoints[0].protocol", eq: ldap }] }',
      'endpoints[directory].protocol = "tcp"; needs one of ["https","wss"], or = "ldap"',
      'endpoints[directory].protocol = "tcp"；要求为以下之一 ["https","wss"]，或= "ldap"',
    ],
    ['{ fact: security.mfa.admins, eq: true }', 'security.mfa is not declared', 'security.mfa 未声明'],
    [
      '{ not: { fact: security.auditLog.enabled, eq: true } }',
      'not (security.auditLog.enabled = true)',
      '非（security.auditLog.enabled = true）',
    ],
    // A value that looks like a phrase, braces or separators is data: shown as it is in both.
    [
      '{ fact: security.sso.provider, eq: Azure }',
      'security.sso.provider = "Corp; \\"IdP\\" {x}"; needs = "Azure"',
      'security.sso.provider = "Corp; \\"IdP\\" {x}"；要求= "Azure"',
    ],
  ])('%s', (assert, en, zh) => {
    const o = evaluate(assert);
    expect(o.outcome).toBe('fail');
    expect(text('en', o.why)).toBe(en);
    expect(text('zh-CN', o.why)).toBe(zh);
  });

  it('a check that has no results is not evaluated, and says so in both', () => {
    const o = evaluate('{ fact: "results.tls[0].facts.accepted", containsAny: [x] }');
    expect(o.outcome).toBe('not-evaluated');
    expect(text('en', o.why)).toBe('the tls check has no results (not run, disabled, not applicable or not installed)');
    expect(text('zh-CN', o.why)).toBe('tls 检查没有结果（未运行、已禁用、不适用或未安装）');
  });
});
