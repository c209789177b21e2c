// The turn check's verdicts on fact fixtures: no network, no root (the measuring is tested against
// a real coturn in test/integration/stun-turn.test.ts, and hostile servers in test/hostile).

import { expect, it } from 'vitest';
import { CheckTester } from '../../test/helpers/check-tester.js';
import turn, { type TurnFacts, type TurnTransportFacts } from './index.js';

const siteWith = (extra: Record<string, unknown> = {}) => ({
  version: 1,
  site: { name: 'T' },
  platform: { endpoints: [{ name: 'relay', host: 'turn.example.test', port: 3478, protocol: 'turn', ...extra }] },
});
const site = siteWith();
const tlsSite = siteWith({ transports: ['udp', 'tls'] });

const base = {
  path: 'direct',
  host: 'turn.example.test',
  port: 3478,
  address: '192.0.2.10',
  username: 'alice',
  transactionTimeoutMs: 3000,
  relayTimeoutMs: 3000,
} as const;
const done = (transport: 'udp' | 'tcp' | 'tls', relayRttMs: number, extra: Partial<TurnTransportFacts> = {}): TurnTransportFacts => ({
  transport,
  classification: 'ok',
  stage: 'done',
  allocateMs: 4,
  relayed: '192.0.2.10:50000',
  mapped: '198.51.100.7:40000',
  lifetime: 600,
  realm: 'example.test',
  permissionMs: 3,
  relayRttMs,
  peer: '198.51.100.7:40001',
  peerAddressFrom: 'binding',
  deallocated: true,
  ...extra,
});
const failed = (
  transport: 'udp' | 'tcp' | 'tls',
  classification: TurnTransportFacts['classification'],
  code: string,
  extra: Partial<TurnTransportFacts> = {},
): TurnTransportFacts => ({
  transport,
  classification,
  stage: 'allocate',
  phase: 'application',
  code,
  error: `${transport} ${code}`,
  ...extra,
});
const refused = (transport: 'udp' | 'tcp') =>
  failed(transport, 'auth-refused', 'AUTH_REFUSED', { stun: { code: 401, name: 'Unauthorized', reason: '' }, realm: 'example.test' });
const facts = (transports: TurnTransportFacts[], extra: Partial<TurnFacts> = {}): TurnFacts => {
  const best = transports.find((t) => t.classification === 'ok') ?? transports[0]!;
  return { ...base, classification: best.classification, transports, ...extra };
};
const unsigned = (transport: 'udp' | 'tcp', problem: 'absent' | 'invalid') =>
  failed(transport, 'server-error', problem === 'absent' ? 'INTEGRITY_MISSING' : 'INTEGRITY_MISMATCH', {
    kind: 'protocol-error',
    integrity: { problem, stage: 'allocate', discarded: 3 },
  });

