// The assertion language: operators, three-valued logic, quantifiers, missing facts and what
// decided each outcome.

import { describe, expect, it } from 'vitest';
import { parseProfileText } from '../../src/compliance/load-profile.js';
import { evaluateProfiles, outcomesToResults } from '../../src/compliance/stage.js';
import { results, siteText, type ResultSpec, whyText } from './helpers.js';

const SITE = `version: 1
site: { name: ops, size: large }
network:
  onPremises: [10.0.0.0/8, "fd00::/8"]
platform:
  endpoints:
    - { name: api, url: "https://api.example.test/" }
    - { name: files, url: "https://files.example.test/", role: files }
    - { name: raw, host: 10.9.9.9, port: 9000, protocol: tcp, role: storage }
security:
  auditLog: { enabled: true, retentionDays: 120 }
  sso: { enabled: true, provider: "Corp IdP 2" }
policy:
  externalFileTransfer: restricted
`;

function run(assert: string, specs: ResultSpec[] = [], extra = '') {
  const profile = parseProfileText(
    `id: t\ntitle: { en: T }\nversion: "1"\nsources: [{ id: s, title: S }]\nrules:\n  - id: r\n    title: { en: R }\n    severity: high\n    references: [{ standard: s, clause: "1", verified: true }]\n${extra}    assert: ${assert}\n    remediation: { en: fix }\n`,
    't.yaml',
    'file',
  );
  const site = siteText(SITE);
  return evaluateProfiles([profile], site, results(specs))[0]!;
}

