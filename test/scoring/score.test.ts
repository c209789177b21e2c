import { describe, expect, it } from 'vitest';
import { gradeFor, scoreResults } from '../../src/scoring/score.js';
import { failing, meta, result } from '../helpers/fixtures.js';

const metas = new Map([
  ['tcp', meta('tcp', { weight: 3 })],
  ['dns', meta('dns', { weight: 1 })],
  ['tls', meta('tls', { category: 'security', weight: 1 })],
]);

describe('grades', () => {
  it('uses the DESIGN bands', () => {
    expect([100, 80, 79, 65, 64, 50, 49, 35, 34, 20, 19, 0].map(gradeFor)).toEqual([
      'A',
      'A',
      'B',
      'B',
      'C',
      'C',
      'D',
      'D',
      'E',
      'E',
      'F',
      'F',
    ]);
  });
});

describe('scoreResults', () => {
  it('scores everything passing as 100 / A / READY', () => {
    const s = scoreResults([result('tcp', 'a'), result('dns', 'h'), result('tls', 'a')], metas, new Set());
    expect(s).toMatchObject({ score: 100, grade: 'A', verdict: 'READY', complete: true });
  });

  it('weights checks within a category and categories overall', () => {
    // network: tcp (w3) = 0.5, dns (w1) = 1 → 0.625; security: 1. overall = (30*0.625 + 25*1)/55
    const s = scoreResults([result('tcp', 'a', { status: 'warn', score: 0.5 }), result('dns', 'h'), result('tls', 'a')], metas, new Set());
    expect(s.categories.find((c) => c.id === 'network')?.score).toBeCloseTo(0.625);
    expect(s.score).toBe(Math.round((100 * (30 * 0.625 + 25)) / 55));
  });

  it('caps the grade at D for an unwaived critical failure, whatever the number', () => {
    const results = [
      failing('tcp', 'a', 'critical', 0.95),
      ...Array.from({ length: 20 }, (_, i) => result('tcp', `t${i}`)),
      result('dns', 'h'),
      result('tls', 'a'),
    ];
    const s = scoreResults(results, metas, new Set());
    expect(s.score).toBeGreaterThanOrEqual(80);
    expect(s.uncappedGrade).toBe('A');
    expect(s.grade).toBe('D');
    expect(s.cap).toEqual({ grade: 'D', reason: 'critical' });
    expect(s.verdict).toBe('NOT READY');
    expect(s.blockers[0]).toMatchObject({ check: 'tcp', target: 'a', severity: 'critical' });
  });

  it('caps at B for a high failure, and a blocker means NOT READY: the words match', () => {
    const results = [
      failing('tcp', 'a', 'high', 0.95),
      ...Array.from({ length: 20 }, (_, i) => result('tcp', `t${i}`)),
      result('dns', 'h'),
      result('tls', 'a'),
    ];
    const s = scoreResults(results, metas, new Set());
    expect(s.grade).toBe('B');
    expect(s.verdict).toBe('NOT READY');
    expect(s.blockers).toHaveLength(1);
  });

  it('medium and low findings are risks, not blockers: READY WITH RISKS', () => {
    const results = [
      failing('tls', 'a', 'medium', 0.95),
      failing('dns', 'h', 'low', 0.95),
      ...Array.from({ length: 20 }, (_, i) => result('tcp', `t${i}`)),
    ];
    const s = scoreResults(results, metas, new Set());
    expect(s.blockers).toEqual([]);
    expect(s.risks.map((b) => `${b.check}:${b.severity}`)).toEqual(['tls:medium', 'dns:low']);
    expect(s.verdict).toBe('READY WITH RISKS');
  });

  it('takes waived results out of the score, the caps and the blockers', () => {
    const results = [failing('tcp', 'a', 'critical'), result('tcp', 'b'), result('dns', 'h'), result('tls', 'a')];
    const s = scoreResults(results, metas, new Set(['tcp:a']));
    expect(s.score).toBe(100);
    expect(s.grade).toBe('A');
    expect(s.blockers).toEqual([]);
    expect(s.verdict).toBe('READY');
  });

  it('counts an error as 0 and marks the category incomplete, never inflating it', () => {
    const s = scoreResults(
      [result('tcp', 'a'), result('tcp', 'b', { status: 'error', score: null }), result('dns', 'h')],
      metas,
      new Set(),
    );
    const network = s.categories.find((c) => c.id === 'network')!;
    expect(network.status).toBe('incomplete');
    expect(network.score).toBeCloseTo((3 * 0.5 + 1) / 4);
    expect(s.complete).toBe(false);
    expect(s.verdict).not.toBe('READY');
  });

  it('does not score not-applicable and informative results', () => {
    const s = scoreResults(
      [result('tcp', 'a'), result('dns', '-', { status: 'skipped', score: null }), result('tls', 'x', { status: 'info', score: null })],
      metas,
      new Set(),
    );
    expect(s.categories.find((c) => c.id === 'security')?.status).toBe('not-applicable');
    expect(s.score).toBe(100);
  });

  it('gives no letter when every target is unreachable', () => {
    const down = (t: string, classification: string) => ({ ...failing('tcp', t, 'critical'), classification, facts: { classification } });
    const s = scoreResults(
      [
        down('a', 'refused'),
        down('b', 'filtered'),
        { ...failing('dns', 'h', 'critical'), classification: 'dns-failure', facts: { classification: 'dns-failure' } },
      ],
      metas,
      new Set(),
    );
    expect(s.grade).toBeNull();
    expect(s.gradeNote).toBe('unreachable');
    // One presentation for "nothing reachable": no letter, and no number either.
    expect(s.score).toBeNull();
    expect(s.verdict).toBe('NOT READY');
  });

  it('gives no letter when nothing could be measured', () => {
    const s = scoreResults([result('tcp', 'a', { status: 'error', score: null })], metas, new Set());
    expect(s.grade).toBeNull();
    expect(s.gradeNote).toBe('nothing-measured');
  });

  it('orders blockers by severity, then category weight; risks apart', () => {
    const s = scoreResults([failing('tls', 'x', 'high'), failing('dns', 'h', 'medium'), failing('tcp', 'a', 'critical')], metas, new Set());
    expect(s.blockers.map((b) => `${b.check}:${b.severity}`)).toEqual(['tcp:critical', 'tls:high']);
    expect(s.risks.map((b) => `${b.check}:${b.severity}`)).toEqual(['dns:medium']);
  });
});
