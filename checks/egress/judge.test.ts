// The egress check's verdicts on fact fixtures: no network, no root (route lookups against a real
// tun device are tested in test/integration/egress-route.test.ts).

import { describe, expect, it } from 'vitest';
import { CheckTester } from '../../test/helpers/check-tester.js';
import egress, { type EgressAddress, type EgressFacts } from './index.js';

const eth0 = { status: 'ok', dev: 'eth0', gateway: '192.0.2.1', source: '192.0.2.2', linkType: 1, tunnel: false } as const;
const tun0 = {
  status: 'ok',
  dev: 'tun0',
  source: '10.8.0.6',
  linkType: 65534,
  tunnel: true,
  tunnelKind: 'tun',
  tunnelBy: 'link-type',
  defaultDevs: ['eth0'],
  sameAsDefault: false,
} as const;

const inRange = (address: string, route: EgressAddress['route'] = eth0): EgressAddress => ({
  address,
  family: 4,
  scope: 'public',
  range: { id: 'teams-media', category: 'optimize', cidr: '52.112.0.0/14' },
  route,
});
const outside = (address: string, scope: EgressAddress['scope'] = 'public', route: EgressAddress['route'] = eth0): EgressAddress => ({
  address,
  family: 4,
  scope,
  route,
});

const facts = (addresses: EgressAddress[], extra: Partial<EgressFacts> = {}): EgressFacts => ({
  host: 'media.example.test',
  endpoints: ['teams/media'],
  platform: 'teams',
  platformName: 'Microsoft Teams',
  catalogVersion: '2025-01-01',
  entry: 'media',
  category: 'optimize',
  role: 'media',
  required: true,
  rangesPublished: true,
  classification: 'ok',
  resolver: 'system',
  path: 'direct',
  addresses,
  ...extra,
});

// The site's own YAML cannot carry catalog origins (the preset expansion adds them): the target is given whole.
const target = { id: 'teams/media' };
const tester = new CheckTester(egress);

tester.run({
  valid: [
    {
      name: 'every address in a published range, leaving by the default interface',
      facts: facts([inRange('52.112.1.1'), inRange('52.113.2.2')]),
      target,
      status: 'pass',
      score: 1,
      measurements: { inRangePercent: 100, interface: 'eth0' },
    },
    {
      name: 'an Optimize endpoint of a catalog without ranges: the route alone is checked',
      facts: facts([outside('198.51.100.7')], { rangesPublished: false }),
      target,
      status: 'pass',
      score: 1,
      measurements: { interface: 'eth0' },
    },
    {
      name: 'route not determined: said, the score is not lowered',
      facts: facts([inRange('52.112.1.1', { status: 'not-determined', reason: 'not-linux' })]),
      target,
      status: 'pass',
      score: 1,
      findings: ['egress.route-not-determined'],
      measurements: { inRangePercent: 100, interface: null },
    },
    {
      name: 'iproute2 missing',
      facts: facts([inRange('52.112.1.1', { status: 'not-determined', reason: 'no-ip' })]),
      target,
      status: 'pass',
      findings: ['egress.route-not-determined'],
    },
    {
      name: 'Allow traffic through a tunnel is not a finding: split tunnelling is asked for Optimize',
      facts: facts([{ ...inRange('52.112.1.1', tun0), range: { id: 'm365-allow', category: 'allow', cidr: '52.112.0.0/14' } }], {
        category: 'allow',
      }),
      target,
      status: 'pass',
      measurements: { interface: 'tun0' },
    },
    {
      name: 'no route: said, not scored (reachability is the tcp and stun checks’ business)',
      facts: facts([inRange('52.112.1.1', { status: 'no-route', type: 'prohibit', message: 'RTNETLINK answers: Permission denied' })]),
      target,
      status: 'pass',
      findings: ['egress.no-route'],
    },
    {
      name: 'the host does not resolve: informative',
      facts: facts([], { classification: 'dns-failure', dnsKind: 'nxdomain', dnsMessage: 'NXDOMAIN' }),
      target,
      status: 'info',
      score: null,
      findings: ['egress.not-resolved'],
    },
  ],
  invalid: [
    {
      name: 'Optimize name answered with a private address: DNS is rewritten (high)',
      facts: facts([outside('10.20.30.40', 'private')]),
      target,
      status: 'fail',
      score: 0.3,
      findings: ['egress.dns-rewritten'],
      measurements: { inRangePercent: 0 },
    },
    {
      name: 'Allow name answered with a CGNAT address (medium)',
      facts: facts([outside('100.64.1.2', 'cgnat')], { category: 'allow' }),
      target,
      status: 'warn',
      score: 0.6,
      findings: ['egress.dns-rewritten'],
    },
    {
      name: 'a sinkhole answer (0.0.0.0) is a rewrite too',
      facts: facts([outside('0.0.0.0', 'unspecified')]),
      target,
      status: 'fail',
      findings: ['egress.dns-rewritten'],
    },
    {
      name: 'outside the ranges, but the endpoint goes through the proxy',
      facts: facts([outside('203.0.113.9')], { path: 'proxy', proxy: 'http://proxy.corp.test:3128', proxySource: 'site' }),
      target,
      status: 'fail',
      findings: ['egress.proxy-answers'],
    },
    {
      name: 'a public address outside the ranges of a Default endpoint: stale catalog or CDN (low)',
      facts: facts([outside('93.184.216.34')], { category: 'default' }),
      target,
      status: 'warn',
      score: 0.85,
      findings: ['egress.unlisted'],
    },
    {
      name: 'Optimize media routed through the VPN tunnel',
      facts: facts([inRange('52.112.1.1', tun0)]),
      target,
      status: 'fail',
      score: 0.3,
      findings: ['egress.tunnelled'],
      measurements: { inRangePercent: 100, interface: 'tun0' },
    },
    {
      name: 'a WireGuard interface found by its name alone',
      facts: facts([
        inRange('52.112.1.1', { status: 'ok', dev: 'wg0', linkType: 1, tunnel: true, tunnelKind: 'wireguard', tunnelBy: 'name' }),
      ]),
      target,
      status: 'fail',
      findings: ['egress.tunnelled'],
    },
    {
      name: 'mixed: one address in range, one rewritten, one unlisted',
      facts: facts([inRange('52.112.1.1'), outside('192.168.1.10', 'private'), outside('93.184.216.34')]),
      target,
      status: 'fail',
      findings: ['egress.dns-rewritten', 'egress.unlisted'],
      measurements: { inRangePercent: 33.33 },
    },
  ],
});

