// A platform catalog's published IP ranges, compiled once, and the range an address falls in.

import {
  cidrContains,
  nat64Embedded,
  parseAddress,
  parseCidr,
  type CatalogRange,
  type Cidr,
  type VendorCategory,
} from '../../src/plugin.js';

export interface RangeMatch {
  /** The catalog range's id. */
  id: string;
  category: VendorCategory;
  /** The block the address is in, as the catalog writes it. */
  cidr: string;
}

export interface RangeSet {
  blocks: Array<{ block: Cidr; id: string; category: VendorCategory }>;
  /** Blocks that are not CIDR text: skipped, and said (a catalog checker refuses them in shipped catalogs). */
  invalid: string[];
}

export function compileRanges(ranges: readonly CatalogRange[]): RangeSet {
  const set: RangeSet = { blocks: [], invalid: [] };
  for (const r of ranges) {
    for (const text of [...(r.ipv4 ?? []), ...(r.ipv6 ?? [])]) {
      const block = parseCidr(text.trim());
      if (block) set.blocks.push({ block, id: r.id, category: r.category });
      else set.invalid.push(text);
    }
  }
  return set;
}

/**
 * The published range an address is in: the most specific block wins, as routing would choose.
 * A NAT64 address (64:ff9b::a.b.c.d, from a DNS64 resolver) counts as the IPv4 address it carries.
 */
export function matchRange(set: RangeSet, address: string): RangeMatch | undefined {
  const parsed = parseAddress(address);
  if (!parsed) return undefined;
  const candidates = [parsed, nat64Embedded(parsed)].filter((a) => a !== undefined);
  let best: RangeSet['blocks'][number] | undefined;
  for (const entry of set.blocks) {
    if (best && entry.block.prefix <= best.block.prefix) continue;
    if (candidates.some((a) => cidrContains(entry.block, a))) best = entry;
  }
  return best ? { id: best.id, category: best.category, cidr: best.block.text } : undefined;
}
