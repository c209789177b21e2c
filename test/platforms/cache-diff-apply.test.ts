// The cache folder and its files, the diff between what was and what is, and the catalog an
// assessment uses once a snapshot is applied.

import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCacheDir, readSnapshot, snapshotPath, writeSnapshot } from '../../src/platforms/cache.js';
import { diffSnapshot, isEmptyDiff } from '../../src/platforms/diff.js';
import { applySnapshot, catalogWithCachedSnapshot } from '../../src/platforms/update.js';
import { parseMicrosoftEndpoints } from '../../src/platforms/feeds/microsoft.js';
import { SNAPSHOT_SCHEMA, type FeedSnapshot } from '../../src/platforms/feeds/snapshot.js';
import type { PlatformCatalog } from '../../src/platforms/types.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/feeds/${name}`, import.meta.url));

function snapshot(version: string, file: string): FeedSnapshot {
  const parsed = parseMicrosoftEndpoints(fixture(file));
  return {
    schema: SNAPSHOT_SCHEMA,
    platform: 'teams',
    format: 'microsoft-endpoints',
    version,
    instance: 'Worldwide',
    fetchedAt: '2025-11-03T10:00:00.000Z',
    checkedAt: '2025-11-03T10:00:00.000Z',
    sourceUrl: 'https://endpoints.office.com/endpoints/Worldwide',
    requestedUrl: 'https://endpoints.office.com/endpoints/Worldwide',
    sha256: 'a'.repeat(64),
    ...parsed,
  };
}

const catalog: PlatformCatalog = {
  id: 'teams',
  name: 'Microsoft Teams',
  vendor: 'Microsoft',
  kind: 'saas',
  version: '2025-10-01',
  description: 'Teams',
  sources: [
    { id: 'doc', title: 'URLs and IP ranges', url: 'https://learn.microsoft.com/x', read: '2025-10-01' },
    {
      id: 'm365-ws',
      title: 'web service',
      url: 'https://learn.microsoft.com/y',
      read: '2025-10-01',
      feed: { format: 'microsoft-endpoints', url: 'https://endpoints.office.com/endpoints/Worldwide' },
    },
  ],
  endpoints: [
    {
      id: 'signalling',
      hosts: ['*.teams.microsoft.com', 'teams.microsoft.com', 'worldaz.tr.teams.microsoft.com'],
      probeHost: 'teams.microsoft.com',
      tcp: [443],
      category: 'allow',
      role: 'signalling',
      required: true,
      source: ['doc', 'm365-ws'],
    },
    { id: 'login', hosts: ['login.microsoftonline.com'], tcp: [443], category: 'allow', role: 'sso', required: true, source: 'doc' },
  ],
  ranges: [
    {
      id: 'media',
      category: 'optimize',
      role: 'media',
      ipv4: ['13.107.64.0/18', '52.112.0.0/14'],
      ipv6: ['2603:1063:0::/38'],
      source: 'doc',
    },
  ],
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sr-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cache location', () => {
  it('SITEREADY_CACHE_DIR, else an absolute XDG_CACHE_HOME, else ~/.cache', () => {
    expect(defaultCacheDir({ SITEREADY_CACHE_DIR: '/srv/c', XDG_CACHE_HOME: '/x' })).toBe('/srv/c');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).toBe(join('/x', 'siteready'));
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'relative' })).toBe(join(homedir(), '.cache', 'siteready'));
    expect(defaultCacheDir({})).toBe(join(homedir(), '.cache', 'siteready'));
    expect(snapshotPath('teams', '/c')).toBe(join('/c', 'platforms', 'teams.json'));
    expect(() => snapshotPath('../etc/passwd', '/c')).toThrow(expect.objectContaining({ kind: 'invalid-id' }));
  });
});

describe('cache files', () => {
  it('round-trips a snapshot and leaves no temporary file', async () => {
    const s = snapshot('2025110300', 'microsoft-endpoints-2025110300.json');
    const path = await writeSnapshot(s, dir);
    expect(await readSnapshot('teams', dir)).toEqual({ path, snapshot: s });
    await writeSnapshot({ ...s, version: '2025120100' }, dir);
    expect((await readSnapshot('teams', dir)).snapshot?.version).toBe('2025120100');
    expect(await readdir(join(dir, 'platforms'))).toEqual(['teams.json']);
  });

  it('no file: nothing, no warning', async () => {
    expect(await readSnapshot('teams', dir)).toEqual({ path: snapshotPath('teams', dir) });
  });

  it.each([
    ['truncated JSON', '{"schema":1,"platform":"te'],
    ['another schema', JSON.stringify({ schema: 99 })],
    ['another platform', 'OTHER'],
    ['a range not normalised', 'RANGE'],
    ['an array', '[]'],
    ['binary', '\u0000\u0001\u0002'],
  ])('a corrupt file is ignored with a warning: %s', async (_name, content) => {
    const s = snapshot('2025110300', 'microsoft-endpoints-2025110300.json');
    let text = content;
    if (content === 'OTHER') text = JSON.stringify({ ...s, platform: 'zoom' });
    if (content === 'RANGE') text = JSON.stringify({ ...s, ranges: [{ cidr: '52.113.0.0/14' }] });
    await mkdir(join(dir, 'platforms'), { recursive: true });
    await writeFile(join(dir, 'platforms', 'teams.json'), text);
    const r = await readSnapshot('teams', dir);
    expect(r.snapshot).toBeUndefined();
    expect(r.warning).toMatch(/ignored/);
  });

  it('a folder where the file should be', async () => {
    await mkdir(join(dir, 'platforms', 'teams.json'), { recursive: true });
    expect((await readSnapshot('teams', dir)).warning).toMatch(/not a file/);
  });

  it('the catalog with its cached snapshot, or as shipped', async () => {
    expect((await catalogWithCachedSnapshot(catalog, dir)).catalog).toBe(catalog);
    await writeSnapshot(snapshot('2025110300', 'microsoft-endpoints-2025110300.json'), dir);
    const r = await catalogWithCachedSnapshot(catalog, dir);
    expect(r.catalog.version).toBe('2025110300');
    expect(r.snapshot?.version).toBe('2025110300');
  });
});

