// A catalog in brief, for listings and reports: counts, sources with dates, and every entry that
// could not be confirmed (a reader must see those without opening the YAML).

import type { CatalogSource, PlatformCatalog, Traced } from './types.js';

export interface UnconfirmedEntry {
  /** e.g. "endpoints/teams-websocket", "targets". */
  entry: string;
  why: string;
}

export interface CatalogSummary {
  id: string;
  name: string;
  vendor: string;
  kind: PlatformCatalog['kind'];
  version: string;
  instance?: string;
  endpoints: number;
  ranges: number;
  relays: number;
  sources: CatalogSource[];
  unconfirmed: UnconfirmedEntry[];
}

export function unconfirmedEntries(c: PlatformCatalog): UnconfirmedEntry[] {
  const out: UnconfirmedEntry[] = [];
  const add = (section: string, entries: Array<Traced & { id?: string; stream?: string; media?: string }> | undefined) => {
    for (const e of entries ?? [])
      if (e.unconfirmed) out.push({ entry: `${section}/${e.id ?? e.stream ?? e.media ?? ''}`, why: e.unconfirmed });
  };
  add('endpoints', c.endpoints);
  add('ranges', c.ranges);
  add('relays', c.relays);
  if (c.targets?.unconfirmed) out.push({ entry: 'targets', why: c.targets.unconfirmed });
  add('bandwidth', c.bandwidth);
  add('qos', c.qos);
  return out;
}

export function summarizeCatalog(c: PlatformCatalog): CatalogSummary {
  return {
    id: c.id,
    name: c.name,
    vendor: c.vendor,
    kind: c.kind,
    version: c.version,
    ...(c.instance ? { instance: c.instance } : {}),
    endpoints: c.endpoints.length,
    ranges: (c.ranges ?? []).reduce((n, r) => n + (r.ipv4?.length ?? 0) + (r.ipv6?.length ?? 0), 0),
    relays: c.relays?.length ?? 0,
    sources: c.sources,
    unconfirmed: unconfirmedEntries(c),
  };
}
