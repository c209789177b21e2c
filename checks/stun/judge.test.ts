// The stun check's verdicts on fact fixtures: no network, no root (the measuring is tested against
// a real coturn in test/integration/stun-turn.test.ts, and behind real NATs in stun-nat.test.ts).

import { expect, it } from 'vitest';
import { CheckTester } from '../../test/helpers/check-tester.js';
import stun, { type StunFacts, type StunNatFacts, type StunTransportFacts } from './index.js';

const endpoint = { name: 'relay', host: 'turn.example.test', port: 3478, protocol: 'stun' };
const siteWith = (extra: Record<string, unknown> = {}) => ({
  version: 1,
  site: { name: 'S' },
  platform: { endpoints: [{ ...endpoint, ...extra }] },
});
const site = siteWith();
const blockedSite = siteWith({ expect: 'blocked' });
const tlsSite = siteWith({ transports: ['udp', 'tls'] });

const base = {
  path: 'direct',
  expect: 'reachable',
  host: 'turn.example.test',
  port: 3478,
  address: '192.0.2.10',
  transactionTimeoutMs: 3000,
} as const;
const ok = (transport: 'udp' | 'tcp' | 'tls', rttMs: number): StunTransportFacts => ({
  transport,
  classification: 'ok',
  rttMs,
  transmissions: 1,
  reflexive: '198.51.100.7:40000',
});
const failed = (
  transport: 'udp' | 'tcp' | 'tls',
  classification: StunTransportFacts['classification'],
  code: string,
  extra: Partial<StunTransportFacts> = {},
): StunTransportFacts => ({
  transport,
  classification,
  phase: 'connect',
  code,
  error: `${transport} ${code}`,
  ...extra,
});
const facts = (transports: StunTransportFacts[], extra: Partial<StunFacts> = {}): StunFacts => ({
  ...base,
  classification: transports.some((t) => t.classification === 'ok') ? 'ok' : transports[0]!.classification,
  transports,
  ...extra,
});
const nat = (mapping: StunNatFacts['mapping'], filtering: StunNatFacts['filtering'] = 'address-and-port-dependent'): StunNatFacts => ({
  supported: true,
  natted: true,
  local: '10.0.0.5:40000',
  reflexive: '198.51.100.7:40000',
  otherAddress: '192.0.2.11:3479',
  mapping,
  filtering,
  timeoutMs: 1500,
});
const both = [ok('udp', 12), ok('tcp', 15)];
const sweep = (answered: number[], refused: number[] = [], filtered: number[] = []) => ({
  total: answered.length + refused.length + filtered.length,
  tested: answered.length + refused.length + filtered.length,
  answered,
  refused,
  filtered,
  other: [],
  timeoutMs: 1500,
});

