// The rule engine explains outcomes in messages: every phrase it can say exists in English and in
// Chinese with the same placeholders, and real evaluations read in both languages — fact paths
// and values untouched, whatever they contain.

import { describe, expect, it } from 'vitest';
import { parseProfileText } from '../../src/compliance/load-profile.js';
import { evaluateProfiles } from '../../src/compliance/stage.js';
import { allOf, anyOf, list, need, why, whyCatalogs } from '../../src/compliance/why.js';
import { translator } from '../../src/i18n/index.js';
import type { Message } from '../../src/plugin-api.js';
import { results, siteText, type ResultSpec } from './helpers.js';

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
      allOf(Array.from({ length: 12 }, (_, i) => why.missing(`x${i}`))),
      ...(['or', 'and', 'all'] as const).flatMap((kind) =>
        Array.from({ length: 12 }, (_, n) =>
          list(
            kind,
            Array.from({ length: n + 1 }, (_, i) => `v${i}`),
          ),
        ),
      ),
    ];
    for (const m of built) {
      for (const lang of ['en', 'zh-CN'] as const) {
        const out = text(lang, m);
        expect(out, `${m.id} (${lang})`).not.toMatch(/\{\w+\}|(?:^|[^.\w])(?:why|need)\.[a-z-]+/);
      }
    }
  });
});

function evaluate(assert: string, measured: ResultSpec[] = []) {
  const profile = parseProfileText(
    `id: t\ntitle: { en: T }\nversion: "1"\nsources: [{ id: s, title: S }]\nrules:\n  - id: r\n    title: { en: R }\n    severity: high\n    references: [{ standard: s, clause: "1", verified: true }]\n    assert: ${assert}\n    remediation: { en: fix }\n`,
    't.yaml',
    'file',
  );
  // Line numbers matter: the explanations cite them.
  const site = siteText(`version: 1
site: { name: ops }
network: { onPremises: [10.0.0.0/8] }
platform:
  endpoints:
    - { name: directory, host: dc1.example.test, port: 389, protocol: tcp }
    - { name: ldap, url: "ldap://dc2.example.test/" }
    - { name: files, host: 203.0.113.9, port: 443, protocol: tls, role: files }
security:
  auditLog: { enabled: true, retentionDays: 30 }
  sso: { enabled: true, provider: "Corp; \\"IdP\\" {x}" }
  mfa: { methods: [sms, totp] }
data:
  storage: { location: cloud, country: CN }
vendor: { name: Example Soft }
`);
  return evaluateProfiles([profile], site, results(measured))[0]!;
}

