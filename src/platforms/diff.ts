// What an update changes: blocks and hosts the new snapshot adds or drops, compared with the
// catalog as shipped or with the previous snapshot, and the version it moves from and to.

import type { PlatformCatalog } from './types.js';
import { normalizeCidr } from './feeds/cidr.js';
import type { FeedSnapshot } from './feeds/snapshot.js';

export interface FeedDiff {
  platform: string;
  version: { from: string; to: string };
  /** Normalised CIDRs, sorted. */
  ranges: { added: string[]; removed: string[] };
  /** Lower-case host names, sorted. */
  hosts: {
    added: string[];
    removed: string[];
    /** The added hosts that are wildcards: worth an allow-list entry, but nothing to probe. */
    notProbed: string[];
  };
}

export function diffSnapshot(previous: PlatformCatalog | FeedSnapshot, next: FeedSnapshot): FeedDiff {
  const before = isSnapshot(previous) ? snapshotSets(previous) : catalogSets(previous);
  const after = snapshotSets(next);
  const addedHosts = minus(after.hosts, before.hosts);
  return {
    platform: next.platform,
    version: { from: previous.version, to: next.version },
    ranges: { added: minus(after.ranges, before.ranges), removed: minus(before.ranges, after.ranges) },
    hosts: { added: addedHosts, removed: minus(before.hosts, after.hosts), notProbed: addedHosts.filter((h) => h.includes('*')) },
  };
}

/** Nothing to apply: no block or host added or removed, and the same version. */
export function isEmptyDiff(diff: FeedDiff): boolean {
  return (
    diff.version.from === diff.version.to &&
    diff.ranges.added.length === 0 &&
    diff.ranges.removed.length === 0 &&
    diff.hosts.added.length === 0 &&
    diff.hosts.removed.length === 0
  );
}

function isSnapshot(v: PlatformCatalog | FeedSnapshot): v is FeedSnapshot {
  return 'sha256' in v && Array.isArray((v as FeedSnapshot).ranges) && 'platform' in v;
}

function snapshotSets(s: FeedSnapshot): { ranges: Set<string>; hosts: Set<string> } {
  return { ranges: new Set(s.ranges.map((r) => r.cidr)), hosts: new Set(s.hosts.map((h) => h.host.toLowerCase())) };
}

function catalogSets(c: PlatformCatalog): { ranges: Set<string>; hosts: Set<string> } {
  const ranges = new Set<string>();
  for (const r of c.ranges ?? []) {
    for (const text of [...(r.ipv4 ?? []), ...(r.ipv6 ?? [])]) {
      // A hand-written catalog may write a block in a non-canonical way; it is still the same block.
      ranges.add(normalizeCidr(text)?.cidr ?? text);
    }
  }
  const hosts = new Set(c.endpoints.flatMap((e) => e.hosts.map((h) => h.toLowerCase().replace(/\.$/, ''))));
  return { ranges, hosts };
}

function minus(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((x) => !b.has(x)).sort();
}