const tester = new CheckTester(turn);
tester.run({
  valid: [
    {
      name: 'allocates and relays over UDP and TCP',
      facts: facts([done('udp', 20), done('tcp', 25)]),
      site,
      status: 'pass',
      score: 1,
      measurements: { udpRelayRttMs: 20, tcpAllocateMs: 4 },
    },
    {
      name: "a slow relay within the site's threshold",
      facts: facts([done('udp', 300)]),
      site,
      thresholds: { relayRttMs: 400 },
      status: 'pass',
    },
    { name: "a slow relay within the check's option", facts: facts([done('udp', 300)]), site, options: { slowMs: 400 }, status: 'pass' },
    {
      name: 'no credentials: informative, with the finding that says how to give them',
      facts: {
        path: 'direct',
        host: 'turn.example.test',
        port: 3478,
        reason: 'no-credentials',
        transactionTimeoutMs: 3000,
        relayTimeoutMs: 3000,
        transports: [],
      },
      site,
      status: 'info',
      score: null,
      findings: ['turn.no-credentials'],
    },
  ],
  invalid: [
    {
      name: 'credentials refused everywhere: reachable, not blocked',
      facts: facts([refused('udp'), refused('tcp')]),
      site,
      status: 'fail',
      score: 0,
      findings: ['turn.auth-refused'],
    },
    {
      name: 'credentials refused over UDP, TCP works',
      facts: facts([refused('udp'), done('tcp', 20)]),
      site,
      status: 'fail',
      score: 0.3,
      findings: ['turn.auth-refused'],
    },
    {
      name: 'blocked: nothing answers',
      facts: facts([
        failed('udp', 'filtered', 'NO_ANSWER', { stage: 'allocate', phase: 'connect' }),
        failed('tcp', 'filtered', 'CONNECT_TIMEOUT', { stage: 'connect', phase: 'connect' }),
      ]),
      site,
      status: 'fail',
      findings: ['turn.filtered'],
    },
    {
      name: 'refused',
      facts: facts([failed('udp', 'refused', 'ECONNREFUSED', { phase: 'connect' })]),
      site,
      status: 'fail',
      findings: ['turn.refused'],
    },
    {
      name: 'unreachable',
      facts: facts([failed('tcp', 'unreachable', 'EHOSTUNREACH', { stage: 'connect', phase: 'connect' })]),
      site,
      status: 'fail',
      findings: ['turn.unreachable'],
    },
    {
      name: 'accepts, never answers TURN',
      facts: facts([failed('tcp', 'timeout', 'STUN_TIMEOUT')]),
      site,
      status: 'fail',
      findings: ['turn.timeout'],
    },
    {
      name: 'a named error response',
      facts: facts([failed('udp', 'server-error', 'STUN_ERROR', { stun: { code: 486, name: 'Allocation Quota Reached', reason: '' } })]),
      site,
      status: 'fail',
      findings: ['turn.server-error'],
    },
    {
      name: 'successes without MESSAGE-INTEGRITY',
      facts: facts([unsigned('udp', 'absent')], { kind: 'protocol-error' }),
      site,
      status: 'fail',
      score: 0,
      findings: ['turn.integrity'],
    },
    {
      name: 'successes signed with another key',
      facts: facts([unsigned('udp', 'invalid'), unsigned('tcp', 'invalid')], { kind: 'protocol-error' }),
      site,
      status: 'fail',
      findings: ['turn.integrity'],
    },
    {
      name: 'one transport unsigned, the other works',
      facts: facts([done('udp', 20), unsigned('tcp', 'absent')]),
      site,
      status: 'warn',
      score: 0.6,
      findings: ['turn.integrity'],
    },
    {
      name: 'TLS certificate not trusted',
      facts: facts([
        failed('tls', 'tls-failure', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', { stage: 'connect', phase: 'tls', tlsKind: 'untrusted-issuer' }),
      ]),
      site: siteWith({ protocol: 'turns', port: 5349 }),
      status: 'fail',
      findings: ['turn.tls-failure'],
    },
    {
      name: 'does not resolve',
      facts: {
        ...base,
        classification: 'dns-failure',
        transports: [],
        dnsFailure: { classification: 'dns-failure', message: 'nx', dns: { kind: 'nxdomain' } },
      },
      site,
      status: 'fail',
      findings: ['turn.dns-failure'],
    },
    {
      name: 'UDP dropped while TCP relays',
      facts: facts([failed('udp', 'filtered', 'NO_ANSWER', { phase: 'connect' }), done('tcp', 30)]),
      site,
      status: 'warn',
      score: 0.6,
      findings: ['turn.udp-blocked'],
    },
    {
      name: 'TCP refused while UDP relays',
      facts: facts([done('udp', 30), failed('tcp', 'refused', 'ECONNREFUSED', { stage: 'connect', phase: 'connect' })]),
      site,
      status: 'warn',
      score: 0.8,
      findings: ['turn.transport-failed'],
    },
    {
      name: 'TLS fails while UDP relays',
      facts: facts([
        done('udp', 30),
        failed('tls', 'tls-failure', 'CERT_HAS_EXPIRED', { stage: 'connect', phase: 'tls', tlsKind: 'expired' }),
      ]),
      site: tlsSite,
      status: 'warn',
      score: 0.7,
      findings: ['turn.tls-failure'],
    },
    {
      name: 'allocated everywhere, relayed nowhere',
      facts: facts([
        done('udp', 0, { relayRttMs: undefined, relayError: { code: 'RELAY_NO_ANSWER', message: 'relayed data did not come back' } }),
      ]),
      site,
      status: 'warn',
      score: 0.5,
      findings: ['turn.relay-failed'],
    },
    {
      name: 'relayed over one transport of two',
      facts: facts([
        done('udp', 20),
        done('tcp', 0, {
          relayRttMs: undefined,
          relayError: { message: 'CreatePermission: 403 Forbidden', stun: { code: 403, name: 'Forbidden' } },
        }),
      ]),
      site,
      status: 'warn',
      score: 0.7,
      findings: ['turn.relay-failed'],
    },
    {
      name: 'slow relay',
      facts: facts([done('udp', 450)]),
      site,
      status: 'warn',
      findings: ['turn.slow'],
      measurements: { udpRelayRttMs: 450 },
    },
    {
      name: 'a little slow is still not a pass',
      facts: facts([done('udp', 201)]),
      site,
      status: 'warn',
      score: 0.89,
      findings: ['turn.slow'],
    },
    {
      name: 'the same facts against a stricter threshold',
      facts: facts([done('udp', 20)]),
      site,
      thresholds: { relayRttMs: 10 },
      status: 'warn',
      findings: ['turn.slow'],
    },
    {
      name: 'facts with no transport tried cannot be judged',
      facts: { ...base, classification: 'ok', transports: [] },
      site,
      status: 'error',
      score: null,
    },
  ],
});

it('auth-refused names the user and the realm, and says reachable', () => {
  const v = tester.verify({ facts: facts([refused('udp')]), site, status: 'fail', findings: ['turn.auth-refused'] }, false);
  expect(v.findings[0]!.message.params).toMatchObject({ username: 'alice', detail: '401 Unauthorized', transports: 'UDP' });
  expect(v.findings[0]!.remediation?.params).toEqual({ realm: 'example.test' });
});

it('turn.integrity says which problem as a phrase of its own, and how many answers were discarded', () => {
  const v = tester.verify({ facts: facts([unsigned('udp', 'invalid')]), site, status: 'fail', findings: ['turn.integrity'] }, false);
  expect(v.findings[0]!.message.params?.what).toEqual({ id: 'turn.integrity.invalid' });
  expect(v.findings[0]!.evidence).toMatchObject({
    transports: [{ transport: 'udp', stage: 'allocate', code: 'INTEGRITY_MISMATCH', discarded: 3 }],
  });
});

it('shows each transport: how far it got, the relay, the deallocation', () => {
  const v = tester.verify(
    { facts: facts([done('udp', 20), refused('tcp')]), site, status: 'fail', findings: ['turn.auth-refused'] },
    false,
  );
  const table = v.blocks?.[0];
  expect(table?.kind).toBe('table');
  expect(table?.kind === 'table' && table.rows).toEqual([
    {
      transport: 'UDP',
      result: 'ok',
      stage: { id: 'turn.stage.done' },
      allocate: 4,
      relayed: '192.0.2.10:50000',
      relayRtt: 20,
      deallocated: true,
      code: null,
    },
    {
      transport: 'TCP',
      result: 'auth-refused',
      stage: { id: 'turn.stage.allocate' },
      allocate: null,
      relayed: null,
      relayRtt: null,
      deallocated: null,
      code: '401 Unauthorized',
    },
  ]);
});
