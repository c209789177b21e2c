// The latency check's judge on fact fixtures: no reflector, no network.

import { expect, it } from 'vitest';
import latency, { type LatencyFacts } from './index.js';
import type { Classification } from '../../src/plugin-api.js';
import { CheckTester } from '../../test/helpers/check-tester.js';
import { probeSite as site, reflector, reflectorFailure } from '../../test/probe/judge-fixtures.js';

const rtt = (p50: number, p95 = p50 + 5) => ({ min: p50 - 2, p50, p95, p99: p95 + 1, max: p95 + 3, mean: p50 + 1 });

/** A clean audio stream of 750 probes; `over` changes what the test is about. */
function udp(over: Partial<LatencyFacts> = {}): LatencyFacts {
  return {
    reflector,
    classification: 'ok',
    transport: 'udp',
    profile: 'audio',
    stream: { profile: 'audio', pps: 50, size: 172, durationMs: 15000, drainMs: 1000 },
    sent: 750,
    replies: 750,
    blocked: false,
    rttMs: rtt(20),
    jitterUpMs: 1.2,
    jitterDownMs: 0.8,
    lossPercent: 0,
    lossUpPercent: 0,
    lossDownPercent: 0,
    worstLoss15sPercent: 0,
    worstBurst200msPercent: 0,
    reorderPercent: 0,
    reorderUpPercent: 0,
    duplicates: 0,
    burstRatio: 1,
    series: [
      [0, 19.5],
      [20, 20.1],
      [40, 21],
    ],
    ...over,
  };
}

const blocked = (tcp?: LatencyFacts['tcp']): LatencyFacts => ({
  reflector: { ...reflector, udpPort: 7001 },
  classification: 'filtered',
  transport: tcp?.rttMs ? 'tcp-fallback' : 'none',
  profile: 'audio',
  sent: 100,
  replies: 0,
  blocked: true,
  rttMs: null,
  jitterUpMs: null,
  jitterDownMs: null,
  lossPercent: 100,
  lossUpPercent: null,
  lossDownPercent: null,
  worstLoss15sPercent: 100,
  worstBurst200msPercent: 100,
  reorderPercent: 0,
  reorderUpPercent: null,
  duplicates: 0,
  burstRatio: 1,
  series: [],
  ...(tcp ? { tcp } : {}),
});

const failed = (code: string, classification: Classification = 'refused', protocol = false): LatencyFacts => ({
  ...reflectorFailure(classification, code, protocol),
  profile: 'audio',
});

const tester = new CheckTester(latency);

