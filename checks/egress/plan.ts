// The egress check as planning sees it: what it is, its options, which platform catalog hosts it takes.
// Its measuring and judging code (index.ts) loads only when a run has work for it.

import { defineCheckPlanning, type Endpoint, type PlatformCatalog, type Target, type VendorCategory } from '../../src/plugin-api.js';

export interface Options {
  routeTimeoutMs: number;
}

/** Where an expanded platform endpoint came from (the site's `platform.preset`), as the check reads it. */
export interface CatalogRef {
  platform: string;
  entry: string;
  category: VendorCategory;
  role: string;
  required: boolean;
}

export const CATEGORIES = ['optimize', 'allow', 'default'] as const;

export default defineCheckPlanning<Options>({
  meta: {
    id: 'egress',
    title: "Platform traffic goes where the vendor's ranges say",
    failureTitle: "Platform traffic does not go where the vendor's ranges say",
    description:
      "For every endpoint a platform catalog (`platform.preset`) adds: resolves the host with the site's resolver and, for each address, " +
      'says whether it is inside the IP ranges the vendor publishes (which range, which category), whether it is a private, shared (CGNAT), ' +
      'loopback or link-local address, and on Linux the route the kernel would send it by (`ip route get`: interface, gateway, source ' +
      'address; nothing is sent) — with the interface classified as a tunnel from its link type and name. An address outside every range ' +
      'is a finding whose severity follows the vendor category (Optimize high, Allow medium, Default low) and whose message names the ' +
      'likely cause: rewritten DNS, a proxy that connects for the client, or a stale catalog / CDN. Optimize traffic that leaves by a VPN ' +
      "tunnel is a high finding: Microsoft's guidance is to split-tunnel the Optimize ranges. Where the route cannot be asked (not Linux, " +
      'no iproute2) the facts say so and the score is not lowered.',
    category: 'network',
    severity: 'high',
    weight: 1,
    timeoutMs: 8000,
    fixKind: 'configuration',
    references: [
      {
        title: 'Microsoft 365 network connectivity principles',
        url: 'https://learn.microsoft.com/microsoft-365/enterprise/microsoft-365-network-connectivity-principles',
        clause: 'Optimize / Allow / Default categories; resolve DNS near the user; bypass proxies for Optimize',
      },
      {
        title: 'Implementing VPN split tunnelling for Microsoft 365',
        url: 'https://learn.microsoft.com/microsoft-365/enterprise/microsoft-365-vpn-implement-split-tunnel',
      },
      { title: 'RFC 1918 — Address Allocation for Private Internets' },
      { title: 'RFC 6598 — IANA-Reserved IPv4 Prefix for Shared Address Space', clause: '100.64.0.0/10' },
      { title: 'RFC 6890 — Special-Purpose IP Address Registries' },
      { title: 'RFC 6052 — IPv6 Addressing of IPv4/IPv6 Translators', clause: '64:ff9b::/96' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        routeTimeoutMs: {
          type: 'integer',
          minimum: 100,
          maximum: 10000,
          description: 'Deadline of each route lookup (`ip route get`), ms.',
        },
        timeoutMs: { type: 'integer', minimum: 100, description: "Deadline of each task, ms (over the check's default)." },
      },
    },
    defaults: { routeTimeoutMs: 2000 },
  },
  targets(site) {
    const catalogs = site.platform.catalogs ?? [];
    const groups = new Map<string, Array<{ ep: Endpoint; ref: CatalogRef }>>();
    for (const ep of site.platform.endpoints) {
      const ref = catalogRef(ep);
      if (!ref) continue;
      const ranges = catalogOf(catalogs, ref.platform)?.ranges?.length ?? 0;
      if (ranges === 0 && ref.category !== 'optimize') continue;
      // One task per host: the endpoints of a catalog entry (https, its WebSocket, a relay's ports) share it.
      const key = `${ref.platform}\n${ep.host.toLowerCase()}`;
      groups.set(key, [...(groups.get(key) ?? []), { ep, ref }]);
    }
    return [...groups.values()].map((group): Target => {
      // The strongest category on the host decides how much an address outside the ranges matters.
      const lead = [...group].sort((a, b) => CATEGORIES.indexOf(a.ref.category) - CATEGORIES.indexOf(b.ref.category))[0]!;
      const names = [lead.ep.name, ...group.filter((g) => g !== lead).map((g) => g.ep.name)];
      return {
        id: lead.ep.name,
        endpoint: lead.ep,
        // No severity override from the endpoint: here the vendor category decides how much it matters.
        location: lead.ep.location,
        data: { endpoints: names, catalog: lead.ref },
      };
    });
  },
});

/** The catalog origin an expanded platform endpoint carries, when it is well formed. */
export function catalogRef(ep: Endpoint): CatalogRef | undefined {
  const c = ep.extra.catalog as Partial<CatalogRef> | undefined;
  if (!c || typeof c !== 'object' || typeof c.platform !== 'string' || typeof c.entry !== 'string') return undefined;
  if (!CATEGORIES.includes(c.category as VendorCategory)) return undefined;
  return {
    platform: c.platform,
    entry: c.entry,
    category: c.category!,
    role: typeof c.role === 'string' ? c.role : 'other',
    required: c.required !== false,
  };
}

export function catalogOf(catalogs: readonly PlatformCatalog[], id: string): PlatformCatalog | undefined {
  return catalogs.find((c) => c.id === id);
}
