// What kind of address a DNS answer gave: one a client can reach on the internet, or one from the
// special-purpose registries (IANA IPv4/IPv6 Special-Purpose Address Registries). A public
// service's name that resolves to a private, shared (CGNAT) or loopback address was answered by
// something on the site's side — a split-horizon zone, a filtering resolver, an internal proxy.

import { cidrContains, parseAddress, parseCidr, type Cidr, type ParsedAddress } from './cidr.js';

export type AddressScope =
  | 'public'
  /** RFC 1918 (IPv4). */
  | 'private'
  /** RFC 6598 shared address space, 100.64.0.0/10: carrier-grade NAT. */
  | 'cgnat'
  | 'loopback'
  | 'link-local'
  /** RFC 4193 fc00::/7: IPv6's private addresses. */
  | 'unique-local'
  /** 0.0.0.0/8, ::/128: what sinkholing resolvers answer for a blocked name. */
  | 'unspecified'
  /** RFC 5737 / RFC 3849 documentation ranges (TEST-NET). */
  | 'documentation'
  /** RFC 2544 198.18.0.0/15: benchmarking; also what some transparent proxies hand out ("fake IP"). */
  | 'benchmarking'
  | 'multicast'
  /** Everything else a public network does not route: 240.0.0.0/4, 192.0.0.0/24, the broadcast address. */
  | 'reserved'
  /** RFC 6052 64:ff9b::/96: a DNS64 answer, an IPv4 address translated by NAT64. */
  | 'nat64';

const TABLE: Array<[string, AddressScope]> = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'cgnat'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b::/96', 'nat64'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['2001:db8::/32', 'documentation'],
  ['ff00::/8', 'multicast'],
];

const BLOCKS: Array<[Cidr, AddressScope]> = TABLE.map(([text, scope]) => [parseCidr(text)!, scope]);
const V4_MAPPED = parseCidr('::ffff:0:0/96')!;
const NAT64 = parseCidr('64:ff9b::/96')!;

/** The scope of an address, or undefined when the text is not an address. IPv4-mapped IPv6 addresses count as their IPv4 address. */
export function addressScope(text: string): AddressScope | undefined {
  const addr = parseAddress(text);
  if (!addr) return undefined;
  return scopeOf(addr);
}

export function scopeOf(address: ParsedAddress): AddressScope {
  const addr = cidrContains(V4_MAPPED, address) ? { family: 4 as const, value: address.value & 0xffffffffn } : address;
  // The longest prefix decides (a /128 inside a shorter block), as routing would.
  let best: [Cidr, AddressScope] | undefined;
  for (const entry of BLOCKS) if (cidrContains(entry[0], addr) && (!best || entry[0].prefix > best[0].prefix)) best = entry;
  return best?.[1] ?? 'public';
}

/** The IPv4 address a NAT64 (64:ff9b::/96) address carries, for matching it against IPv4 ranges. */
export function nat64Embedded(address: ParsedAddress): ParsedAddress | undefined {
  if (address.family !== 6 || !cidrContains(NAT64, address)) return undefined;
  return { family: 4, value: address.value & 0xffffffffn };
}

/** Scopes a public service's name never resolves to on the internet: someone on the site's side answered. */
export function isNonPublicScope(scope: AddressScope): boolean {
  return scope !== 'public' && scope !== 'nat64';
}