tester.run({
  valid: [
    {
      name: 'a clean stream passes',
      facts: udp(),
      site,
      status: 'pass',
      score: 1,
      measurements: { 'rtt-p95': 25, jitter: 1.2, 'loss-up': 0 },
    },
    { name: "one reordered packet of 750 is under the stream's resolution", facts: udp({ reorderPercent: 0.13 }), site, status: 'pass' },
    { name: 'a looser site threshold', facts: udp({ rttMs: rtt(140, 150) }), site, thresholds: { rttMs: 200 }, status: 'pass' },
    { name: 'the video target', facts: udp({ profile: 'video' }), site, target: 'dc/video', status: 'pass' },
  ],
  invalid: [
    {
      name: 'a value equal to a limit is flagged: the targets are strict "<"',
      facts: udp({ rttMs: rtt(90, 100) }),
      site,
      status: 'warn',
      findings: ['latency.rtt-p95'],
    },
    { name: 'p95 over the target', facts: udp({ rttMs: rtt(90, 150) }), site, status: 'warn', score: 0.6, findings: ['latency.rtt-p95'] },
    {
      name: 'p95 over twice the target',
      facts: udp({ rttMs: rtt(150, 250) }),
      site,
      status: 'fail',
      score: 0.2,
      findings: ['latency.rtt-p95'],
    },
    {
      name: 'the same facts against a stricter threshold',
      facts: udp(),
      site,
      thresholds: { rttMs: 10 },
      status: 'fail',
      findings: ['latency.rtt-p95'],
    },
    {
      name: 'jitter, the worse direction',
      facts: udp({ jitterUpMs: 2, jitterDownMs: 45 }),
      site,
      status: 'warn',
      findings: ['latency.jitter'],
      measurements: { jitter: 45, 'jitter-down': 45 },
    },
    {
      name: 'loss in the worst 15 s',
      facts: udp({ lossPercent: 1.5, worstLoss15sPercent: 1.5, lossUpPercent: 1.5, lossDownPercent: 0 }),
      site,
      status: 'warn',
      findings: ['latency.loss'],
    },
    {
      name: 'a burst in 200 ms',
      facts: udp({ lossPercent: 0.4, worstLoss15sPercent: 0.4, worstBurst200msPercent: 30 }),
      site,
      status: 'fail',
      findings: ['latency.burst-loss'],
    },
    {
      name: 'reordering beyond the resolution',
      facts: udp({ reorderUpPercent: 0.3 }),
      site,
      status: 'fail',
      findings: ['latency.reorder'],
    },
    {
      name: 'several at once: the worst counts',
      facts: udp({ rttMs: rtt(90, 150), jitterDownMs: 80 }),
      site,
      status: 'fail',
      score: 0.2,
      findings: ['latency.rtt-p95', 'latency.jitter'],
    },
    {
      name: 'no reflector tally: jitter up and loss per direction unknown',
      facts: udp({ jitterUpMs: null, lossUpPercent: null, lossDownPercent: null, reorderUpPercent: null, jitterDownMs: 35 }),
      site,
      status: 'warn',
      findings: ['latency.jitter'],
    },
    {
      name: 'UDP blocked, TCP echo measured',
      facts: blocked({ samples: 10, rttMs: rtt(30) }),
      site,
      status: 'fail',
      score: 0,
      findings: ['latency.udp-blocked'],
      measurements: { 'rtt-p50': 30 },
    },
    { name: 'UDP blocked, nothing else either', facts: blocked(), site, status: 'fail', findings: ['latency.udp-blocked'] },
    {
      name: 'reflector refused',
      facts: failed('ECONNREFUSED'),
      site,
      status: 'error',
      score: null,
      findings: ['latency.probe-unreachable'],
    },
    {
      name: 'reflector does not resolve',
      facts: {
        reflector,
        classification: 'dns-failure',
        profile: 'audio',
        failure: { classification: 'dns-failure', message: 'nx', dns: { kind: 'nxdomain' } },
      },
      site,
      status: 'error',
      findings: ['latency.probe-unreachable'],
    },
    {
      name: 'token refused',
      facts: failed('PROBE_UNAUTHORIZED', 'auth-refused'),
      site,
      status: 'error',
      findings: ['latency.probe-unauthorized'],
    },
    {
      name: 'reflector broke the protocol',
      facts: failed('PROBE_BAD_ANSWER', 'server-error', true),
      site,
      status: 'error',
      findings: ['latency.probe-protocol-error'],
    },
    {
      name: 'an answer that is not HTTP',
      facts: failed('HPE_INVALID_CONSTANT', 'server-error', true),
      site,
      status: 'error',
      findings: ['latency.probe-protocol-error'],
    },
  ],
});

it('present: the RTT series against the Teams target, and a table of every metric with its target', () => {
  const v = tester.verify({ facts: udp(), site, status: 'pass' }, true);
  const [series, table] = v.blocks!;
  expect(series).toMatchObject({ kind: 'series', unit: 'ms', series: [{ values: [19.5, 20.1, 21] }], limits: [{ value: 100 }] });
  expect(table).toMatchObject({ kind: 'table' });
  const rows = table!.kind === 'table' ? table!.rows : [];
  expect(rows.find((r) => (r.metric as { id: string }).id === 'latency.m.jitter-down')).toEqual({
    metric: { id: 'latency.m.jitter-down' },
    value: { value: 0.8, unit: 'ms' },
    target: { value: 30, unit: 'ms' },
  });
  expect(rows.find((r) => (r.metric as { id: string }).id === 'latency.m.duplicates')).toMatchObject({ value: 0, target: null });
});

it('present: a site threshold moves the limit line; UDP blocked has no series', () => {
  const v = tester.verify({ facts: udp(), site, thresholds: { rttMs: 50 }, status: 'pass' }, true);
  expect(v.blocks![0]).toMatchObject({ kind: 'series', limits: [{ value: 50 }] });
  const b = tester.verify({ facts: blocked({ samples: 10, rttMs: rtt(30) }), site, status: 'fail' }, false);
  expect(b.blocks!.map((x) => x.kind)).toEqual(['table']);
});

it('the UDP-blocked finding names the UDP port the probes went to', () => {
  const v = tester.verify({ facts: blocked(), site, status: 'fail' }, false);
  expect(v.findings[0]!.message.params).toEqual({ probe: 'dc', port: 7001 });
});
