import { describe, expect, it } from 'vitest';
import { coveredTargets } from '../../src/report/covers.js';
import { coversText } from '../../src/report/render/covers-text.js';

const r = (check: string, target: string, facts: Record<string, unknown>) => ({ check, target, facts });

describe('coveredTargets', () => {
  it('lists, on the result that did the work, the targets that reused it — per check and server', () => {
    const results = [
      r('tls', 'a', { auditKey: 'direct 10.0.0.1:443' }),
      r('tls', 'b', { auditKey: 'direct 10.0.0.1:443', sameServerAs: 'a' }),
      r('tls', 'c', { auditKey: 'direct 10.0.0.2:443' }),
      r('tls', 'd', { auditKey: 'direct 10.0.0.1:443', sameServerAs: 'a' }),
      r('interception', 'b', { auditKey: 'direct 10.0.0.1:443' }),
      r('interception', 'a', { auditKey: 'direct 10.0.0.1:443', sameServerAs: 'b' }),
      r('http', 'a', {}),
    ];
    const covers = coveredTargets(results);
    expect([...covers.entries()]).toEqual([
      [0, ['b', 'd']],
      [4, ['a']],
    ]);
  });

  it('a result without a shared key covers nothing', () => {
    expect(coveredTargets([r('tls', 'a', { sameServerAs: 'b' }), r('tls', 'b', {})]).size).toBe(0);
  });
});

describe('coversText', () => {
  const t = (id: string, p?: Record<string, string | number>) => `${id}${JSON.stringify(p ?? {})}`;
  it('names up to eight targets and counts the rest', () => {
    expect(coversText(t, ['a', 'b'])).toBe('report.covers{"count":2,"targets":"a, b"}');
    const many = Array.from({ length: 11 }, (_, i) => `t${i}`);
    expect(coversText(t, many)).toBe(
      'report.covers{"count":11,"targets":"report.coversMore{\\"targets\\":\\"t0, t1, t2, t3, t4, t5, t6, t7\\",\\"more\\":3}"}',
    );
  });
});