describe('real evaluations say what the site file says, where, and what the rule needs, in both languages', () => {
  it.each([
    // equals, and the alternatives of an `or` read as one requirement
    [
      '{ fact: data.storage.location, eq: on-premises }',
      'data.storage.location is "cloud" (fixture.yaml:14); the rule needs "on-premises"',
      'data.storage.location 为 "cloud"（fixture.yaml:14）；规则要求为 "on-premises"',
    ],
    [
      '{ or: [{ fact: data.storage.location, eq: on-premises }, { fact: data.storage.location, eq: in-country }] }',
      'data.storage.location is "cloud" (fixture.yaml:14); the rule needs "on-premises" or "in-country"',
      'data.storage.location 为 "cloud"（fixture.yaml:14）；规则要求为 "on-premises" 或 "in-country"',
    ],
    // one of, with the encrypted form of the endpoint to declare instead
    [
      '{ or: [{ fact: "endpoints[0].protocol", in: [https, wss, tls, turns, ldaps] }, { fact: "endpoints[0].protocol", eq: ldap }] }',
      'endpoints[directory] uses protocol tcp (fixture.yaml:6); the rule needs one of https, wss, tls, turns, ldaps or ldap — declare it with url: ldaps://dc1.example.test',
      'endpoints[directory] 使用协议 tcp（fixture.yaml:6）；规则要求为 https、wss、tls、turns、ldaps 或 ldap 之一——改用 url: ldaps://dc1.example.test 声明',
    ],
    [
      '{ fact: "endpoints[1].protocol", in: [https, ldaps] }',
      'endpoints[ldap] uses protocol ldap (fixture.yaml:7); the rule needs one of https or ldaps — change its url to ldaps://…',
      'endpoints[ldap] 使用协议 ldap（fixture.yaml:7）；规则要求为 https 或 ldaps 之一——将其 url 改为 ldaps://…',
    ],
    [
      '{ fact: "endpoints[0].protocol", in: [https, wss] }',
      'endpoints[directory] uses protocol tcp (fixture.yaml:6); the rule needs one of https or wss',
      'endpoints[directory] 使用协议 tcp（fixture.yaml:6）；规则要求为 https 或 wss 之一',
    ],
    // not equal, none of
    [
      '{ fact: data.storage.location, ne: cloud }',
      'data.storage.location is "cloud" (fixture.yaml:14); the rule needs anything but "cloud"',
      'data.storage.location 为 "cloud"（fixture.yaml:14）；规则要求不为 "cloud"',
    ],
    [
      '{ fact: data.storage.location, notIn: [cloud, in-country] }',
      'data.storage.location is "cloud" (fixture.yaml:14); the rule needs anything but cloud or in-country',
      'data.storage.location 为 "cloud"（fixture.yaml:14）；规则要求不为 cloud 或 in-country',
    ],
    // at least, more than, at most, less than; a number where there is text
    [
      '{ fact: security.auditLog.retentionDays, gte: 90 }',
      'security.auditLog.retentionDays is 30 (fixture.yaml:10); the rule needs at least 90',
      'security.auditLog.retentionDays 为 30（fixture.yaml:10）；规则要求至少 90',
    ],
    [
      '{ fact: security.auditLog.retentionDays, gt: 30 }',
      'security.auditLog.retentionDays is 30 (fixture.yaml:10); the rule needs more than 30',
      'security.auditLog.retentionDays 为 30（fixture.yaml:10）；规则要求大于 30',
    ],
    [
      '{ fact: security.auditLog.retentionDays, lte: 7 }',
      'security.auditLog.retentionDays is 30 (fixture.yaml:10); the rule needs at most 7',
      'security.auditLog.retentionDays 为 30（fixture.yaml:10）；规则要求至多 7',
    ],
    [
      '{ fact: security.auditLog.retentionDays, lt: 30 }',
      'security.auditLog.retentionDays is 30 (fixture.yaml:10); the rule needs less than 30',
      'security.auditLog.retentionDays 为 30（fixture.yaml:10）；规则要求小于 30',
    ],
    [
      '{ fact: data.storage.location, gte: 1 }',
      'data.storage.location is "cloud" (fixture.yaml:14); the rule needs a number of at least 1',
      'data.storage.location 为 "cloud"（fixture.yaml:14）；规则要求数值至少 1',
    ],
    // matches
    [
      '{ fact: vendor.name, matches: "^Acme" }',
      'vendor.name is "Example Soft" (fixture.yaml:15); the rule needs it to match the pattern /^Acme/',
      'vendor.name 为 "Example Soft"（fixture.yaml:15）；规则要求匹配模式 /^Acme/',
    ],
    // exists, absent, and a comparison over a fact the file does not declare (named in full)
    [
      '{ fact: vendor.baa, exists: true }',
      'vendor.baa is not declared in fixture.yaml — declare it',
      'fixture.yaml 中未声明 vendor.baa——请声明',
    ],
    [
      '{ fact: vendor.name, exists: false }',
      'vendor.name is "Example Soft" (fixture.yaml:15); the rule needs it to be absent',
      'vendor.name 为 "Example Soft"（fixture.yaml:15）；规则要求不存在',
    ],
    [
      '{ fact: security.mfa.admins, eq: true }',
      'security.mfa.admins is not declared in fixture.yaml; the rule needs true — declare it',
      'fixture.yaml 中未声明 security.mfa.admins；规则要求为 true——请声明',
    ],
    [
      '{ fact: data.retention.messagesDays, gte: 1825 }',
      'data.retention.messagesDays is not declared in fixture.yaml; the rule needs at least 1825 — declare it',
      'fixture.yaml 中未声明 data.retention.messagesDays；规则要求至少 1825——请声明',
    ],
    // lists: contains any, contains none
    [
      '{ fact: security.mfa.methods, containsAny: [webauthn, smartcard] }',
      'security.mfa.methods is sms and totp (fixture.yaml:12); the rule needs it to contain webauthn or smartcard',
      'security.mfa.methods 为 sms 和 totp（fixture.yaml:12）；规则要求包含 webauthn 或 smartcard',
    ],
    [
      '{ fact: security.mfa.methods, containsNone: [sms, push] }',
      'security.mfa.methods is sms and totp (fixture.yaml:12); the rule needs it to contain none of sms or push',
      'security.mfa.methods 为 sms 和 totp（fixture.yaml:12）；规则要求不包含 sms 或 push 中的任何一项',
    ],
    // address ranges
    [
      '{ fact: "endpoints[2].host", inCidr: [10.0.0.0/8, 192.168.0.0/16] }',
      'endpoints[files].host is "203.0.113.9" (fixture.yaml:8); the rule needs an address inside 10.0.0.0/8 or 192.168.0.0/16',
      'endpoints[files].host 为 "203.0.113.9"（fixture.yaml:8）；规则要求位于 10.0.0.0/8 或 192.168.0.0/16 之内的地址',
    ],
    [
      '{ fact: "endpoints[2].host", notInCidr: [203.0.113.0/24] }',
      'endpoints[files].host is "203.0.113.9" (fixture.yaml:8); the rule needs an address outside 203.0.113.0/24',
      'endpoints[files].host 为 "203.0.113.9"（fixture.yaml:8）；规则要求位于 203.0.113.0/24 之外的地址',
    ],
    // not, none
    [
      '{ not: { fact: security.auditLog.enabled, eq: true } }',
      'the rule does not allow this: security.auditLog.enabled is true (fixture.yaml:10)',
      '规则不允许：security.auditLog.enabled 为 true（fixture.yaml:10）',
    ],
    [
      '{ none: { each: endpoints, as: ep, satisfy: { fact: ep.protocol, eq: tcp } } }',
      'not allowed: endpoints[directory].protocol is "tcp" (fixture.yaml:6)',
      '不允许：endpoints[directory].protocol 为 "tcp"（fixture.yaml:6）',
    ],
    // Several reasons of an `and`, one after the other.
    [
      '{ and: [{ fact: security.auditLog.retentionDays, gte: 90 }, { fact: data.storage.location, eq: on-premises }] }',
      'security.auditLog.retentionDays is 30 (fixture.yaml:10); the rule needs at least 90; data.storage.location is "cloud" (fixture.yaml:14); the rule needs "on-premises"',
      'security.auditLog.retentionDays 为 30（fixture.yaml:10）；规则要求至少 90；data.storage.location 为 "cloud"（fixture.yaml:14）；规则要求为 "on-premises"',
    ],
    // A value that looks like a phrase, braces or separators is data: shown as it is in both.
    [
      '{ fact: security.sso.provider, eq: Azure }',
      'security.sso.provider is "Corp; \\"IdP\\" {x}" (fixture.yaml:11); the rule needs "Azure"',
      'security.sso.provider 为 "Corp; \\"IdP\\" {x}"（fixture.yaml:11）；规则要求为 "Azure"',
    ],
  ])('%s', (assert, en, zh) => {
    const o = evaluate(assert);
    expect(o.outcome).toBe('fail');
    expect(text('en', o.why)).toBe(en);
    expect(text('zh-CN', o.why)).toBe(zh);
  });

  it('a measured value names the check and target it came from', () => {
    const o = evaluate('{ fact: "results.tls[0].facts.versions", containsNone: [TLSv1.0] }', [
      { check: 'tls', target: 'api', facts: { versions: ['TLSv1.0', 'TLSv1.2'] } },
    ]);
    expect(o.outcome).toBe('fail');
    expect(text('en', o.why)).toBe(
      'results.tls[api].facts.versions is TLSv1.0 and TLSv1.2 (measured by tls on api); the rule needs it to contain none of TLSv1.0',
    );
    expect(text('zh-CN', o.why)).toBe(
      'results.tls[api].facts.versions 为 TLSv1.0 和 TLSv1.2（由 tls 检查在 api 上测得）；规则要求不包含 TLSv1.0 中的任何一项',
    );
  });

  it('long lists are cut, saying how many more there are', () => {
    const values = Array.from({ length: 12 }, (_, i) => `v${i}`);
    const o = evaluate(`{ fact: data.storage.location, in: [${values.join(', ')}] }`);
    expect(text('en', o.why)).toBe(
      'data.storage.location is "cloud" (fixture.yaml:14); the rule needs one of v0, v1, v2, v3, v4, v5, v6 or 5 more',
    );
    expect(text('zh-CN', o.why)).toMatch(/为 v0、v1、v2、v3、v4、v5、v6 或其他 5 项 之一$/);
  });

  it('a check that has no results is not evaluated, and says so in both', () => {
    const o = evaluate('{ fact: "results.tls[0].facts.accepted", containsAny: [x] }');
    expect(o.outcome).toBe('not-evaluated');
    expect(text('en', o.why)).toBe('the tls check has no results (not run, disabled, not applicable or not installed)');
    expect(text('zh-CN', o.why)).toBe('tls 检查没有结果（未运行、已禁用、不适用或未安装）');
  });
});