describe('diff', () => {
  it('against the catalog as shipped: blocks compared in canonical form', () => {
    const d = diffSnapshot(catalog, snapshot('2025110300', 'microsoft-endpoints-2025110300.json'));
    expect(d.version).toEqual({ from: '2025-10-01', to: '2025110300' });
    expect(d.ranges.removed).toEqual([]);
    expect(d.ranges.added).not.toContain('2603:1063::/38');
    expect(d.ranges.added).toContain('52.122.0.0/15');
    expect(d.hosts.removed).toEqual(['worldaz.tr.teams.microsoft.com']);
    expect(d.hosts.added).toContain('*.lync.com');
    expect(d.hosts.notProbed).toContain('*.lync.com');
    expect(d.hosts.notProbed.every((h) => h.includes('*'))).toBe(true);
    expect(isEmptyDiff(d)).toBe(false);
  });

  it('between snapshots', () => {
    const a = snapshot('2025110300', 'microsoft-endpoints-2025110300.json');
    const b = snapshot('2025120100', 'microsoft-endpoints-2025120100.json');
    expect(diffSnapshot(a, b)).toEqual({
      platform: 'teams',
      version: { from: '2025110300', to: '2025120100' },
      ranges: { added: ['52.123.0.0/16'], removed: ['13.107.64.0/18'] },
      hosts: { added: ['statics.teams.cdn.office.net'], removed: [], notProbed: [] },
    });
    expect(isEmptyDiff(diffSnapshot(b, b))).toBe(true);
  });
});

describe('applySnapshot', () => {
  const s = snapshot('2025120100', 'microsoft-endpoints-2025120100.json');
  const applied = applySnapshot(catalog, s);

  it('replaces the ranges, grouped by category and role, traced to the feed', () => {
    expect(applied.version).toBe('2025120100');
    expect(applied.ranges!.map((r) => r.id).sort()).toEqual(['m365-ws-allow-other', 'm365-ws-allow-signalling', 'm365-ws-optimize-media']);
    for (const r of applied.ranges!) {
      expect(r.source).toBe('m365-ws');
      expect(r.unconfirmed).toBeUndefined();
    }
    expect(applied.ranges!.find((r) => r.id === 'm365-ws-optimize-media')).toMatchObject({
      ipv4: ['52.112.0.0/14', '52.122.0.0/15', '52.123.0.0/16'],
      ipv6: ['2603:1063::/38'],
    });
    expect(applied.sources.find((x) => x.id === 'm365-ws')!.read).toBe('2025-11-03');
    expect(applied.sources.find((x) => x.id === 'doc')!.read).toBe('2025-10-01');
  });

  it('keeps the endpoints and adds only the concrete names the catalog lacks', () => {
    expect(applied.endpoints.slice(0, 2)).toEqual(catalog.endpoints);
    const added = applied.endpoints.slice(2);
    const hosts = added.flatMap((e) => e.hosts);
    expect(hosts).toContain('statics.teams.cdn.office.net');
    expect(hosts).toContain('graph.microsoft.com');
    expect(hosts).toContain('mlccdn.blob.core.windows.net');
    expect(hosts.some((h) => h.includes('*'))).toBe(false);
    // Already in the catalog, or covered by its *.teams.microsoft.com.
    expect(hosts).not.toContain('teams.microsoft.com');
    expect(hosts).not.toContain('login.microsoftonline.com');
    const statics = added.find((e) => e.hosts.includes('statics.teams.cdn.office.net'))!;
    expect(statics).toMatchObject({ category: 'allow', role: 'signalling', required: true, tcp: [443, 80], source: 'm365-ws' });
    expect(new Set(applied.endpoints.map((e) => e.id)).size).toBe(applied.endpoints.length);
  });

  it('refuses a snapshot of another platform, and a catalog without that feed', () => {
    expect(() => applySnapshot({ ...catalog, id: 'zoom' }, s)).toThrow(expect.objectContaining({ kind: 'mismatch' }));
    expect(() => applySnapshot({ ...catalog, sources: [catalog.sources[0]!] }, s)).toThrow(expect.objectContaining({ kind: 'no-feed' }));
  });
});
