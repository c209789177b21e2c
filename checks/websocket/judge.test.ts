// The websocket check's verdicts on fact fixtures: no network, no root (the measuring is tested
// against real peers in test/integration/websocket.test.ts, proxy.test.ts and the hostile matrix).

import { describe, expect, it } from 'vitest';
import { CheckTester } from '../../test/helpers/check-tester.js';
import { pathFailureCases } from '../../test/helpers/path-failures.js';
import type { PathFailure } from '../../src/net/path-messages.js';
import websocket, { type WebSocketFacts } from './index.js';

const URL = 'wss://target.example.test/ws';
const base = { url: URL, pings: 3, path: 'direct', connectTimeoutMs: 3000 } as const;
const open = (pingRttMs: number[], extra: Partial<WebSocketFacts> = {}): WebSocketFacts => ({
  ...base,
  classification: 'ok',
  address: '192.0.2.10',
  protocol: '',
  extensions: '',
  pingRttMs,
  timings: { connectMs: 4, tlsMs: 9, upgradeMs: 20 },
  tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', alpn: 'http/1.1', authorized: true },
  ...extra,
});
const failed = (failure: PathFailure): WebSocketFacts => ({ ...base, classification: failure.classification, failure });
const site = {
  version: 1,
  site: { name: 'W' },
  platform: { endpoints: [{ name: 'target', url: URL, role: 'signalling', subprotocols: ['im.v1'] }] },
};

const tester = new CheckTester(websocket);
tester.run({
  valid: [
    {
      name: 'fast round trips',
      facts: open([10, 12, 30]),
      site,
      status: 'pass',
      score: 1,
      measurements: { rttMs: 12, rttMaxMs: 30, upgradeMs: 20 },
    },
    {
      name: 'the subprotocol asked for, agreed',
      facts: open([10, 11, 12], { subprotocols: ['im.v1'], protocol: 'im.v1' }),
      site,
      status: 'pass',
    },
    {
      name: 'one slow round trip: the median counts',
      facts: open([10, 400, 12]),
      site,
      status: 'pass',
      measurements: { rttMs: 12, rttMaxMs: 400 },
    },
    { name: 'a looser threshold from the site', facts: open([150, 160, 170]), site, thresholds: { rttMs: 200 }, status: 'pass' },
  ],
  invalid: [
    {
      name: 'slow round trips',
      facts: open([150, 160, 170]),
      site,
      status: 'warn',
      findings: ['websocket.slow'],
      score: [0.6, 0.89],
      measurements: { rttMs: 160 },
    },
    {
      name: 'just over the target: a warning, not a pass',
      facts: open([101, 101, 101]),
      site,
      status: 'warn',
      score: 0.89,
      findings: ['websocket.slow'],
    },
    {
      name: 'a stricter slowMs option',
      facts: open([60, 60, 60]),
      site,
      options: { slowMs: 50 },
      status: 'warn',
      findings: ['websocket.slow'],
    },
    {
      name: 'asked for a subprotocol, the server agreed to none',
      facts: { ...base, classification: 'ok', path: 'direct', subprotocols: ['im.v1'], protocol: '' },
      site,
      status: 'fail',
      score: 0,
      findings: ['websocket.no-subprotocol'],
    },
    { name: 'opened, but no round trip recorded', facts: open([]), site, status: 'error' },
    {
      name: 'the upgrade answered 403',
      facts: failed({ classification: 'http-error', phase: 'application', code: 'HTTP_403', message: 'upgrade refused with HTTP 403' }),
      site,
      status: 'fail',
      findings: ['websocket.http-error'],
    },
    {
      name: 'a frame glued to the 101 that breaks the protocol',
      facts: failed({
        classification: 'http-error',
        phase: 'application',
        code: 'WS_ERR_UNEXPECTED_RSV_1',
        message: 'RSV1 must be clear',
        protocol: 'websocket',
      }),
      site,
      status: 'fail',
      findings: ['websocket.protocol-error'],
    },
    ...pathFailureCases('websocket', failed).map((c) => ({ ...c, site })),
  ],
});

describe('websocket present', () => {
  it('shows the connection with the subprotocol, and the round trips against the target', () => {
    const verdict = tester.verify(
      { facts: open([10, 11, 12], { subprotocols: ['im.v1'], protocol: 'im.v1' }), site, status: 'pass' },
      true,
    );
    const [connection, pings] = verdict.blocks ?? [];
    expect(connection?.kind === 'key-value' && connection.items.find((i) => i.label.id === 'websocket.subprotocol')?.value).toBe('im.v1');
    expect(pings).toMatchObject({ kind: 'series', unit: 'ms', series: [{ values: [10, 11, 12] }], limits: [{ value: 100 }] });
  });
});
