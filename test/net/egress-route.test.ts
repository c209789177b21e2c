// The egress route lookup's parsing and classification, on `ip -j route get` output recorded from
// iproute2 6.1, and the special-purpose address table. No root, no namespaces: the lookups against
// a real tun device are in test/integration/egress-route.test.ts.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  classifyInterface,
  defaultRouteDevs,
  lookupRoute,
  parseDefaultRoutes,
  parseRouteGet,
  refusalType,
} from '../../src/net/egress-route.js';
import { addressScope } from '../../src/util/address-scope.js';

const ROUTE_V4 = '[{"dst":"8.8.8.8","gateway":"192.0.2.1","dev":"eth0","prefsrc":"192.0.2.2","flags":[],"uid":0,"cache":[]}]';
const ROUTE_V6 =
  '[{"dst":"2001:db8::1","from":"::","gateway":"fd00::1","dev":"eth0","prefsrc":"fd00::2","metric":1024,"flags":[],"pref":"medium"}]';
const ROUTE_TUN = '[{"dst":"198.51.100.7","dev":"tun0","flags":[],"uid":0,"cache":[]}]';
const ROUTE_LOCAL = '[{"type":"local","dst":"127.0.0.1","dev":"lo","prefsrc":"127.0.0.1","flags":[],"uid":0,"cache":["local"]}]';
const ROUTE_LOCAL_V6 =
  '[{"type":"local","dst":"::1","from":"::","dev":"lo","table":"local","protocol":"kernel","prefsrc":"::1","metric":0,"flags":[],"pref":"medium"}]';

describe('parseRouteGet', () => {
  it('an IPv4 route through a gateway', () => {
    expect(parseRouteGet(ROUTE_V4)).toEqual({ type: 'unicast', dst: '8.8.8.8', gateway: '192.0.2.1', dev: 'eth0', prefsrc: '192.0.2.2' });
  });

  it('an IPv6 route (ip -j -6 route get)', () => {
    expect(parseRouteGet(ROUTE_V6)).toEqual({ type: 'unicast', dst: '2001:db8::1', gateway: 'fd00::1', dev: 'eth0', prefsrc: 'fd00::2' });
  });

  it('a route on a point-to-point device has no gateway', () => {
    expect(parseRouteGet(ROUTE_TUN)).toEqual({ type: 'unicast', dst: '198.51.100.7', dev: 'tun0' });
  });

  it('local addresses name their type', () => {
    expect(parseRouteGet(ROUTE_LOCAL)).toMatchObject({ type: 'local', dev: 'lo' });
    expect(parseRouteGet(ROUTE_LOCAL_V6)).toMatchObject({ type: 'local', dev: 'lo', prefsrc: '::1' });
  });

  it('anything else is not a route', () => {
    for (const text of ['', 'RTNETLINK answers: Network is unreachable', '[]', '{}', '[1]', 'null'])
      expect(parseRouteGet(text)).toBeUndefined();
  });
});

describe('parseDefaultRoutes', () => {
  it('one default route, several, and multipath next hops', () => {
    expect(parseDefaultRoutes('[{"dst":"default","gateway":"192.0.2.1","dev":"eth0","flags":[]}]')).toEqual(['eth0']);
    expect(
      parseDefaultRoutes(
        '[{"dst":"default","gateway":"192.0.2.1","dev":"eth0","metric":100,"flags":[]},{"dst":"default","dev":"tun0","metric":50,"flags":[]}]',
      ),
    ).toEqual(['eth0', 'tun0']);
    expect(
      parseDefaultRoutes(
        '[{"dst":"default","flags":[],"nexthops":[{"gateway":"192.0.2.1","dev":"eth0","weight":1,"flags":[]},{"gateway":"198.51.100.1","dev":"eth1","weight":1,"flags":[]}]}]',
      ),
    ).toEqual(['eth0', 'eth1']);
  });

  it('no default route, or not JSON', () => {
    expect(parseDefaultRoutes('[]')).toEqual([]);
    expect(parseDefaultRoutes('oops')).toBeUndefined();
  });
});

