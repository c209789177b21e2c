// The throughput check's judge on fact fixtures: goodput against the site's threshold or the
// declared link capacity, no reflector.

import { expect, it } from 'vitest';
import throughput, { type ThroughputFacts } from './index.js';
import type { Direction, ThroughputResult } from '../../src/probe/throughput.js';
import { CheckTester } from '../../test/helpers/check-tester.js';
import { probeSite as site, reflector, reflectorFailure } from '../../test/probe/judge-fixtures.js';

function result(direction: Direction, mbps: number, transport: 'tcp' | 'ws' = 'tcp'): ThroughputResult {
  return {
    direction,
    transport,
    streams: 4,
    mbps,
    bytes: Math.round((mbps * 1e6 * 9) / 8),
    measuredMs: 9000,
    omitMs: 1000,
    samples: [mbps * 0.9, mbps, mbps * 1.1],
    p10: mbps * 0.9,
    p50: mbps,
    p90: mbps * 1.1,
    countedBy: direction === 'down' ? 'client' : 'reflector',
  };
}

function facts(down: number, up: number, over: Partial<ThroughputFacts> = {}): ThroughputFacts {
  const transport = over.transport ?? 'tcp';
  return {
    reflector,
    classification: 'ok',
    transport,
    results: { down: result('down', down, transport), up: result('up', up, transport) },
    declaredMbps: { down: 100, up: 20 },
    ...over,
  };
}

const undeclared = { declaredMbps: { down: null, up: null } };
const ws = (down: number, up: number, tcp: { down?: number; up?: number }) => facts(down, up, { transport: 'ws', tcpMbps: tcp });
const wsTarget = { id: 'dc/ws', data: { suffix: 'ws' } };

const tester = new CheckTester(throughput);

tester.run({
  valid: [
    {
      name: 'at least 80 % of the declared link both ways',
      facts: facts(95, 18),
      site,
      status: 'pass',
      score: 1,
      measurements: { 'throughput-down': 95, 'throughput-up-p10': 16.2 },
    },
    { name: 'no threshold and no declared link: informative', facts: facts(5, 1, undeclared), site, status: 'info', score: null },
    { name: 'a site threshold over the declared capacity', facts: facts(60, 18), site, thresholds: { downMbps: 50 }, status: 'pass' },
    {
      name: 'one direction measured',
      facts: facts(90, 0, { results: { down: result('down', 90) } }),
      site,
      status: 'pass',
      measurements: { 'throughput-down': 90 },
    },
    { name: 'WebSocket as fast as TCP', facts: ws(90, 18, { down: 92, up: 19 }), site, target: wsTarget, status: 'pass' },
    {
      name: 'WebSocket slower than TCP but above what the site needs: no finding',
      facts: ws(85, 17, { down: 900, up: 100 }),
      site,
      target: wsTarget,
      status: 'pass',
    },
  ],
  invalid: [
    { name: 'download under 80 % of the link', facts: facts(60, 18), site, status: 'warn', score: 0.6, findings: ['throughput.low'] },
    { name: 'upload under half of what is expected', facts: facts(95, 5), site, status: 'fail', score: 0.2, findings: ['throughput.low'] },
    {
      name: 'the same facts against a site threshold',
      facts: facts(5, 1, undeclared),
      site,
      thresholds: { downMbps: 50, upMbps: 10 },
      status: 'fail',
      findings: ['throughput.low', 'throughput.low'],
    },
    {
      name: 'WebSocket well under TCP and under the link',
      facts: ws(30, 18, { down: 95 }),
      site,
      target: wsTarget,
      status: 'fail',
      findings: ['throughput.low', 'throughput.ws-slower'],
    },
    {
      name: 'reflector refused',
      facts: { ...reflectorFailure('refused', 'ECONNREFUSED'), transport: 'tcp', results: {}, declaredMbps: { down: null, up: null } },
      site,
      status: 'error',
      findings: ['throughput.probe-unreachable'],
    },
    {
      name: 'a download that carried nothing',
      facts: {
        ...reflectorFailure('http-error', 'PROBE_NO_DATA', true),
        transport: 'tcp',
        results: {},
        declaredMbps: { down: 100, up: 20 },
      },
      site,
      status: 'error',
      findings: ['throughput.probe-protocol-error'],
    },
  ],
});

it('the finding says which basis the expected rate has, as a phrase', () => {
  const declared = tester.verify({ facts: facts(60, 18), site, status: 'warn' }, false);
  expect(declared.findings[0]!.message.params).toMatchObject({
    direction: { id: 'dir.down' },
    expected: 80,
    basis: { id: 'basis.declared' },
  });
  const explicit = tester.verify({ facts: facts(60, 18), site, thresholds: { downMbps: 70 }, status: 'warn' }, false);
  expect(explicit.findings[0]!.message.params).toMatchObject({ expected: 70, basis: { id: 'basis.threshold' } });
});

it('present: per direction, measured against the declared capacity and the expected rate; the samples as a series', () => {
  const v = tester.verify({ facts: facts(95, 18), site, status: 'pass' }, true);
  expect(v.blocks!.map((b) => b.kind)).toEqual(['bars', 'bars', 'series']);
  expect(v.blocks![0]).toMatchObject({
    title: { id: 'throughput.block.down', params: { transport: 'tcp' } },
    unit: 'Mbit/s',
    bars: [
      { value: 95, role: 'measured' },
      { value: 85.5, role: 'measured' },
      { value: 100, role: 'capacity' },
      { value: 80, role: 'limit' },
    ],
  });
  const info = tester.verify({ facts: facts(5, 1, undeclared), site, status: 'info' }, true);
  expect(info.blocks![0]!.kind === 'bars' && info.blocks![0]!.bars.map((b) => b.role)).toEqual(['measured', 'measured']);
});
