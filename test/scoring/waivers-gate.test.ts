import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/model.js';
import { translator } from '../../src/i18n/index.js';
import { evaluateGate } from '../../src/report/gate.js';
import { applyWaivers, isExpired } from '../../src/scoring/waivers.js';
import { Redactor } from '../../src/site/secrets.js';
import { failing, loadSite, meta, result } from '../helpers/fixtures.js';

const waiverYaml = (expires: string) => `compliance:
  waivers:
    - check: tcp
      target: a
      justification: accepted until the new firewall is in
      expires: "${expires}"
`;

describe('waivers', () => {
  it('apply through the whole expiry day (UTC) and stop the day after', () => {
    expect(isExpired({ expires: '2026-11-26' }, new Date('2026-11-26T23:59:59Z'))).toBe(false);
    expect(isExpired({ expires: '2026-11-26' }, new Date('2026-11-27T00:00:00Z'))).toBe(true);
    expect(isExpired({}, new Date())).toBe(false);
  });

  it('report applied, expired and unused waivers', () => {
    const { site } = loadSite(waiverYaml('2030-01-01'));
    const results = [failing('tcp', 'a', 'critical')];
    expect(applyWaivers(results, site.compliance.waivers, new Date('2026-01-01')).states[0]!.status).toBe('applied');
    expect(applyWaivers(results, site.compliance.waivers, new Date('2031-01-01')).states[0]!.status).toBe('expired');
    expect(applyWaivers([result('tcp', 'a')], site.compliance.waivers, new Date('2026-01-01')).states[0]!.status).toBe('unused');
  });

  it('an expired waiver puts the failure back into caps, blockers and gates', () => {
    const { site, redactor } = loadSite(waiverYaml('2026-01-01'));
    const checks = [
      {
        id: 'tcp',
        source: 'builtin' as const,
        origin: 'x',
        def: {
          meta: meta('tcp', { severity: 'critical' }),
          messages: { en: { m: 'broken' } },
          targets: () => [],
          run: async () => ({ status: 'pass' as const, score: 1 }),
        },
      },
    ];
    const mk = (now: string) =>
      buildReport({
        site,
        checks,
        results: [failing('tcp', 'a', 'critical'), result('tcp', 'b')],
        startedAt: new Date(now),
        finishedAt: new Date(now),
        toolVersion: 't',
        redactor,
        now: new Date(now),
      });
    const before = mk('2025-12-31T12:00:00Z');
    expect(before.results[0]!.waiver?.justification).toMatch(/firewall/);
    expect(before.blockers).toEqual([]);
    expect(evaluateGate(before, { failOn: 'high' }).passed).toBe(true);
    const after = mk('2026-01-02T12:00:00Z');
    expect(after.results[0]!.waiver).toBeUndefined();
    expect(after.waivers[0]!.status).toBe('expired');
    expect(after.grade).not.toBe('A');
    expect(evaluateGate(after, { failOn: 'high' }).passed).toBe(false);
  });
});

describe('gates', () => {
  const { site } = loadSite();
  const checks = [
    {
      id: 'tcp',
      source: 'builtin' as const,
      origin: 'x',
      def: { meta: meta('tcp'), messages: { en: {} }, targets: () => [], run: async () => ({ status: 'pass' as const, score: 1 }) },
    },
  ];
  const report = (results: ReturnType<typeof result>[]) =>
    buildReport({ site, checks, results, startedAt: new Date(), finishedAt: new Date(), toolVersion: 't', redactor: new Redactor() });

  it('fail-under, min-grade and fail-on each fail on their own terms', () => {
    const r = report([
      result('tcp', 'a', { status: 'warn', score: 0.6, findings: [{ id: 'x', severity: 'medium', message: { id: 'x' } }] }),
    ]);
    expect(r.score).toBe(60);
    expect(evaluateGate(r, { failUnder: 60 }).passed).toBe(true);
    expect(evaluateGate(r, { failUnder: 61 }).passed).toBe(false);
    expect(evaluateGate(r, { minGrade: 'C' }).passed).toBe(true);
    expect(evaluateGate(r, { minGrade: 'B' }).passed).toBe(false);
    expect(evaluateGate(r, { failOn: 'high' }).passed).toBe(true);
    expect(evaluateGate(r, { failOn: 'medium' }).passed).toBe(false);
  });

  it('an incomplete run fails a gate unless allowed', () => {
    const r = report([result('tcp', 'a'), result('tcp', 'b', { status: 'error', score: null, error: { kind: 'timeout', message: 't' } })]);
    expect(evaluateGate(r, { failOn: 'critical' }).passed).toBe(false);
    expect(evaluateGate(r, { failOn: 'critical', allowIncomplete: true }).passed).toBe(true);
  });

  it('a missing grade fails --min-grade', () => {
    const r = report([result('tcp', 'a', { status: 'error', score: null })]);
    expect(r.grade).toBeNull();
    expect(evaluateGate(r, { minGrade: 'F' }).passed).toBe(false);
  });

  it('stores its reasons as message ids, which read in English and in Chinese', () => {
    const r = report([result('tcp', 'a', { status: 'warn', score: 0.6 })]);
    const [reason] = evaluateGate(r, { failUnder: 90 }).reasons;
    expect(reason).toEqual({ id: 'gate.failUnder', params: { score: expect.any(Number), limit: 90 } });
    expect(translator('zh-CN').t(reason!.id, reason!.params)).toContain('低于');
    expect(translator('en').t(reason!.id, reason!.params)).toMatch(/is under 90/);
  });
});