const tester = new CheckTester(stun);
tester.run({
  valid: [
    { name: 'UDP and TCP answer fast', facts: facts(both), site, status: 'pass', score: 1, measurements: { udpRttMs: 12, tcpRttMs: 15 } },
    {
      name: 'a port-restricted cone NAT is no finding',
      facts: facts(both, { nat: nat('endpoint-independent') }),
      site,
      status: 'pass',
      score: 1,
    },
    {
      name: 'a symmetric NAT is an informative finding: the score stays',
      facts: facts(both, { nat: nat('address-and-port-dependent') }),
      site,
      status: 'pass',
      score: 1,
      findings: ['stun.nat-symmetric'],
    },
    {
      name: 'an address-dependent mapping is symmetric too',
      facts: facts(both, { nat: nat('address-dependent', 'endpoint-independent') }),
      site,
      status: 'pass',
      findings: ['stun.nat-symmetric'],
    },
    {
      name: 'NAT discovery that failed changes nothing',
      facts: facts(both, { nat: { error: 'no answer', timeoutMs: 1500 } }),
      site,
      status: 'pass',
      score: 1,
    },
    {
      name: 'every swept port answers',
      facts: facts(both, { sweep: sweep([3478, 3479, 3480]) }),
      site,
      status: 'pass',
      measurements: { portsAnswering: 3 },
    },
    {
      name: 'a blocked endpoint that answers nothing',
      facts: facts([failed('udp', 'filtered', 'NO_ANSWER'), failed('tcp', 'refused', 'ECONNREFUSED')]),
      site: blockedSite,
      status: 'pass',
      score: 1,
    },
    {
      name: 'a blocked endpoint that does not resolve',
      facts: {
        ...base,
        classification: 'dns-failure',
        transports: [],
        dnsFailure: { classification: 'dns-failure', message: 'nx', dns: { kind: 'nxdomain' } },
      },
      site: blockedSite,
      status: 'pass',
    },
    {
      name: "slow by the default, fast enough by the site's threshold",
      facts: facts([ok('udp', 150)]),
      site,
      thresholds: { rttMs: 200 },
      status: 'pass',
    },
    {
      name: "slow by the default, fast enough by the check's option",
      facts: facts([ok('udp', 150)]),
      site,
      options: { slowMs: 200 },
      status: 'pass',
    },
  ],
  invalid: [
    {
      name: 'nothing answers: filtered',
      facts: facts([failed('udp', 'filtered', 'NO_ANSWER'), failed('tcp', 'filtered', 'CONNECT_TIMEOUT')]),
      site,
      status: 'fail',
      score: 0,
      findings: ['stun.filtered'],
    },
    {
      name: 'refused on both',
      facts: facts([failed('udp', 'refused', 'ECONNREFUSED'), failed('tcp', 'refused', 'ECONNREFUSED')]),
      site,
      status: 'fail',
      findings: ['stun.refused'],
    },
    {
      name: 'no route',
      facts: facts([failed('udp', 'unreachable', 'EHOSTUNREACH')]),
      site,
      status: 'fail',
      findings: ['stun.unreachable'],
    },
    {
      name: 'TCP accepted, no STUN answer; UDP dropped',
      facts: facts([failed('udp', 'filtered', 'NO_ANSWER'), failed('tcp', 'timeout', 'STUN_TIMEOUT', { phase: 'application' })]),
      site,
      status: 'fail',
      findings: ['stun.timeout'],
    },
    {
      name: 'garbage answers: a protocol error of the server',
      facts: facts([failed('udp', 'server-error', 'NOT_STUN', { phase: 'application', kind: 'protocol-error' })], {
        kind: 'protocol-error',
      }),
      site,
      status: 'fail',
      findings: ['stun.server-error'],
    },
    {
      name: 'TLS only, and its certificate is not trusted',
      facts: facts([failed('tls', 'tls-failure', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', { phase: 'tls', tlsKind: 'untrusted-issuer' })]),
      site: siteWith({ protocol: 'turns', port: 5349 }),
      status: 'fail',
      findings: ['stun.tls-failure'],
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
      score: 0,
      findings: ['stun.dns-failure'],
    },
    {
      name: 'UDP dropped while TCP works',
      facts: facts([failed('udp', 'filtered', 'NO_ANSWER'), ok('tcp', 9)]),
      site,
      status: 'warn',
      score: 0.6,
      findings: ['stun.udp-blocked'],
    },
    {
      name: 'TCP refused while UDP works',
      facts: facts([ok('udp', 9), failed('tcp', 'refused', 'ECONNREFUSED')]),
      site,
      status: 'warn',
      score: 0.8,
      findings: ['stun.transport-failed'],
    },
    {
      name: 'TLS fails while UDP works',
      facts: facts([ok('udp', 9), failed('tls', 'tls-failure', 'CERT_HAS_EXPIRED', { phase: 'tls', tlsKind: 'expired' })]),
      site: tlsSite,
      status: 'warn',
      score: 0.7,
      findings: ['stun.tls-failure'],
    },
    { name: 'slow', facts: facts([ok('udp', 150)]), site, status: 'warn', findings: ['stun.slow'], measurements: { udpRttMs: 150 } },
    {
      name: 'a little slow is still not a pass',
      facts: facts([ok('udp', 101)]),
      site,
      status: 'warn',
      score: 0.89,
      findings: ['stun.slow'],
    },
    {
      name: 'the same facts against a stricter threshold',
      facts: facts(both),
      site,
      thresholds: { rttMs: 10 },
      status: 'warn',
      findings: ['stun.slow'],
    },
    {
      name: 'swept ports that do not answer',
      facts: facts(both, {
        sweep: {
          ...sweep([3478], [3480], [3479]),
          other: [{ port: 3481, classification: 'server-error', code: 'NOT_STUN' }],
          total: 4,
          tested: 4,
        },
      }),
      site,
      status: 'warn',
      score: 0.7,
      findings: ['stun.ports-silent'],
      measurements: { portsAnswering: 1 },
    },
    {
      name: 'a blocked endpoint that answers over UDP',
      facts: facts([ok('udp', 5), failed('tcp', 'refused', 'ECONNREFUSED')]),
      site: blockedSite,
      status: 'fail',
      score: 0,
      findings: ['stun.unexpectedly-open'],
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

it('the symmetric NAT finding names the mapping as a phrase of its own', () => {
  const v = tester.verify(
    { facts: facts(both, { nat: nat('address-and-port-dependent') }), site, status: 'pass', findings: ['stun.nat-symmetric'] },
    true,
  );
  const f = v.findings[0]!;
  expect(f.message.params?.mapping).toEqual({ id: 'stun.nat.address-and-port-dependent' });
  expect(f.evidence).toMatchObject({ mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' });
});

it('silent ports are named in port order, at most 20, with the rest counted', () => {
  const refused = Array.from({ length: 30 }, (_, i) => 40000 + 2 * i);
  const filtered = Array.from({ length: 30 }, (_, i) => 40001 + 2 * i);
  const v = tester.verify({ facts: facts(both, { sweep: sweep([3478], refused, filtered) }), site, status: 'warn' }, false);
  const params = v.findings[0]!.message.params!;
  expect(params).toMatchObject({ count: 60, total: 61 });
  expect(String(params.ports)).toMatch(/^40000 \(refused\), 40001 \(filtered\), 40002 \(refused\),.*, …$/);
  expect(String(params.ports).match(/\(\w+\)/g)).toHaveLength(20);
});

it('shows the transports, the NAT behaviour and the sweep', () => {
  const v = tester.verify(
    {
      facts: facts([ok('udp', 12), failed('tcp', 'refused', 'ECONNREFUSED')], {
        nat: { ...nat('endpoint-independent', 'address-dependent'), notes: ['same-ip-alternate'] },
        sweep: { ...sweep([3478, 3479, 3480], [5000], [5001]), total: 300, tested: 5, truncated: true, maxPorts: 5 },
      }),
      site,
      status: 'warn',
    },
    false,
  );
  expect(v.blocks?.map((b) => b.kind)).toEqual(['table', 'key-value', 'key-value']);
  const [table, natKv, sweepKv] = v.blocks as any[];
  expect(table.rows).toEqual([
    { transport: 'UDP', result: 'ok', rtt: 12, reflexive: '198.51.100.7:40000', code: null },
    { transport: 'TCP', result: 'refused', rtt: null, reflexive: null, code: 'ECONNREFUSED' },
  ]);
  expect(natKv.items).toContainEqual({ label: { id: 'stun.kv.filtering' }, value: { id: 'stun.nat.kind.address-dependent' } });
  expect(natKv.items).toContainEqual({ label: { id: 'stun.kv.note' }, value: { id: 'stun.nat.note.same-ip-alternate' } });
  expect(sweepKv.items).toContainEqual({ label: { id: 'stun.kv.answered' }, value: '3478-3480' });
  expect(sweepKv.items[0].value).toEqual({ id: 'stun.swept.truncated', params: { tested: 5, total: 300, maxPorts: 5 } });
});