describe('egress judge: what the findings say', () => {
  it('a full tunnel (the default route in the tunnel too) gets the forced-tunnelling remediation', () => {
    const verdict = tester.verify(
      {
        facts: facts([inRange('52.112.1.1', { ...tun0, defaultDevs: ['tun0'], sameAsDefault: true })]),
        target,
        status: 'fail',
        findings: ['egress.tunnelled'],
      },
      false,
    );
    const f = verdict.findings[0]!;
    expect(f.remediation?.id).toBe('egress.tunnelled.fix-full');
    expect(f.message.params).toMatchObject({ platform: 'Microsoft Teams', dev: 'tun0', endpoint: 'teams/media' });
    expect(f.evidence).toMatchObject({ dev: 'tun0', kind: 'tun', by: 'link-type', sameAsDefault: true });
  });

  it('an out-of-range finding lists the addresses and their kind', () => {
    const verdict = tester.verify(
      { facts: facts([outside('10.1.1.1', 'private'), outside('10.1.1.2', 'private')]), target, status: 'fail' },
      false,
    );
    expect(verdict.findings).toHaveLength(1);
    expect(verdict.findings[0]!.severity).toBe('high');
    expect(verdict.findings[0]!.message.params).toMatchObject({ addresses: '10.1.1.1, 10.1.1.2', host: 'media.example.test' });
  });

  it('presents one table of addresses with range, interface, tunnel and gateway', () => {
    const verdict = tester.verify(
      { facts: facts([inRange('52.112.1.1', tun0), outside('10.1.1.1', 'private')]), target, status: 'fail' },
      false,
    );
    const table = verdict.blocks?.find((b) => b.kind === 'table');
    expect(table?.kind === 'table' && table.rows).toEqual([
      {
        address: '52.112.1.1',
        scope: { id: 'egress.scope.public' },
        range: { id: 'egress.range.in', params: { range: 'teams-media', category: 'optimize' } },
        interface: 'tun0',
        tunnel: { id: 'egress.tunnel.yes', params: { kind: 'tun' } },
        gateway: null,
      },
      {
        address: '10.1.1.1',
        scope: { id: 'egress.scope.private' },
        range: { id: 'egress.range.out' },
        interface: 'eth0',
        tunnel: { id: 'egress.tunnel.no' },
        gateway: '192.0.2.1',
      },
    ]);
  });

  it('targets only catalog endpoints: with ranges, or in the Optimize category', () => {
    const ep = (name: string, host: string, catalog?: Record<string, unknown>) => ({
      name,
      role: 'media',
      protocol: 'https',
      host,
      port: 443,
      via: 'auto',
      expect: 'reachable',
      location: { file: 'site.yaml', line: 1, column: 1 },
      extra: catalog ? { catalog } : {},
    });
    const ref = (platform: string, entry: string, category: string) => ({ platform, entry, category, role: 'media', required: true });
    const site = {
      platform: {
        endpoints: [
          ep('own-api', 'api.corp.test'),
          ep('ranged/web', 'web.ranged.test', ref('ranged', 'web', 'default')),
          ep('ranged/web/ws', 'web.ranged.test', ref('ranged', 'web', 'allow')),
          ep('plain/media', 'media.plain.test', ref('plain', 'media', 'optimize')),
          ep('plain/web', 'web.plain.test', ref('plain', 'web', 'allow')),
        ],
        catalogs: [
          { id: 'ranged', name: 'Ranged', ranges: [{ id: 'r', category: 'allow', role: 'web', ipv4: ['198.51.100.0/24'], source: 's' }] },
          { id: 'plain', name: 'Plain' },
        ],
      },
    } as unknown as Parameters<typeof egress.targets>[0];
    const targets = egress.targets(site, { routeTimeoutMs: 2000 });
    expect(targets.map((t) => [t.id, t.data?.endpoints])).toEqual([
      // One task per host; the strongest category leads.
      ['ranged/web/ws', ['ranged/web/ws', 'ranged/web']],
      ['plain/media', ['plain/media']],
    ]);
  });
});
