// The CheckTester itself: a fixture that does not match the facts schema, a verdict other than the
// one expected, an unknown message id, a missing placeholder or an impure judge must each fail.

import { describe, expect, it } from 'vitest';
import { defineCheck, type Judgement } from '../../src/plugin-api.js';
import { CheckTester } from '../../src/testing/check-tester.js';

interface Facts {
  ms: number;
}

function check(
  judge: (f: Facts) => Judgement,
  messages = { en: { 'x.slow': '{endpoint} took {ms} ms' }, 'zh-CN': { 'x.slow': '{endpoint} 用时 {ms} 毫秒' } },
) {
  return defineCheck<Record<string, unknown>, Facts>({
    meta: {
      id: 'acme/x',
      title: 'X',
      failureTitle: 'X fails',
      description: 'x',
      category: 'network',
      severity: 'low',
      weight: 1,
      references: [],
    },
    facts: { version: 1, schema: { type: 'object', required: ['ms'], properties: { ms: { type: 'number' } } } },
    messages,
    targets: (site) => site.platform.endpoints.map((e) => ({ id: e.name, endpoint: e })),
    measure: async () => ({ ms: 1 }),
    judge,
  });
}

const slow = (f: Facts): Judgement =>
  f.ms > 100
    ? { score: 0.2, findings: [{ id: 'x.slow', severity: 'low', message: { id: 'x.slow', params: { endpoint: 'target', ms: f.ms } } }] }
    : { score: 1 };

describe('CheckTester', () => {
  it('passes a judge that says what the cases expect', () => {
    const t = new CheckTester(check(slow));
    expect(t.verify({ facts: { ms: 5 }, status: 'pass', score: 1 }, true).status).toBe('pass');
    expect(t.verify({ facts: { ms: 500 }, status: 'fail', findings: ['x.slow'] }, false).findings).toHaveLength(1);
  });

  it('fails a fixture that does not match the facts schema', () => {
    expect(() => new CheckTester(check(slow)).verify({ facts: { ms: 'fast' } as never, status: 'pass' }, true)).toThrow(/facts schema/);
  });

  it('fails a verdict other than the one expected', () => {
    const t = new CheckTester(check(slow));
    expect(() => t.verify({ facts: { ms: 500 }, status: 'warn' }, false)).toThrow(/status fail, expected warn/);
    expect(() => t.verify({ facts: { ms: 500 }, status: 'fail', findings: ['x.other'] }, false)).toThrow(/findings/);
    expect(() => t.verify({ facts: { ms: 500 }, status: 'fail', score: 0.5 }, false)).toThrow(/score/);
    expect(() => t.verify({ facts: { ms: 5 }, status: 'fail' }, true)).toThrow(/valid case expects/);
  });

  it('fails a message id that a catalog lacks, and a placeholder without its parameter', () => {
    const missingZh = check(slow, { en: { 'x.slow': '{endpoint} took {ms} ms' }, 'zh-CN': {} } as never);
    expect(() => new CheckTester(missingZh).verify({ facts: { ms: 500 }, status: 'fail' }, false)).toThrow(
      /"x.slow" is not in the check's zh-CN catalog/,
    );
    const noParam = check((f) =>
      f.ms > 100
        ? { score: 0, findings: [{ id: 'x.slow', severity: 'low', message: { id: 'x.slow', params: { endpoint: 'e' } } }] }
        : { score: 1 },
    );
    expect(() => new CheckTester(noParam).verify({ facts: { ms: 500 }, status: 'fail' }, false)).toThrow(/names \{ms\}/);
  });

  it('fails a judge that is not pure', () => {
    let calls = 0;
    const impure = check(() => ({ score: ++calls % 2 ? 1 : 0.95 }));
    expect(() => new CheckTester(impure).verify({ facts: { ms: 1 }, status: 'pass' }, true)).toThrow(/not pure/);
  });

  it('a judge that throws is reported, not taken for a verdict', () => {
    const broken = check(() => {
      throw new Error('oops');
    });
    expect(() => new CheckTester(broken).verify({ facts: { ms: 1 }, status: 'pass' }, true)).toThrow(/judge failed: oops/);
  });
});
