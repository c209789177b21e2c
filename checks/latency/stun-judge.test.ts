// The latency check's judge and present on facts measured against a STUN server (a `stun`
// endpoint marked `mediaPath: true`) instead of a reflector: the same limits, round-trip figures
// only, and a note on what such a far end cannot tell.

import { expect, it } from 'vitest';
import latency, { type LatencyFacts } from './index.js';
import { CheckTester } from '../../test/helpers/check-tester.js';
import { parseSiteText } from '../../src/site/load.js';
import { stringify } from 'yaml';

const site = {
  version: 1,
  site: { name: 'stun far end' },
  platform: { endpoints: [{ name: 'relay', url: 'stun:relay.example.test:3478', mediaPath: true }] },
};

const farEnd = { kind: 'stun' as const, host: 'relay.example.test', port: 3478, address: '192.0.2.10' };
const rtt = (p50: number, p95 = p50 + 5) => ({ min: p50 - 2, p50, p95, p99: p95 + 1, max: p95 + 3, mean: p50 + 1 });
const noJunk = { oversize: 0, notStun: 0, badFingerprint: 0, otherMessages: 0, foreignTransactions: 0, errorResponses: 0 };

/** A clean audio stream of 750 Binding requests; `over` changes what the test is about. */
function stun(over: Partial<LatencyFacts> = {}): LatencyFacts {
  return {
    farEnd,
    classification: 'ok',
    transport: 'stun',
    profile: 'audio',
    stream: { profile: 'audio', pps: 50, size: 28, durationMs: 15000, drainMs: 1000 },
    sent: 750,
    replies: 750,
    blocked: false,
    rttMs: rtt(20),
    jitterUpMs: null,
    jitterDownMs: null,
    rttJitterMs: 1.5,
    lossPercent: 0,
    lossUpPercent: null,
    lossDownPercent: null,
    worstLoss15sPercent: 0,
    worstBurst200msPercent: 0,
    reorderPercent: 0,
    reorderUpPercent: null,
    duplicates: 0,
    burstRatio: 1,
    series: [
      [0, 19.5],
      [20, 20.1],
      [40, 21],
    ],
    junk: noJunk,
    ...over,
  };
}

const failed = (classification: 'dns-failure' | 'refused' | 'server-error', extra: Partial<LatencyFacts> = {}): LatencyFacts => ({
  farEnd: { kind: 'stun', host: farEnd.host, port: farEnd.port },
  profile: 'audio',
  classification,
  failure: { classification, phase: 'connect', message: `it went ${classification}` },
  ...extra,
});

const tester = new CheckTester(latency);

it('a stun endpoint marked mediaPath is a target per profile; one without the mark is not', () => {
  const parse = (s: object) => parseSiteText(stringify(s), '<test>', { env: {}, secrets: 'placeholder' }).site;
  const options = latency.inputs!.defaults;
  expect(latency.targets(parse(site), options).map((t) => t.id)).toEqual(['relay/audio', 'relay/video']);
  const unmarked = { ...site, platform: { endpoints: [{ name: 'relay', url: 'stun:relay.example.test:3478' }] } };
  expect(latency.targets(parse(unmarked), options)).toEqual([]);
  expect(parse(site).platform.endpoints[0]!.extra.mediaPath).toBe(true);
});

tester.run({
  valid: [
    {
      name: 'a clean stream to a STUN server passes, with no per-direction measurements',
      facts: stun(),
      site,
      status: 'pass',
      score: 1,
      measurements: { 'rtt-p95': 25, jitter: 1.5, loss: 0 },
    },
    { name: 'the video target', facts: stun({ profile: 'video' }), site, target: 'relay/video', status: 'pass' },
    {
      name: 'junk that came with valid answers does not change the verdict',
      facts: stun({ junk: { ...noJunk, notStun: 40 } }),
      site,
      status: 'pass',
    },
  ],
  invalid: [
    {
      name: 'round-trip jitter over the target',
      facts: stun({ rttJitterMs: 45 }),
      site,
      status: 'warn',
      findings: ['latency.jitter'],
      measurements: { jitter: 45 },
    },
    {
      name: 'loss in the worst 15 s, same limit as the reflector',
      facts: stun({ lossPercent: 3, worstLoss15sPercent: 3.2 }),
      site,
      status: 'fail',
      findings: ['latency.loss'],
    },
    { name: 'p95 over the target', facts: stun({ rttMs: rtt(90, 150) }), site, status: 'warn', findings: ['latency.rtt-p95'] },
    {
      name: 'UDP to the STUN server gets no answer',
      facts: stun({ classification: 'filtered', transport: 'none', blocked: true, replies: 0, rttMs: null, rttJitterMs: null, series: [] }),
      site,
      status: 'fail',
      score: 0,
      findings: ['latency.stun-udp-blocked'],
    },
    { name: 'ICMP port unreachable', facts: failed('refused'), site, status: 'error', score: null, findings: ['latency.stun-refused'] },
    {
      name: 'the name does not resolve',
      facts: {
        ...failed('dns-failure'),
        failure: { classification: 'dns-failure', message: 'nx', dns: { kind: 'nxdomain' } },
      },
      site,
      status: 'error',
      findings: ['latency.dns-failure'],
    },
    {
      name: 'only junk came back',
      facts: failed('server-error', {
        kind: 'protocol-error',
        failure: { classification: 'server-error', message: 'junk', protocol: 'stun' },
      }),
      site,
      status: 'error',
      findings: ['latency.protocol-error'],
    },
  ],
});

it('present: the STUN series, the table with round-trip jitter, and the note on what a STUN far end cannot split', () => {
  const v = tester.verify({ facts: stun(), site, status: 'pass' }, true);
  const [series, table, note] = v.blocks!;
  expect(series).toMatchObject({ kind: 'series', title: { id: 'latency.block.rtt-stun' }, limits: [{ value: 100 }] });
  const rows = table!.kind === 'table' ? table!.rows : [];
  const ids = rows.map((r) => (r.metric as { id: string }).id);
  expect(ids).toContain('latency.m.jitter-rtt');
  expect(ids.filter((id) => /-(up|down)$/.test(id))).toEqual([]);
  expect(table).toMatchObject({ title: { id: 'latency.block.targets', params: { transport: 'stun' } } });
  expect(note).toEqual({
    kind: 'table',
    title: { id: 'latency.block.stun-note' },
    columns: [{ key: 'note', label: { id: 'latency.col.note' } }],
    rows: [{ note: { id: 'latency.stun.limits' } }],
  });
  for (const lang of ['en', 'zh-CN'] as const) expect(latency.messages[lang]!['latency.stun.limits']).toBeTruthy();
  expect(latency.messages.en['latency.stun.limits']).toMatch(/round-trip.*upstream\/downstream.*DSCP/s);
});

it('the blocked finding names the server and its port', () => {
  const v = tester.verify(
    { facts: stun({ blocked: true, replies: 0, rttMs: null, classification: 'filtered', transport: 'none' }), site, status: 'fail' },
    false,
  );
  expect(v.findings[0]!.message.params).toEqual({ server: 'relay', host: 'relay.example.test', port: 3478 });
  expect(v.blocks!.map((b) => b.title)).not.toContainEqual({ id: 'latency.block.stun-note' });
});
