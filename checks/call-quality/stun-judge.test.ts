// The call-quality check on a stream measured against a STUN server (a `stun` endpoint marked
// `mediaPath: true`): the E-model fed with the round trip's loss and the round-trip jitter.

import { expect, it } from 'vitest';
import callQuality, { type CallQualityFacts, type CallQualityPath } from './index.js';
import { CheckTester } from '../../test/helpers/check-tester.js';
import { parseSiteText } from '../../src/site/load.js';
import { stringify } from 'yaml';

const site = {
  version: 1,
  site: { name: 'stun far end' },
  platform: { endpoints: [{ name: 'relay', url: 'stun:relay.example.test:3478', mediaPath: true }] },
};

const farEnd = { kind: 'stun' as const, host: 'relay.example.test', port: 3478, address: '192.0.2.10' };

const clean: CallQualityPath = {
  sent: 750,
  replies: 750,
  rttP50Ms: 40,
  jitterUpMs: null,
  jitterDownMs: null,
  rttJitterMs: 2,
  lossPercent: 0,
  lossUpPercent: null,
  lossDownPercent: null,
  burstRatio: 1,
};

function facts(path: Partial<CallQualityPath> | null, codec = 'G.711'): CallQualityFacts {
  return {
    farEnd,
    classification: path ? 'ok' : 'filtered',
    codec,
    profile: 'audio',
    stream: { profile: 'audio', pps: 50, size: 28, durationMs: 15000, drainMs: 1000 },
    path: path ? { ...clean, ...path } : null,
  };
}

const tester = new CheckTester(callQuality);

it('a stun endpoint marked mediaPath is a target per codec', () => {
  const parsed = parseSiteText(stringify(site), '<test>', { env: {}, secrets: 'placeholder' }).site;
  expect(callQuality.targets(parsed, callQuality.inputs!.defaults).map((t) => t.id)).toEqual(['relay/G.711', 'relay/Opus']);
});

tester.run({
  valid: [
    { name: 'G.711 on a clean path through a STUN far end', facts: facts({}), site, target: 'relay/G.711', status: 'pass', score: 1 },
    { name: 'UDP to the STUN server blocked: nothing to rate', facts: facts(null), site, status: 'skipped', score: null },
  ],
  invalid: [
    {
      name: 'round-trip loss drives it',
      facts: facts({ lossPercent: 8 }),
      site,
      status: 'warn',
      findings: ['call-quality.low'],
    },
    {
      name: 'the STUN server could not be used',
      facts: {
        farEnd: { kind: 'stun', host: farEnd.host, port: farEnd.port },
        classification: 'dns-failure',
        codec: 'G.711',
        profile: 'audio',
        failure: { classification: 'dns-failure', message: 'nx', dns: { kind: 'nxdomain' } },
      },
      site,
      status: 'error',
      score: null,
    },
  ],
});

it('the round-trip jitter feeds the jitter buffer, labelled as such', () => {
  const calm = tester.verify({ facts: facts({ rttJitterMs: 1 }), site, status: 'pass' }, true);
  const jumpy = tester.verify({ facts: facts({ rttJitterMs: 60 }), site, status: 'pass' }, true);
  const delay = (v: typeof calm) => v.measurements.find((m) => m.id === 'effective-delay')!.value as number;
  // Ta grows by 2 × the jitter (the buffer).
  expect(delay(jumpy) - delay(calm)).toBeCloseTo(118, 0);
  const block = calm.blocks![0]!;
  expect(block.kind === 'key-value' && block.items.map((i) => (i.label as { id: string }).id)).toContain('cq.jitter-rtt');
});
