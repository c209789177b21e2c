// The tcp check's verdicts on fact fixtures: no network, no root (the measuring is tested against
// real peers in test/integration/tcp-paths.test.ts).

import { CheckTester } from '../../test/helpers/check-tester.js';
import tcp, { type TcpFacts } from './index.js';

const base = { host: 'target.example.test', port: 443, path: 'direct', connectTimeoutMs: 3000 } as const;
const open = (connectMs: number, extra: Partial<TcpFacts> = {}): TcpFacts => ({
  ...base,
  classification: 'ok',
  direct: { classification: 'ok', connectMs, attempts: [{ address: '192.0.2.10', classification: 'ok', connectMs }] },
  ...extra,
});
const failed = (classification: 'refused' | 'filtered' | 'unreachable', code: string): TcpFacts => ({
  ...base,
  classification,
  direct: {
    classification,
    failure: { classification, phase: 'connect', code, message: code },
    attempts: [{ address: '192.0.2.10', classification, code }],
  },
});
const blockedSite = {
  version: 1,
  site: { name: 'B' },
  platform: { endpoints: [{ name: 'target', host: 'target.example.test', port: 443, protocol: 'tcp', expect: 'blocked' }] },
};

new CheckTester(tcp).run({
  valid: [
    { name: 'open and fast', facts: open(12), status: 'pass', score: 1, measurements: { connectMs: 12 } },
    {
      name: 'slow once, fast on the retries: the best of three counts',
      facts: open(180, { retriesMs: [20, 25] }),
      status: 'pass',
      measurements: { connectMs: 20 },
    },
    { name: 'a blocked endpoint that refuses', facts: failed('refused', 'ECONNREFUSED'), site: blockedSite, status: 'pass', score: 1 },
    { name: 'a stricter threshold from the site is still met', facts: open(12), thresholds: { connectMs: 20 }, status: 'pass' },
  ],
  invalid: [
    { name: 'refused', facts: failed('refused', 'ECONNREFUSED'), status: 'fail', score: 0, findings: ['tcp.refused'] },
    { name: 'filtered', facts: failed('filtered', 'CONNECT_TIMEOUT'), status: 'fail', findings: ['tcp.filtered'] },
    { name: 'unreachable', facts: failed('unreachable', 'EHOSTUNREACH'), status: 'fail', findings: ['tcp.unreachable'] },
    {
      name: 'does not resolve',
      facts: {
        ...base,
        classification: 'dns-failure',
        direct: { classification: 'dns-failure', failure: { classification: 'dns-failure', message: 'nx', dns: { kind: 'nxdomain' } } },
      },
      status: 'fail',
      findings: ['tcp.dns-failure'],
    },
    {
      name: 'accepts, then resets at once',
      facts: {
        ...base,
        classification: 'refused',
        direct: {
          classification: 'refused',
          failure: { classification: 'refused', phase: 'application', code: 'RESET_AFTER_ACCEPT', message: 'reset' },
        },
      },
      status: 'fail',
      findings: ['tcp.reset-after-accept'],
    },
    {
      name: 'slow on every try',
      facts: open(250, { retriesMs: [240, 260] }),
      status: 'warn',
      findings: ['tcp.slow'],
      measurements: { connectMs: 240 },
    },
    {
      name: 'the same facts judged against a stricter threshold',
      facts: open(60),
      thresholds: { connectMs: 40 },
      status: 'warn',
      findings: ['tcp.slow'],
    },
    {
      name: 'one address of two refuses',
      facts: open(10, {
        direct: {
          classification: 'ok',
          connectMs: 10,
          attempts: [
            { address: '192.0.2.10', classification: 'ok', connectMs: 10 },
            { address: '192.0.2.11', classification: 'refused', code: 'ECONNREFUSED' },
          ],
        },
      }),
      status: 'warn',
      score: 0.7,
      findings: ['tcp.partial'],
    },
    { name: 'a blocked endpoint that is open', facts: open(5), site: blockedSite, status: 'fail', findings: ['tcp.unexpectedly-open'] },
    {
      name: 'the proxy that the route needs does not resolve',
      facts: {
        ...base,
        classification: 'dns-failure',
        path: 'proxy',
        routeFailure: {
          classification: 'dns-failure',
          phase: 'proxy',
          message: 'proxy.corp does not resolve',
          detail: { hop: 'proxy', proxy: 'proxy.corp:3128' },
        },
      },
      status: 'fail',
      findings: ['tcp.proxy-unreachable'],
    },
  ],
});
