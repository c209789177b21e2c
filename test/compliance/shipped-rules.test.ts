// Every rule of every shipped profile: the profile loads and validates, and the rule passes on its
// passing fixture and fails on its failing one (test/compliance/fixtures/shipped-rules.yaml).

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadProfileRef, shippedProfileIds } from '../../src/compliance/registry.js';
import { evaluateProfiles } from '../../src/compliance/stage.js';
import type { Profile } from '../../src/compliance/types.js';
import { deepMerge, results, siteFrom, type ResultSpec, whyText } from './helpers.js';

interface Case {
  site?: Record<string, unknown>;
  results?: ResultSpec[];
}

const fixtures = parse(readFileSync(new URL('./fixtures/shipped-rules.yaml', import.meta.url), 'utf8')) as {
  base: Record<string, unknown>;
  rules: Record<string, { pass: Case; fail: Case }>;
};

/** Words only the engine's explanation templates use (fact paths and values never do here). */
const ENGINE_WORDS =
  /\b(needs|missing|not declared|absent|not measured|no element|matches|operand|inside|outside|contain|a number|matching|unexpected|has no|is not a list|exists)\b/;

const EXPECTED = [
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
];

function outcome(profile: Profile, ruleId: string, c: Case) {
  const site = siteFrom(deepMerge(fixtures.base, c.site ?? {}) as Record<string, unknown>);
  const rule = profile.rules.find((r) => r.id === ruleId)!;
  const [o] = evaluateProfiles([{ ...profile, rules: [rule] }], site, results(c.results ?? []));
  return o!;
}

