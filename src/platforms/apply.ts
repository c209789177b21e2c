// The catalog as assessments should use it after an update: the vendor's current ranges in place
// of the shipped ones, the feed's version, and the shipped endpoints kept (they carry probe hosts,
// WebSocket URLs and paths a feed does not know), plus the concrete names the feed adds.

import type {
  CatalogEndpoint,
  CatalogRange,
  CatalogRole,
  CatalogSource,
  FeedFormat,
  PlatformCatalog,
  Traced,
  VendorCategory,
} from './types.js';
import { FeedError } from './feeds/errors.js';
import type { FeedHost, FeedSnapshot } from './feeds/snapshot.js';
import { hostMatcher } from './feeds/host-name.js';

/** The catalog's source with a machine-readable feed (of the given format); a FeedError ("no-feed") when it has none. */
export function feedSource(catalog: PlatformCatalog, format?: FeedFormat): CatalogSource & { feed: NonNullable<CatalogSource['feed']> } {
  const source = catalog.sources.find((s) => s.feed && (!format || s.feed.format === format));
  if (!source?.feed)
    throw new FeedError(
      'no-feed',
      format ? `catalog ${catalog.id} has no ${format} feed` : `catalog ${catalog.id} has no machine-readable feed`,
    );
  return source as CatalogSource & { feed: NonNullable<CatalogSource['feed']> };
}

export function applySnapshot(catalog: PlatformCatalog, snapshot: FeedSnapshot): PlatformCatalog {
  if (snapshot.platform !== catalog.id)
    throw new FeedError('mismatch', `the snapshot is of ${snapshot.platform}, not of catalog ${catalog.id}`);
  const source = feedSource(catalog, snapshot.format);
  // A feed that says nothing of a block's category or role (Zoom's files) inherits what the catalog
  // said of its blocks (those read from the feed's source, else all), when that was one thing.
  const traced = (catalog.ranges ?? []).filter((r) => tracedTo(r, source.id));
  const shipped = traced.length > 0 ? traced : (catalog.ranges ?? []);
  const fallbackCategory = only(shipped.map((r) => r.category)) ?? 'default';
  const fallbackRole = only(shipped.map((r) => r.role)) ?? 'other';
  return {
    ...catalog,
    version: snapshot.version,
    sources: catalog.sources.map((s) => (s.id === source.id ? { ...s, read: snapshot.fetchedAt.slice(0, 10) } : s)),
    ranges: snapshotRanges(snapshot, source, fallbackCategory, fallbackRole),
    endpoints: [...catalog.endpoints, ...newEndpoints(catalog, snapshot, source)],
  };
}

function snapshotRanges(snapshot: FeedSnapshot, source: CatalogSource, category: VendorCategory, role: CatalogRole): CatalogRange[] {
  const groups = new Map<
    string,
    { category: VendorCategory; role: CatalogRole; services: Set<string>; v4: Set<string>; v6: Set<string> }
  >();
  for (const r of snapshot.ranges) {
    const c = r.category ?? category;
    const ro = r.role ?? role;
    const key = `${c}-${ro}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { category: c, role: ro, services: new Set(), v4: new Set(), v6: new Set() }));
    if (r.service) g.services.add(r.service);
    (r.cidr.includes(':') ? g.v6 : g.v4).add(r.cidr);
  }
  return [...groups].map(([key, g]) => ({
    id: `${source.id}-${key}`,
    description: `${g.services.size ? `${[...g.services].join(', ')}: ` : ''}${g.category} ${g.role} ranges, feed version ${snapshot.version}`,
    category: g.category,
    role: g.role,
    ...(g.v4.size ? { ipv4: [...g.v4] } : {}),
    ...(g.v6.size ? { ipv6: [...g.v6] } : {}),
    source: source.id,
  }));
}

/**
 * The feed's concrete host names the catalog has no endpoint for, grouped by what the feed says of
 * them. Wildcards name nothing to probe and are left to the diff; a name a catalog wildcard already
 * covers is left out too, since that endpoint probes the family.
 */
function newEndpoints(catalog: PlatformCatalog, snapshot: FeedSnapshot, source: CatalogSource): CatalogEndpoint[] {
  const known = catalog.endpoints.flatMap((e) => [...e.hosts, ...(e.probeHost ? [e.probeHost] : [])].map((h) => h.toLowerCase()));
  const covered = hostMatcher(known);
  const ids = new Set(catalog.endpoints.map((e) => e.id));
  const groups = new Map<string, { sample: FeedHost; hosts: string[] }>();
  for (const h of snapshot.hosts) {
    if (h.host.includes('*') || covered(h.host)) continue;
    const key = JSON.stringify([h.service, h.category, h.role, h.required, h.tcp, h.udp]);
    const g = groups.get(key) ?? groups.set(key, { sample: h, hosts: [] }).get(key)!;
    if (!g.hosts.includes(h.host)) g.hosts.push(h.host);
  }
  let n = 0;
  return [...groups.values()].map(({ sample, hosts }) => {
    let id: string;
    do id = `${source.id}-${slug(sample.service ?? 'feed')}-${++n}`;
    while (ids.has(id));
    ids.add(id);
    return {
      id,
      description: `${sample.service ? `${sample.service}: ` : ''}listed by the feed, version ${snapshot.version}`,
      hosts,
      ...(sample.tcp ? { tcp: sample.tcp } : {}),
      ...(sample.udp ? { udp: sample.udp } : {}),
      category: sample.category ?? 'default',
      role: sample.role ?? 'other',
      // The feed's own word; a feed that says nothing does not make a host a blocker.
      required: sample.required ?? false,
      source: source.id,
    };
  });
}

function tracedTo(entry: Traced, sourceId: string): boolean {
  return Array.isArray(entry.source) ? entry.source.includes(sourceId) : entry.source === sourceId;
}

function only<T>(values: T[]): T | undefined {
  const set = new Set(values);
  return set.size === 1 ? values[0] : undefined;
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'feed'
  );
}
