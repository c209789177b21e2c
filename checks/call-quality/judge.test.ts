// The call-quality check's judge on fact fixtures: the E-model on the numbers copied from the
// shared latency stream, no reflector.

import { expect, it } from 'vitest';
import callQuality, { type CallQualityFacts, type CallQualityPath } from './index.js';
import { CheckTester } from '../../test/helpers/check-tester.js';
import { probeSite as site, reflector, reflectorFailure } from '../../test/probe/judge-fixtures.js';

const clean: CallQualityPath = {
  sent: 750,
  replies: 750,
  rttP50Ms: 40,
  jitterUpMs: 2,
  jitterDownMs: 1,
  lossPercent: 0,
  lossUpPercent: 0,
  lossDownPercent: 0,
  burstRatio: 1,
};

function facts(path: Partial<CallQualityPath> | null, codec = 'G.711'): CallQualityFacts {
  return {
    reflector,
    classification: path ? 'ok' : 'filtered',
    codec,
    profile: 'audio',
    stream: { profile: 'audio', pps: 50, size: 172, durationMs: 15000, drainMs: 1000 },
    path: path ? { ...clean, ...path } : null,
  };
}

const tester = new CheckTester(callQuality);

tester.run({
  valid: [
    // Ta = 20 + 4 + 20 + 0 = 44 ms, Id ≈ 1.31, Ie,eff = 95 · 1 / (1 + 25.1) ≈ 3.64 (README example).
    {
      name: 'the README example: G.711 at 1 % loss is excellent',
      facts: facts({ lossPercent: 1, lossUpPercent: 1, lossDownPercent: 0, jitterUpMs: 2, jitterDownMs: 2 }),
      site,
      status: 'pass',
      score: 1,
      measurements: { mos: 4.29, 'r-factor': 88.3 },
    },
    { name: 'Opus on a clean path', facts: facts({}, 'Opus'), site, target: 'dc/Opus', status: 'pass', score: 1 },
    {
      name: 'G.729A cannot do better than good: still a pass',
      facts: facts({}, 'G.729A'),
      site,
      target: { id: 'dc/G.729A', data: { suffix: 'G.729A' } },
      status: 'pass',
      score: 0.9,
    },
    { name: 'UDP blocked: nothing to rate (the latency check reports it)', facts: facts(null), site, status: 'skipped', score: null },
  ],
  invalid: [
    {
      name: 'fair: loss drives it',
      facts: facts({ lossPercent: 8, lossUpPercent: null, lossDownPercent: null }),
      site,
      status: 'warn',
      score: 0.5,
      findings: ['call-quality.low'],
    },
    {
      name: 'degraded: delay drives it',
      facts: facts({ rttP50Ms: 900 }),
      site,
      status: 'fail',
      score: 0.2,
      findings: ['call-quality.low'],
    },
    {
      name: 'one-way loss: the worse direction counts, not the round trip',
      facts: facts({ lossPercent: 1, lossUpPercent: 0, lossDownPercent: 15 }),
      site,
      status: 'fail',
      findings: ['call-quality.low'],
    },
    {
      name: 'random loss of 10 % is fair',
      facts: facts({ lossPercent: 10, lossUpPercent: null, lossDownPercent: null, burstRatio: 1 }),
      site,
      status: 'warn',
      findings: ['call-quality.low'],
    },
    {
      name: 'the same loss in bursts is degraded',
      facts: facts({ lossPercent: 10, lossUpPercent: null, lossDownPercent: null, burstRatio: 4 }),
      site,
      status: 'fail',
      findings: ['call-quality.low'],
    },
    {
      name: 'reflector refused',
      facts: { ...reflectorFailure('refused', 'ECONNREFUSED'), codec: 'G.711', profile: 'audio' },
      site,
      status: 'error',
      findings: ['call-quality.probe-unreachable'],
    },
    { name: 'a codec this version does not know', facts: facts({}, 'G.722'), site, status: 'error' },
  ],
});

it('the finding names what hurts most, as a phrase with its own numbers', () => {
  const loss = tester.verify({ facts: facts({ lossPercent: 8, lossUpPercent: null, lossDownPercent: null }), site, status: 'warn' }, false);
  expect(loss.findings[0]!.remediation!.params).toEqual({ driver: { id: 'driver.loss', params: { loss: 8 } } });
  expect(loss.findings[0]!.message.params!.band).toEqual({ id: 'band.fair' });
  const delay = tester.verify({ facts: facts({ rttP50Ms: 900 }), site, status: 'fail' }, false);
  expect(delay.findings[0]!.remediation!.params!.driver).toMatchObject({ id: 'driver.delay' });
});

it('present: the E-model inputs and outputs, Opus marked as an assumption', () => {
  const v = tester.verify({ facts: facts({}, 'Opus'), site, target: 'dc/Opus', status: 'pass' }, true);
  expect(v.blocks).toHaveLength(1);
  const kv = v.blocks![0]!;
  expect(kv.kind).toBe('key-value');
  const items = kv.kind === 'key-value' ? kv.items : [];
  expect(items.find((i) => i.label.id === 'cq.codec.assumption')!.value).toEqual({ id: 'cq.assumed' });
  expect(items.find((i) => i.label.id === 'cq.one-way-delay')!.value).toEqual({ value: 20, unit: 'ms' });
  expect(tester.verify({ facts: facts(null), site, status: 'skipped' }, true).blocks).toBeUndefined();
});
