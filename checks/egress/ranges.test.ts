// The published-range matcher, and the rule that this check, like tcp, uses the public plugin API only.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CatalogRange } from '../../src/plugin.js';
import { compileRanges, matchRange } from './ranges.js';

const RANGES: CatalogRange[] = [
  {
    id: 'media',
    category: 'optimize',
    role: 'media',
    ipv4: ['52.112.0.0/14', '52.122.0.0/15'],
    ipv6: ['2603:1063::/38'],
    source: 'ms',
  },
  { id: 'media-edge', category: 'optimize', role: 'media', ipv4: ['52.112.10.0/24'], source: 'ms' },
  { id: 'web', category: 'allow', role: 'web', ipv4: ['13.107.64.0/18'], ipv6: ['2620:1ec:42::/48'], source: 'ms' },
  { id: 'broken', category: 'default', role: 'other', ipv4: ['not-a-cidr', '300.1.1.0/24', '10.0.0.0/33'], source: 'ms' },
];

describe('published ranges', () => {
  const set = compileRanges(RANGES);

  it('keeps the valid blocks and names the others', () => {
    expect(set.blocks).toHaveLength(6);
    expect(set.invalid).toEqual(['not-a-cidr', '300.1.1.0/24', '10.0.0.0/33']);
  });

  it('IPv4 and IPv6 addresses inside a range, with its id and category', () => {
    expect(matchRange(set, '52.113.255.255')).toEqual({ id: 'media', category: 'optimize', cidr: '52.112.0.0/14' });
    expect(matchRange(set, '52.123.0.1')).toEqual({ id: 'media', category: 'optimize', cidr: '52.122.0.0/15' });
    expect(matchRange(set, '13.107.64.1')).toEqual({ id: 'web', category: 'allow', cidr: '13.107.64.0/18' });
    expect(matchRange(set, '2603:1063:0:1::5')).toEqual({ id: 'media', category: 'optimize', cidr: '2603:1063::/38' });
    expect(matchRange(set, '2620:1ec:42::132')).toMatchObject({ id: 'web' });
  });

  it('the edges of a block', () => {
    expect(matchRange(set, '52.112.0.0')).toMatchObject({ id: 'media' });
    expect(matchRange(set, '52.111.255.255')).toBeUndefined();
    expect(matchRange(set, '52.116.0.0')).toBeUndefined();
    expect(matchRange(set, '2603:1063:400::')).toBeUndefined(); // first address after the /38
  });

  it('the most specific block wins', () => {
    expect(matchRange(set, '52.112.10.7')).toEqual({ id: 'media-edge', category: 'optimize', cidr: '52.112.10.0/24' });
  });

  it('IPv4-mapped and NAT64 addresses count as the IPv4 address they carry', () => {
    expect(matchRange(set, '::ffff:52.112.1.1')).toMatchObject({ id: 'media' });
    expect(matchRange(set, '64:ff9b::52.112.1.1')).toMatchObject({ id: 'media' });
    expect(matchRange(set, '64:ff9b::8.8.8.8')).toBeUndefined();
  });

  it('outside every range, or not an address', () => {
    expect(matchRange(set, '8.8.8.8')).toBeUndefined();
    expect(matchRange(set, '10.0.0.1')).toBeUndefined();
    expect(matchRange(set, '2001:db8::1')).toBeUndefined();
    expect(matchRange(set, 'media.example.test')).toBeUndefined();
    expect(matchRange(compileRanges([]), '52.112.1.1')).toBeUndefined();
  });
});

describe('the egress check uses the plugin API only', () => {
  // plugin-api.js is the contract half of siteready/plugin (plugin.ts re-exports all of it): plan.ts takes
  // only that, so planning stays light.
  it('imports only siteready/plugin, Node and its own files', () => {
    const dir = fileURLToPath(new URL('.', import.meta.url));
    const outside = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .flatMap((f) => {
        const text = readFileSync(join(dir, f), 'utf8');
        const specs = [...text.matchAll(/(?:import|export)\s[^'"`;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map(
          (m) => m[1] ?? m[2]!,
        );
        return specs
          .filter(
            (s) => !s.startsWith('node:') && s !== '../../src/plugin.js' && s !== '../../src/plugin-api.js' && !/^\.\/[\w-]+\.js$/.test(s),
          )
          .map((s) => `${f}: ${s}`);
      });
    expect(outside).toEqual([]);
  });
});