describe('operators', () => {
  it.each([
    ['{ fact: security.auditLog.retentionDays, eq: 120 }', 'pass'],
    ['{ fact: security.auditLog.retentionDays, ne: 120 }', 'fail'],
    ['{ fact: security.auditLog.retentionDays, gt: 119 }', 'pass'],
    ['{ fact: security.auditLog.retentionDays, gte: 121 }', 'fail'],
    ['{ fact: security.auditLog.retentionDays, lt: 121 }', 'pass'],
    ['{ fact: security.auditLog.retentionDays, lte: 119 }', 'fail'],
    ['{ fact: policy.externalFileTransfer, in: [restricted, blocked] }', 'pass'],
    ['{ fact: policy.externalFileTransfer, notIn: [restricted, blocked] }', 'fail'],
    ['{ fact: security.sso.provider, matches: "^Corp IdP [0-9]+$" }', 'pass'],
    ['{ fact: security.sso.provider, matches: "^Azure" }', 'fail'],
    ['{ fact: security.sso.enabled, exists: true }', 'pass'],
    ['{ fact: security.mfa, exists: true }', 'fail'],
    ['{ fact: security.mfa, exists: false }', 'pass'],
    ['{ fact: "network.onPremises", containsAny: ["10.0.0.0/8"] }', 'pass'],
    ['{ fact: "network.onPremises", containsNone: ["10.0.0.0/8"] }', 'fail'],
    ['{ fact: "endpoints[2].host", inCidr: { fact: network.onPremises } }', 'pass'],
    ['{ fact: "endpoints[2].host", notInCidr: [10.9.0.0/16] }', 'fail'],
    ['{ fact: "endpoints[*].role", containsAny: [storage] }', 'pass'],
    ['{ fact: security.auditLog.retentionDays, gte: { fact: security.auditLog.retentionDays } }', 'pass'],
  ])('%s → %s', (assert, expected) => {
    expect(run(assert).outcome).toBe(expected);
  });

  it('a pattern that backtracks in JavaScript runs in linear time over a long fact from the network', () => {
    // `.*a.*b.*c.*d.*e$` over 4,000 characters without an "e" took JavaScript's engine hours.
    const issuer = 'abcd'.repeat(1000);
    const specs: ResultSpec[] = [{ check: 'http', target: 'api', facts: { issuer } }];
    const t0 = performance.now();
    const miss = run('{ fact: "results.http[0].facts.issuer", matches: ".*a.*b.*c.*d.*e$" }', specs);
    const hit = run('{ fact: "results.http[0].facts.issuer", matches: ".*a.*b.*c.*d$" }', specs);
    expect([miss.outcome, hit.outcome]).toEqual(['fail', 'pass']);
    // Generous: the point is "not hours", not a timing figure.
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('and / or / not', () => {
    expect(run('{ and: [{ fact: security.sso.enabled, eq: true }, { fact: security.auditLog.enabled, eq: true }] }').outcome).toBe('pass');
    expect(run('{ and: [{ fact: security.sso.enabled, eq: true }, { fact: security.auditLog.enabled, eq: false }] }').outcome).toBe('fail');
    expect(run('{ or: [{ fact: security.sso.enabled, eq: false }, { fact: security.auditLog.enabled, eq: true }] }').outcome).toBe('pass');
    expect(run('{ not: { fact: security.sso.enabled, eq: false } }').outcome).toBe('pass');
  });
});

describe('quantifiers over lists', () => {
  const dns: ResultSpec[] = [
    { check: 'dns', target: 'api.example.test', facts: { addresses: [{ address: '203.0.113.4', family: 4 }], endpoints: ['api'] } },
    {
      check: 'dns',
      target: 'files.example.test',
      facts: {
        addresses: [
          { address: '10.1.1.1', family: 4 },
          { address: 'fd00::5', family: 6 },
        ],
        endpoints: ['files'],
      },
    },
  ];
  const residency = (where: string) =>
    `{ all: { each: endpoints, as: ep, where: ${where}, satisfy: { all: { each: ep.resolved, as: a, satisfy: { fact: a.address, inCidr: { fact: network.onPremises } } } } } }`;

  it('all: storage endpoints resolve inside the declared ranges (IPv4 and IPv6, literal hosts too)', () => {
    const o = run(residency('{ fact: ep.role, in: [files, storage] }'), dns);
    expect(o.outcome).toBe('pass');
  });

  it('all: one address outside fails, and says which and where it came from', () => {
    const o = run(residency('{ fact: ep.expect, eq: reachable }'), dns);
    expect(o.outcome).toBe('fail');
    expect(whyText(o.why)).toMatch(
      /endpoints\[api\]\.resolved\[0\]\.address is "203\.0\.113\.4" \(measured by dns on api\.example\.test\); the rule needs an address inside 10\.0\.0\.0\/8 or fd00::\/8/,
    );
    const byCheck = o.decidedBy.find((u) => u.source?.kind === 'result');
    expect(byCheck?.source).toMatchObject({
      kind: 'result',
      check: 'dns',
      target: 'api.example.test',
      field: 'facts.addresses[0].address',
    });
    const bySite = o.decidedBy.find((u) => u.source?.kind === 'site');
    expect(bySite?.source).toMatchObject({ kind: 'site', path: 'network.onPremises', location: { file: 'fixture.yaml', line: 4 } });
  });

  it('any / none', () => {
    expect(run('{ any: { each: endpoints, as: ep, where: { fact: ep.role, eq: storage } } }').outcome).toBe('pass');
    expect(run('{ any: { each: endpoints, as: ep, where: { fact: ep.role, eq: media } } }').outcome).toBe('fail');
    expect(run('{ none: { each: endpoints, as: ep, satisfy: { fact: ep.protocol, eq: http } } }').outcome).toBe('pass');
    expect(run('{ none: { each: endpoints, as: ep, satisfy: { fact: ep.protocol, eq: tcp } } }').outcome).toBe('fail');
  });

  it('ifEmpty decides when nothing matches, so a rule cannot pass over nothing', () => {
    const q = (ifEmpty: string) =>
      `{ all: { each: endpoints, as: ep, where: { fact: ep.role, eq: media }, satisfy: { fact: ep.protocol, eq: https }, ifEmpty: ${ifEmpty} } }`;
    expect(run(q('not-evaluated')).outcome).toBe('not-evaluated');
    expect(run(q('fail')).outcome).toBe('fail');
    expect(run(q('pass')).outcome).toBe('pass');
    expect(run(q('fail').replace('ep.role, eq: media', 'ep.role, eq: files')).outcome).toBe('pass');
  });

  it('an undeclared site list holds nothing; a missing measured list is not evaluated', () => {
    expect(run('{ all: { each: network.regions, as: r, satisfy: { fact: r.country, eq: CN } } }').outcome).toBe('pass');
    const o = run('{ all: { each: results.tls, as: r, satisfy: { fact: r.status, eq: pass } } }');
    expect(o.outcome).toBe('not-evaluated');
    expect(whyText(o.why)).toMatch(/the tls check has no results/);
  });
});

describe('missing facts', () => {
  it('a check that did not run makes the rule not evaluated — never a silent pass', () => {
    const o = run('{ fact: "endpoints[0].results.http.facts.classification", eq: ok }');
    expect(o.outcome).toBe('not-evaluated');
    expect(whyText(o.why)).toMatch(/endpoints\[api\] has no http result/);
    expect(run('{ not: { fact: "endpoints[0].results.http.facts.classification", eq: ok } }').outcome).toBe('not-evaluated');
  });

  it('an error result leaves its details missing: not evaluated, with the status', () => {
    const o = run('{ fact: "endpoints[0].results.http.facts.classification", eq: ok }', [
      { check: 'http', target: 'api', status: 'error' },
    ]);
    expect(o.outcome).toBe('not-evaluated');
    expect(whyText(o.why)).toMatch(/classification is missing \(http on api: error\)/);
    const skipped = run('{ fact: "results.tls[0].facts.accepted", containsAny: [x] }', [
      { check: 'tls', target: 'api', status: 'skipped', facts: { reason: 'proxy-only' } },
    ]);
    expect(skipped.outcome).toBe('not-evaluated');
    expect(whyText(skipped.why)).toMatch(/\(tls on api: skipped, proxy-only\)/);
  });

  it('false beats unknown in an and, true beats unknown in an or (Kleene)', () => {
    const unknown = '{ fact: "results.tls", exists: true, ifMissing: not-evaluated }';
    const measured = '{ fact: "endpoints[0].results.tls.facts.accepted", containsAny: [x] }';
    expect(run(`{ and: [{ fact: security.sso.enabled, eq: false }, ${measured}] }`).outcome).toBe('fail');
    expect(run(`{ or: [{ fact: security.sso.enabled, eq: true }, ${measured}] }`).outcome).toBe('pass');
    expect(run(`{ and: [{ fact: security.sso.enabled, eq: true }, ${measured}] }`).outcome).toBe('not-evaluated');
    expect(run(unknown).outcome).toBe('fail'); // exists never waits for a measurement
  });

  it('an undeclared site fact fails, pointing at the nearest line of the file', () => {
    const o = run('{ fact: security.mfa.admins, eq: true }');
    expect(o.outcome).toBe('fail');
    expect(whyText(o.why)).toBe('security.mfa.admins is not declared in fixture.yaml; the rule needs true — declare it');
    expect(o.decidedBy[0]!.source).toMatchObject({ kind: 'site', location: { file: 'fixture.yaml', line: 11 } }); // inside the security block
  });

  it('ifMissing overrides the default', () => {
    expect(run('{ fact: security.mfa.admins, eq: true, ifMissing: pass }').outcome).toBe('pass');
    expect(run('{ fact: security.mfa.admins, eq: true, ifMissing: not-evaluated }').outcome).toBe('not-evaluated');
  });

  it('measurements are addressed by id and traced to check, target and measurement', () => {
    const o = run('{ fact: "results.http[0].measurements.ttfbMs", lt: 200 }', [
      { check: 'http', target: 'api', measurements: { ttfbMs: 350 } },
    ]);
    expect(o.outcome).toBe('fail');
    expect(o.decidedBy[0]!.source).toMatchObject({
      kind: 'result',
      check: 'http',
      target: 'api',
      measurement: 'ttfbMs',
      field: 'measurements.ttfbMs',
    });
  });
});

describe('applies and the report entries', () => {
  it('a rule that does not apply is not applicable; one that fails becomes a finding with clause and evidence', () => {
    const na = run('{ fact: security.sso.enabled, eq: true }', [], '    applies: { fact: site.size, in: [small] }\n');
    expect(na.outcome).toBe('not-applicable');
    const fail = run('{ fact: security.auditLog.retentionDays, gte: 180 }', [], '    applies: { fact: site.size, in: [medium, large] }\n');
    expect(fail.outcome).toBe('fail');
    const [r] = outcomesToResults([fail], siteText(SITE));
    expect(r).toMatchObject({ check: 'compliance', target: 't', status: 'fail', score: 0, key: 'compliance:t.r' });
    expect(r!.findings[0]).toMatchObject({ id: 't.r', severity: 'high', message: { id: 't.r' }, remediation: { id: 't.r.fix' } });
    expect(r!.facts).toMatchObject({ outcome: 'fail', references: [{ standard: 's', clause: '1' }] });
    expect((r!.facts.decidedBy as Array<Record<string, unknown>>)[0]).toMatchObject({
      source: 'site',
      yamlPath: 'security.auditLog.retentionDays',
      location: { line: 11 },
    });
    expect(r!.location).toMatchObject({ file: 'fixture.yaml', line: 11 });
  });

  it('not evaluated becomes an error result (the category is incomplete) with an info finding a waiver can name', () => {
    const o = run('{ fact: "results.tls[0].status", eq: pass }');
    const [r] = outcomesToResults([o], siteText(SITE));
    expect(r).toMatchObject({ status: 'error', score: null, error: { kind: 'not-evaluated' } });
    expect(r!.findings[0]).toMatchObject({ id: 't.r', severity: 'info' });
  });

  it('not evaluated only because the results it reads are errors (an audit that could not run): counted once, on those results', () => {
    const notAudited: ResultSpec = {
      check: 'tls',
      target: 'api',
      status: 'error',
      facts: { path: 'proxy', notAudited: 'connect-refused' },
    };
    const o = run('{ fact: "endpoints[0].results.tls.facts.accepted", containsAny: ["0xE011"] }', [notAudited]);
    expect(o.outcome).toBe('not-evaluated');
    const [r] = outcomesToResults([o], siteText(SITE));
    expect(r).toMatchObject({ status: 'info', score: null, facts: { outcome: 'not-evaluated', incompleteAt: ['tls:api'] } });
    expect(r!.error).toBeUndefined();
    expect(r!.findings[0]).toMatchObject({ id: 't.r', severity: 'info', message: { id: 't.r.not-evaluated' } });
    // A result that is missing altogether, or skipped, is no error of its own: the rule stays incomplete.
    const skipped = run('{ fact: "endpoints[0].results.tls.facts.accepted", containsAny: ["0xE011"] }', [
      { check: 'tls', target: 'api', status: 'skipped', facts: {} },
    ]);
    expect(outcomesToResults([skipped], siteText(SITE))[0]).toMatchObject({ status: 'error', error: { kind: 'not-evaluated' } });
  });
});
