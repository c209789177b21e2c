// The shipped catalogs: every platform the product promises, each valid against the schema and
// its consistency rules, every entry traced to a dated public source; and the consistency rules
// themselves catch what they are for.

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCatalog, cidrProblem } from '../../src/platforms/check.js';
import { unconfirmedEntries } from '../../src/platforms/summary.js';
import type { PlatformCatalog } from '../../src/platforms/types.js';
import { catalogProblems, readShippedCatalog, shippedCatalogDir, shippedCatalogIds } from '../../src/site/catalogs.js';

const REQUIRED = [
  'microsoft-teams',
  'microsoft-teams-china',
  'zoom',
  'webex',
  'google-meet',
  'slack',
  'dingtalk',
  'feishu',
  'lark',
  'wecom',
  'matrix',
  'mattermost',
  'rocketchat',
  'jitsi',
];

describe('shipped platform catalogs', () => {
  it('include every platform the product promises', () => {
    expect(shippedCatalogIds()).toEqual(expect.arrayContaining(REQUIRED));
  });

  for (const id of shippedCatalogIds()) {
    describe(id, () => {
      const raw = parse(readFileSync(join(shippedCatalogDir(), `${id}.yaml`), 'utf8')) as PlatformCatalog;

      it('is valid: schema and consistency', () => {
        expect(catalogProblems(raw)).toEqual([]);
        expect(raw.id).toBe(id);
      });

      it('traces every source to a URL and the date it was read', () => {
        for (const s of raw.sources) {
          expect(s.url).toMatch(/^https?:\/\//);
          expect(new Date(`${s.read}T00:00:00Z`).getTime()).toBeLessThanOrEqual(Date.now());
        }
      });

      it('self-hosted templates take their hosts from parameters; cloud catalogs name real hosts', () => {
        const hosts = [...raw.endpoints.flatMap((e) => e.hosts), ...(raw.relays ?? []).map((r) => r.host)];
        if (raw.kind === 'self-hosted') {
          expect(raw.parameters?.map((p) => p.name)).toContain('domain');
          expect(hosts.every((h) => h.includes('{domain}'))).toBe(true);
        } else {
          expect(hosts.some((h) => h.includes('{'))).toBe(false);
        }
      });

      it('says "unconfirmed" with a reason, never an empty one', () => {
        for (const u of unconfirmedEntries(raw)) expect(u.why.trim().length).toBeGreaterThan(10);
      });
    });
  }

  it('the Microsoft catalogs read the endpoints web service, Zoom its range file', () => {
    const feeds = (id: string) => readShippedCatalog(id).sources.flatMap((s) => (s.feed ? [s.feed.format] : []));
    expect(feeds('microsoft-teams')).toContain('microsoft-endpoints');
    expect(feeds('microsoft-teams-china')).toContain('microsoft-endpoints');
    expect(feeds('zoom')).toContain('zoom-ranges');
  });

  it('Teams: the media range is Optimize, the relay answers STUN on UDP 3478, the targets are Microsoft’s', () => {
    const teams = readShippedCatalog('microsoft-teams');
    const media = teams.ranges!.find((r) => r.role === 'media' && r.category === 'optimize')!;
    expect(media.ipv4).toEqual(expect.arrayContaining(['52.112.0.0/14', '52.122.0.0/15']));
    expect(teams.relays![0]!.transports).toContainEqual({ protocol: 'udp', port: 3478 });
    expect(teams.targets).toMatchObject({ rttMs: 100, jitterMs: 30, lossPercent: 1 });
  });
});

describe('catalog consistency rules', () => {
  const base = (): PlatformCatalog => ({
    id: 'x',
    name: 'X',
    vendor: 'V',
    kind: 'saas',
    version: '2026-12-07',
    description: 'test',
    sources: [{ id: 'doc', title: 'Doc', url: 'https://example.com/', read: '2026-12-07' }],
    endpoints: [{ id: 'web', hosts: ['web.example.com'], tcp: [443], category: 'default', role: 'web', required: true, source: 'doc' }],
  });

  it('accept a clean catalog', () => {
    expect(checkCatalog(base())).toEqual([]);
  });

  it('name a source that does not exist', () => {
    const c = base();
    c.endpoints[0]!.source = 'nope';
    expect(checkCatalog(c)).toEqual([{ path: '/endpoints/0/source', message: expect.stringContaining('"nope"') }]);
  });

  it('want a concrete probe host beside wildcards', () => {
    const c = base();
    c.endpoints[0]!.hosts = ['*.example.com'];
    expect(checkCatalog(c)[0]!.message).toMatch(/probeHost/);
  });

  it('refuse placeholders outside self-hosted templates, and undeclared ones inside', () => {
    const c = base();
    c.endpoints[0]!.hosts = ['{domain}'];
    expect(checkCatalog(c)[0]!.message).toMatch(/self-hosted/);
    c.kind = 'self-hosted';
    expect(checkCatalog(c)[0]!.message).toMatch(/not one of the catalog's parameters/);
    c.parameters = [{ name: 'domain', description: 'd' }];
    expect(checkCatalog(c)).toEqual([]);
  });

  it('find duplicate ids, backwards port ranges and CIDRs with host bits', () => {
    const c = base();
    c.endpoints.push({ ...c.endpoints[0]!, udp: ['4000-3000'] });
    c.ranges = [{ id: 'r', category: 'optimize', role: 'media', ipv4: ['10.0.0.1/8'], ipv6: ['10.0.0.0/8'], source: 'doc' }];
    const messages = checkCatalog(c).map((p) => `${p.path} ${p.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^\/endpoints\/1\/id .*used twice/),
      expect.stringMatching(/^\/endpoints\/1\/udp\/0 .*4000-3000/),
      expect.stringMatching(/^\/ranges\/0\/ipv4\/0 .*host bits/),
      expect.stringMatching(/^\/ranges\/0\/ipv6\/0 .*not IPv6/),
    ]);
  });

  it('cidrProblem: network addresses pass, the rest say why', () => {
    expect(cidrProblem('52.112.0.0/14')).toBeUndefined();
    expect(cidrProblem('2603:1063::/38')).toBeUndefined();
    expect(cidrProblem('52.112.0.1/14')).toMatch(/host bits/);
    expect(cidrProblem('52.112.0.0/33')).toMatch(/not an address/);
    expect(cidrProblem('52.112.0.0')).toMatch(/no \/prefix/);
    expect(cidrProblem('teams/14')).toMatch(/not an address/);
  });

  it('the schema refuses a catalog with unknown fields or a bad category', () => {
    const c = base() as unknown as Record<string, unknown>;
    (c.endpoints as Array<Record<string, unknown>>)[0]!.category = 'Optimize';
    c.extra = 1;
    expect(catalogProblems(c).length).toBeGreaterThanOrEqual(2);
  });
});
