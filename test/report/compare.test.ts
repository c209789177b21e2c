// The comparison of two reports as a function: what counts as a regression, and its Chinese text.

import { describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en.js';
import { compareReports } from '../../src/report/render/compare-diff.js';
import { renderComparison } from '../../src/report/render/compare.js';
import { catalogValues, englishPieces, leaks } from './english-leaks.js';
import { fixtureReport } from './report-fixture.js';

function changed() {
  const after = fixtureReport();
  const tcp = after.results.find((r) => r.check === 'tcp' && r.status === 'pass')!;
  tcp.status = 'warn';
  tcp.score = 0.6;
  tcp.findings = [{ id: 'tcp.slow', severity: 'low', message: 'slow', messageId: 'tcp.slow' }];
  const waived = after.results.find((r) => r.waiver)!;
  waived.findings = [...waived.findings, { id: `${waived.check}.extra`, severity: 'high', message: 'x', messageId: 'x' }];
  return { before: fixtureReport(), after, tcp };
}

describe('compareReports', () => {
  it('a worse status and a new unwaived finding regress; a new finding on a waived result does not', () => {
    const { before, after, tcp } = changed();
    const c = compareReports(before, after);
    expect(c.regressed).toEqual([
      { check: 'tcp', target: tcp.target, before: { status: 'pass', score: 1 }, after: { status: 'warn', score: 0.6 } },
    ]);
    expect(c.appeared.findings.map((f) => [f.finding, f.waived])).toEqual(
      expect.arrayContaining([
        ['tcp.slow', false],
        [expect.stringMatching(/\.extra$/), true],
      ]),
    );
    expect(c.regressions).toHaveLength(2);
    expect(compareReports(after, before).regressions).toEqual([]);
    expect(compareReports(before, fixtureReport()).regressions).toEqual([]);
  });

  it('compliance rules compare per rule, not per profile', () => {
    const before = fixtureReport();
    const after = fixtureReport();
    const rule = after.results.find((r) => r.check === 'compliance' && r.status === 'pass')!;
    rule.status = 'fail';
    const c = compareReports(before, after);
    expect(c.regressed.map((x) => x.target)).toEqual([`${rule.target}.${String(rule.facts.rule)}`]);
  });

  it('zh-CN text has no English from the compare catalog', () => {
    const { before, after } = changed();
    const text = renderComparison(compareReports(before, after), 'md', { lang: 'zh-CN', color: false });
    expect(text).toContain('两份 siteready 报告的对比');
    expect(leaks(text, englishPieces(catalogValues(en, ['compare.', 'status.', 'severity.', 'verdict.', 'report.'])))).toEqual([]);
  });
});