describe('shipped profiles', () => {
  it('ship every profile the issue names', () => {
    expect(shippedProfileIds()).toEqual(expect.arrayContaining(EXPECTED));
  });

  for (const id of shippedProfileIds()) {
    describe(id, () => {
      const profile = loadProfileRef(id, process.cwd());

      it('loads, validates, and every rule cites a clause with English and Chinese text', () => {
        expect(profile.id).toBe(id);
        expect(profile.rules.length).toBeGreaterThan(0);
        for (const r of profile.rules) {
          expect(r.references.length).toBeGreaterThan(0);
          for (const ref of r.references) {
            expect(ref.clause.length).toBeGreaterThan(2);
            expect(typeof ref.verified).toBe('boolean');
            if (!ref.verified) expect(ref.note, `${id}.${r.id}: an unverified clause says why`).toBeTruthy();
          }
          expect(r.title['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
          expect(r.remediation['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
        }
      });

      for (const rule of profile.rules) {
        const key = `${id}.${rule.id}`;
        it(`${rule.id}: passes on its passing fixture, fails on its failing one`, () => {
          const cases = fixtures.rules[key];
          expect(cases, `no fixture for ${key}`).toBeDefined();
          const pass = outcome(profile, rule.id, cases!.pass);
          expect(pass.outcome, `${key} pass: ${whyText(pass.why)}`).toBe('pass');
          const fail = outcome(profile, rule.id, cases!.fail);
          expect(fail.outcome, `${key} fail: ${whyText(fail.why)}`).toBe('fail');
          expect(whyText(fail.why).length).toBeGreaterThan(0);
          expect(fail.decidedBy.length).toBeGreaterThan(0);
          // The Chinese explanation keeps paths and values, and none of the template's English words.
          expect(whyText(fail.why, 'zh-CN'), whyText(fail.why)).not.toMatch(ENGINE_WORDS);
        });
      }
    });
  }

  it('TLS profiles are not evaluated when the tls check published nothing', () => {
    for (const id of ['tls-mozilla-intermediate', 'tls-nist-800-52r2', 'tls-bsi', 'tls-pci-dss-4']) {
      const profile = loadProfileRef(id, process.cwd());
      const outcomes = evaluateProfiles(
        [profile],
        siteFrom(fixtures.base),
        results([{ check: 'dns', target: 'api.example.test', facts: { addresses: [] } }]),
      );
      for (const o of outcomes) {
        expect(o.outcome).toBe('not-evaluated');
        expect(whyText(o.why)).toMatch(/the tls check has no results/);
      }
    }
  });

  it('a tls result that errored leaves the rule not evaluated, never passed', () => {
    const profile = loadProfileRef('tls-pci-dss-4', process.cwd());
    const outcomes = evaluateProfiles([profile], siteFrom(fixtures.base), results([{ check: 'tls', target: 'api', status: 'error' }]));
    for (const o of outcomes) expect(o.outcome).toBe('not-evaluated');
  });

  it('certificates are not "verified" by a run that reached no endpoint', () => {
    const profile = loadProfileRef('baseline', process.cwd());
    const o = evaluateProfiles(
      [{ ...profile, rules: profile.rules.filter((r) => r.id === 'certificates-verified') }],
      siteFrom(fixtures.base),
      results([
        { check: 'http', target: 'api', status: 'fail', facts: { classification: 'dns-failure' } },
        { check: 'websocket', target: 'chat', status: 'fail', facts: { classification: 'refused' } },
      ]),
    )[0]!;
    expect(o.outcome).toBe('not-evaluated');
    expect(whyText(o.why)).toMatch(/no element of endpoints matches/);
  });

  it('a TLS rule set the tls check did not judge leaves the rule not evaluated; a judged one passes with no failed rule', () => {
    const profile = loadProfileRef('tls-nist-800-52r2', process.cwd());
    const rule = profile.rules.find((r) => r.id === 'rule-set')!;
    const only = (measurements: Record<string, number>) =>
      evaluateProfiles(
        [{ ...profile, rules: [rule] }],
        siteFrom(fixtures.base),
        results([{ check: 'tls', target: 'api', facts: { accepted: [] }, measurements }]),
      )[0]!;
    expect(only({ 'rules.mozilla-intermediate.failed': 0 }).outcome).toBe('not-evaluated');
    expect(only({ 'rules.nist-800-52r2.failed': 0 }).outcome).toBe('pass');
    expect(only({ 'rules.nist-800-52r2.failed': 2 }).outcome).toBe('fail');
  });

  it('national cryptography also counts TLCP (GM/T 0024) suites', () => {
    const profile = loadProfileRef('finance-cn', process.cwd());
    const rule = profile.rules.find((r) => r.id === 'national-cryptography')!;
    const site = siteFrom(deepMerge(fixtures.base, { security: { cryptography: { national: 'required' } } }) as Record<string, unknown>);
    const o = evaluateProfiles(
      [{ ...profile, rules: [rule] }],
      site,
      results([
        {
          check: 'tls',
          target: 'api',
          facts: {
            accepted: [{ version: 'TLSv1.2', code: '0xC02F' }],
            tlcp: { offered: true, accepted: [{ code: '0xE013', name: 'ECC_SM4_CBC_SM3' }] },
          },
        },
        { check: 'tls', target: 'chat', facts: { accepted: [{ version: 'TLSv1.3', code: '0x00C6' }] } },
      ]),
    )[0]!;
    expect(o.outcome).toBe('pass');
    const notRequired = evaluateProfiles([{ ...profile, rules: [rule] }], siteFrom(fixtures.base), [])[0]!;
    expect(notRequired.outcome).toBe('not-applicable');
  });

  it('organisation size changes severity (severityBySize) and applicability', () => {
    const profile = loadProfileRef('baseline', process.cwd());
    const sso = profile.rules.find((r) => r.id === 'single-sign-on')!;
    const at = (size: string) =>
      evaluateProfiles(
        [{ ...profile, rules: [sso] }],
        siteFrom(deepMerge(fixtures.base, { site: { name: 'x', size } }) as Record<string, unknown>),
        [],
      )[0]!;
    expect(at('small').severity).toBe('low');
    expect(at('large').severity).toBe('high');
    expect(at('medium').severity).toBe('medium');
    const directory = profile.rules.find((r) => r.id === 'directory-integration')!;
    const dir = (size: string) =>
      evaluateProfiles(
        [{ ...profile, rules: [directory] }],
        siteFrom(deepMerge(fixtures.base, { site: { name: 'x', size } }) as Record<string, unknown>),
        [],
      )[0]!;
    expect(dir('small').outcome).toBe('not-applicable');
    expect(dir('large')).toMatchObject({ outcome: 'fail', severity: 'medium' });
    expect(dir('enterprise')).toMatchObject({ outcome: 'fail', severity: 'high' });
  });
});