describe('refusalType', () => {
  it("tells the kernel's refusals apart", () => {
    expect(refusalType('RTNETLINK answers: Network is unreachable')).toBe('none');
    expect(refusalType('RTNETLINK answers: No route to host')).toBe('unreachable');
    expect(refusalType('RTNETLINK answers: Permission denied')).toBe('prohibit');
    expect(refusalType('RTNETLINK answers: Invalid argument')).toBe('blackhole');
    expect(refusalType('Error: any valid prefix is expected rather than "x".')).toBeUndefined();
  });
});

describe('classifyInterface', () => {
  it('by link type: tun/WireGuard (NONE), PPP, IPIP, SIT, GRE, IP6GRE', () => {
    expect(classifyInterface('vpn0', 65534)).toEqual({ tunnel: true, kind: 'tun', by: 'link-type' });
    expect(classifyInterface('wg0', 65534)).toEqual({ tunnel: true, kind: 'wireguard', by: 'link-type' });
    expect(classifyInterface('link0', 512)).toEqual({ tunnel: true, kind: 'ppp', by: 'link-type' });
    expect(classifyInterface('t1', 768)).toMatchObject({ tunnel: true, kind: 'ipip' });
    expect(classifyInterface('t2', 776)).toMatchObject({ tunnel: true, kind: 'sit' });
    expect(classifyInterface('t3', 778)).toMatchObject({ tunnel: true, kind: 'gre' });
    expect(classifyInterface('t4', 823)).toMatchObject({ tunnel: true, kind: 'ip6gre' });
  });

  it('by name, for tunnels that look like Ethernet (tap, ZeroTier) or whose type is unknown', () => {
    for (const [dev, kind] of [
      ['tap0', 'tap'],
      ['zt5u4y6', 'zerotier'],
      ['tailscale0', 'tailscale'],
      ['ipsec0', 'ipsec'],
      ['vti1', 'vti'],
      ['gre1', 'gre'],
      ['utun3', 'utun'],
      ['ppp0', 'ppp'],
      ['tun1', 'tun'],
      ['wg-corp', 'wireguard'],
    ] as const) {
      expect(classifyInterface(dev, 1), dev).toEqual({ tunnel: true, kind, by: 'name' });
      expect(classifyInterface(dev), dev).toMatchObject({ tunnel: true, kind });
    }
  });

  it('Ethernet, loopback, Wi-Fi and bridges are not tunnels', () => {
    for (const [dev, type] of [
      ['eth0', 1],
      ['lo', 772],
      ['wlp2s0', 1],
      ['br0', 1],
      ['enp0s31f6', 1],
      ['veth1234', 1],
    ] as const) {
      expect(classifyInterface(dev, type), dev).toEqual({ tunnel: false });
    }
  });
});

describe('addressScope', () => {
  it.each([
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['198.18.0.5', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['52.112.1.1', 'public'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fd12:3456::1', 'unique-local'],
    ['fe80::1%eth0', 'link-local'],
    ['2001:db8::5', 'documentation'],
    ['2603:1063::1', 'public'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::34.70.1.1', 'nat64'],
  ])('%s is %s', (address, scope) => {
    expect(addressScope(address)).toBe(scope);
  });

  it('not an address', () => {
    expect(addressScope('example.test')).toBeUndefined();
  });
});

describe('lookupRoute where it cannot ask', () => {
  const path = process.env.PATH;
  const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
  afterEach(() => {
    process.env.PATH = path;
    Object.defineProperty(process, 'platform', platform);
  });

  it('not Linux: not determined, never guessed', async () => {
    Object.defineProperty(process, 'platform', { ...platform, value: 'darwin' });
    expect(await lookupRoute('127.0.0.1')).toEqual({ status: 'not-determined', reason: 'not-linux' });
    expect(await defaultRouteDevs(4)).toBeUndefined();
  });

  it.skipIf(process.platform !== 'linux')('no iproute2 on the PATH', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'sr-noip-'));
    try {
      process.env.PATH = empty;
      expect(await lookupRoute('127.0.0.1')).toEqual({ status: 'not-determined', reason: 'no-ip' });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('not an address', async () => {
    expect(await lookupRoute('example.test')).toMatchObject({ status: 'not-determined', reason: 'failed' });
  });
});
