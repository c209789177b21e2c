// The bufferbloat check's judge on fact fixtures: the median round trip under load against idle.

import { expect, it } from 'vitest';
import bufferbloat, { type BufferbloatFacts, type LoadRamp, type LoadStep } from './index.js';
import { CheckTester } from '../../test/helpers/check-tester.js';
import { probeSite as site, reflector, reflectorFailure } from '../../test/probe/judge-fixtures.js';

const rtt = (p50: number) => ({ min: p50 - 1, p50, p95: p50 + 4, p99: p50 + 6, max: p50 + 9, mean: p50 + 1 });
const step = (streams: number, p50: number | null, mbps = 90): LoadStep => ({
  streams,
  mbps,
  probeMs: 1075,
  sent: 54,
  replies: p50 === null ? 0 : 54,
  rttMs: p50 === null ? null : rtt(p50),
});
/** A ramp from 4 streams, one step per median round trip given, doubling the streams each step. */
const ramp = (p50s: Array<number | null>, stop: LoadRamp['stop'] = 'steady', mbps = 90): LoadRamp => ({
  steps: p50s.map((p50, i) => step(4 * 2 ** i, p50, mbps)),
  stop,
});
const run = { idleMs: 3000, stepMs: 2500, loadMs: 10000, streams: 4, maxStreams: 32 };

/** One step per direction: its median round trip (null: no reply came back). */
function facts(down: number | null, up: number | null): BufferbloatFacts {
  return { reflector, classification: 'ok', ...run, idle: rtt(20), loaded: { down: ramp([down]), up: ramp([up], 'steady', 18) } };
}
const ramps = (loaded: BufferbloatFacts['loaded']): BufferbloatFacts => ({
  reflector,
  classification: 'ok',
  ...run,
  idle: rtt(20),
  loaded,
});

const tester = new CheckTester(bufferbloat);

tester.run({
  valid: [
    {
      name: 'round trips barely grow under load',
      facts: facts(25, 32),
      site,
      status: 'pass',
      score: 1,
      measurements: { bufferbloat: 12, 'rtt-idle-p50': 20, 'rtt-loaded-up-p50': 32, 'load-up-streams': 4, 'load-up-mbps': 18 },
    },
    { name: 'a looser site threshold', facts: facts(170, 40), site, thresholds: { bufferbloatMs: 200 }, status: 'pass' },
    { name: 'only upstream tested', facts: ramps({ up: ramp([30]) }), site, status: 'pass' },
    {
      name: 'a ramp that stayed low at every step: judged on its worst step',
      facts: ramps({ down: ramp([27, 28], 'steady'), up: ramp([29, 24], 'steady') }),
      site,
      status: 'pass',
      measurements: { bufferbloat: 9, 'rtt-loaded-down-p50': 28, 'load-down-streams': 8, 'rtt-loaded-up-p50': 29, 'load-up-streams': 4 },
    },
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
      measurements: { 'rtt-loaded-down-p50': 1095, bufferbloat: 1075 },
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
      name: 'a few streams leave the buffer half empty; 32 fill it: the worst step is judged',
      facts: ramps({ down: ramp([68, 120, 330, 536], 'max-streams'), up: ramp([25, 27], 'steady') }),
      site,
      status: 'fail',
      score: 0.2,
      findings: ['bufferbloat.high'],
      measurements: { bufferbloat: 516, 'rtt-loaded-down-p50': 536, 'load-down-streams': 32, 'load-down-mbps': 90 },
    },
    {
      name: 'the worst step need not be the last one',
      facts: ramps({ down: ramp([201, 298, 512, 506], 'steady') }),
      site,
      status: 'fail',
      measurements: { bufferbloat: 492, 'load-down-streams': 16 },
    },
    {
      name: 'a ramp cut short by a step without replies',
      facts: ramps({ up: ramp([90, null], 'no-replies') }),
      site,
      status: 'fail',
      findings: ['bufferbloat.high'],
      measurements: { bufferbloat: 1075, 'load-up-streams': 8 },
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

it('the finding names the direction as a phrase, the load that showed it, and the severity follows the score', () => {
  const v = tester.verify({ facts: facts(30, 260), site, status: 'fail' }, false);
  expect(v.findings[0]).toMatchObject({
    severity: 'high',
    message: { params: { direction: { id: 'bufferbloat.dir.up' }, delta: 240, idle: 20, loaded: 260, streams: 4, mbps: 18 } },
  });
});

it('present: idle, then every step of each direction, the judged one marked, and why each ramp stopped', () => {
  const v = tester.verify({ facts: ramps({ down: ramp([null]), up: ramp([40, 130, 120], 'steady') }), site, status: 'fail' }, false);
  const table = v.blocks![0]!;
  expect(table.kind).toBe('table');
  const rows = table.kind === 'table' ? table.rows : [];
  expect(rows.map((r) => r.load)).toEqual([
    { id: 'bufferbloat.idle' },
    { id: 'bufferbloat.step', params: { direction: { id: 'bufferbloat.dir.down' }, streams: 4 } },
    ...[4, 8, 16].map((streams) => ({ id: 'bufferbloat.step', params: { direction: { id: 'bufferbloat.dir.up' }, streams } })),
  ]);
  expect(rows[1]).toMatchObject({ p50: { id: 'bufferbloat.no-replies' }, increase: { value: 1075, unit: 'ms' }, replies: '0 / 54' });
  expect(rows.map((r) => r.judged)).toEqual([null, { id: 'bufferbloat.judged' }, null, { id: 'bufferbloat.judged' }, null]);
  const why = v.blocks![1]!;
  expect(why.kind === 'key-value' ? why.items.map((i) => i.value) : []).toEqual([
    { id: 'bufferbloat.stop', params: { streams: 4, reason: { id: 'bufferbloat.stop.steady' } } },
    { id: 'bufferbloat.stop', params: { streams: 16, reason: { id: 'bufferbloat.stop.steady' } } },
  ]);
});
