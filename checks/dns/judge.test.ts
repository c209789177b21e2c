// The dns check's verdicts on fact fixtures: no network, no root (the measuring is tested against
// dnsmasq in test/integration/dns.test.ts and against hostile resolvers in the hostile matrix).

import { describe, expect, it } from 'vitest';
import { CheckTester } from '../../test/helpers/check-tester.js';
import dns, { type DnsFacts } from './index.js';

const HOST = 'target.example.test';
const resolved = (resolveMs: number, extra: Partial<DnsFacts> = {}): DnsFacts => ({
  host: HOST,
  classification: 'ok',
  endpoints: ['target'],
  resolver: ['192.0.2.53'],
  resolveMs,
  addresses: [
    { address: '192.0.2.10', family: 4 },
    { address: '2001:db8::10', family: 6 },
  ],
  ...extra,
});
const failed = (kind: DnsFacts['kind'], code: string, extra: Partial<DnsFacts> = {}): DnsFacts => ({
  host: HOST,
  classification: 'dns-failure',
  endpoints: ['target'],
  resolver: 'system',
  resolveMs: 12,
  kind,
  code,
  message: `${HOST}: ${kind}`,
  path: 'direct',
  ...extra,
});
const site = (endpoints: Array<Record<string, unknown>>) => ({ version: 1, site: { name: 'D' }, platform: { endpoints } });
const two = site([
  { name: 'api', role: 'api', host: HOST, port: 443, protocol: 'https' },
  { name: 'web', role: 'web', host: HOST, port: 8443, protocol: 'https' },
]);
const blocked = site([{ name: 'legacy', role: 'web', host: HOST, port: 23, protocol: 'tcp', expect: 'blocked' }]);
const webOnly = site([{ name: 'intranet', role: 'web', host: HOST, port: 443, protocol: 'https' }]);

const tester = new CheckTester(dns);
tester.run({
  valid: [
    { name: 'resolved quickly', facts: resolved(20), status: 'pass', score: 1, measurements: { resolveMs: 20, addresses: 2 } },
    { name: 'a slow answer within a looser threshold', facts: resolved(800), thresholds: { resolveMs: 1000 }, status: 'pass' },
    { name: 'a looser slowMs option', facts: resolved(800), options: { slowMs: 1000 }, status: 'pass' },
    {
      name: 'a host only blocked endpoints use, that does not resolve',
      facts: failed('nxdomain', 'ENOTFOUND'),
      site: blocked,
      status: 'pass',
      score: 1,
    },
    {
      name: 'a name only the proxy resolves: informative',
      facts: failed('nxdomain', 'ENOTFOUND', { path: 'proxy' }),
      status: 'info',
      score: null,
      measurements: { resolveMs: 12 },
    },
  ],
  invalid: [
    { name: 'slow', facts: resolved(900), status: 'warn', findings: ['dns.slow'], score: [0.7, 0.89] },
    { name: 'just over the target: a warning, not a pass', facts: resolved(510), status: 'warn', score: 0.89, findings: ['dns.slow'] },
    { name: "far over the target: the curve's floor", facts: resolved(5000), status: 'warn', score: 0.7, findings: ['dns.slow'] },
    {
      name: 'the same facts against a stricter threshold',
      facts: resolved(300),
      thresholds: { resolveMs: 100 },
      status: 'warn',
      findings: ['dns.slow'],
    },
    { name: 'NXDOMAIN', facts: failed('nxdomain', 'ENOTFOUND'), status: 'fail', score: 0, findings: ['dns.dns-failure'] },
    { name: 'NODATA', facts: failed('nodata', 'ENODATA'), status: 'fail', findings: ['dns.dns-failure'] },
    {
      name: 'SERVFAIL from the site resolver',
      facts: failed('servfail', 'ESERVFAIL', { resolver: ['192.0.2.53'] }),
      status: 'fail',
      findings: ['dns.dns-failure'],
    },
    { name: 'no answer in time', facts: failed('timeout', 'ETIMEOUT'), status: 'fail', findings: ['dns.dns-failure'] },
    { name: 'an answer that does not parse', facts: failed('other', 'EBADRESP'), status: 'fail', findings: ['dns.dns-failure'] },
    {
      name: 'two endpoints on the host: the finding names both',
      facts: failed('nxdomain', 'ENOTFOUND', { endpoints: ['api', 'web'] }),
      site: two,
      status: 'fail',
      findings: ['dns.dns-failure'],
    },
  ],
});

describe('dns judge, severity', () => {
  it('is the worst of the endpoints on the host, and names them all', () => {
    const v = tester.verify({ facts: failed('nxdomain', 'ENOTFOUND', { endpoints: ['api', 'web'] }), site: two, status: 'fail' }, false);
    expect(v.findings[0]).toMatchObject({ severity: 'critical', message: { params: { endpoint: 'api, web' } } });
    const web = tester.verify({ facts: failed('nodata', 'ENODATA'), site: webOnly, status: 'fail' }, false);
    expect(web.findings[0]?.severity).toBe('high');
  });
});

describe('dns present', () => {
  it('shows the lookup and the addresses', () => {
    const v = tester.verify({ facts: resolved(20), status: 'pass' }, true);
    expect(v.blocks?.map((b) => b.kind)).toEqual(['key-value', 'table']);
    const table = v.blocks?.[1];
    expect(table?.kind === 'table' && table.rows).toEqual([
      { address: '192.0.2.10', family: 'IPv4' },
      { address: '2001:db8::10', family: 'IPv6' },
    ]);
  });
});
