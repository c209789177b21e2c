// The bufferbloat check's judge on fact fixtures: the median round trip under load against idle.

import { expect, it } from 'vitest';
import bufferbloat, { type BufferbloatFacts, type LoadedRtt } from './index.js';
import { CheckTester } from '../../test/helpers/check-tester.js';
import { probeSite as site, reflector, reflectorFailure } from '../../test/probe/judge-fixtures.js';

const rtt = (p50: number) => ({ min: p50 - 1, p50, p95: p50 + 4, p99: p50 + 6, max: p50 + 9, mean: p50 + 1 });
const loaded = (p50: number | null, mbps = 90): LoadedRtt => ({
  mbps,
  probeMs: 8200,
  sent: 410,
  replies: p50 === null ? 0 : 410,
  rttMs: p50 === null ? null : rtt(p50),
});
const run = { idleMs: 5000, loadMs: 10000, streams: 4 };

function facts(down: number | null, up: number | null): BufferbloatFacts {
  return {
    reflector,
    classification: 'ok',
    ...run,
    idle: rtt(20),
    loaded: { ...(down !== undefined ? { down: loaded(down) } : {}), ...(up !== undefined ? { up: loaded(up, 18) } : {}) },
  };
}

const tester = new CheckTester(bufferbloat);

tester.run({
  valid: [
    {
      name: 'round trips barely grow under load',
      facts: facts(25, 32),
      site,
      status: 'pass',
      score: 1,
      measurements: { bufferbloat: 12, 'rtt-idle-p50': 20, 'rtt-loaded-up-p50': 32 },
    },
    { name: 'a looser site threshold', facts: facts(170, 40), site, thresholds: { bufferbloatMs: 200 }, status: 'pass' },
    { name: 'only upstream tested', facts: { ...facts(null, 30), loaded: { up: loaded(30) } }, site, status: 'pass' },
    { name: 'a queue that shrank under load is no bloat', facts: facts(15, 18), site, status: 'pass', measurements: { bufferbloat: 0 } },
    {
      name: 'UDP blocked: not applicable (latency reports it)',
      facts: { reflector, classification: 'filtered', ...run, idle: null, loaded: {} },
      site,
      status: 'skipped',
    },
  ],
  invalid: [
    {
      name: 'exactly 100 ms more is flagged (≥ 100 ms)',
      facts: facts(120, 30),
      site,
      status: 'warn',
      score: 0.6,
      findings: ['bufferbloat.high'],
    },
    { name: 'more than twice the limit upstream', facts: facts(30, 260), site, status: 'fail', score: 0.2, findings: ['bufferbloat.high'] },
    { name: 'both directions bloated', facts: facts(180, 260), site, status: 'fail', findings: ['bufferbloat.high', 'bufferbloat.high'] },
    {
      name: 'no reply at all while loaded: bloat at least as long as the probe',
      facts: facts(null, 30),
      site,
      status: 'fail',
      findings: ['bufferbloat.high'],
      measurements: { 'rtt-loaded-down-p50': 8220, bufferbloat: 8200 },
    },
    {
      name: 'the same facts against a stricter threshold',
      facts: facts(25, 32),
      site,
      thresholds: { bufferbloatMs: 10 },
      status: 'warn',
      findings: ['bufferbloat.high'],
    },
    {
      name: 'token refused',
      facts: { ...reflectorFailure('auth-refused', 'PROBE_UNAUTHORIZED'), ...run, idle: null, loaded: {} },
      site,
      status: 'error',
      findings: ['bufferbloat.probe-unauthorized'],
    },
  ],
});

it('the finding names the direction as a phrase, and the severity follows the score', () => {
  const v = tester.verify({ facts: facts(30, 260), site, status: 'fail' }, false);
  expect(v.findings[0]).toMatchObject({
    severity: 'high',
    message: { params: { direction: { id: 'bufferbloat.dir.up' }, delta: 240, idle: 20, loaded: 260 } },
  });
});

it('present: idle and each loaded direction side by side', () => {
  const v = tester.verify({ facts: facts(null, 30), site, status: 'fail' }, false);
  const table = v.blocks![0]!;
  expect(table.kind).toBe('table');
  const rows = table.kind === 'table' ? table.rows : [];
  expect(rows.map((r) => (r.load as { id: string }).id)).toEqual(['bufferbloat.idle', 'bufferbloat.dir.down', 'bufferbloat.dir.up']);
  expect(rows[1]).toMatchObject({ p50: { id: 'bufferbloat.no-replies' }, increase: { value: 8200, unit: 'ms' }, replies: '0 / 410' });
});
