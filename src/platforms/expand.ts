// A catalog → what a site file would have said: endpoints in the site file's own shape (so they
// go through the same normalisation and checks), the vendor's network targets as thresholds, and
// what the catalog lists that no check can test from here (said, not silently dropped).

import type { CatalogEndpoint, CatalogRelay, PlatformCatalog, VendorCategory } from './types.js';

/** Where an expanded endpoint came from; kept on the endpoint (`extra.catalog`) for checks and reports. */
export interface EndpointOrigin {
  platform: string;
  version: string;
  /** The catalog entry's id (an endpoint's or a relay's). */
  entry: string;
  kind: 'endpoint' | 'relay';
  category: VendorCategory;
  role: string;
  required: boolean;
  /** The vendor's host names for this entry (wildcards included). */
  hosts: string[];
  unconfirmed?: string;
}

export interface ExpandedEndpoint {
  /** An endpoint as a site file writes it (name, url or host/port, role, ...). */
  raw: Record<string, unknown>;
  origin: EndpointOrigin;
}

export interface Untested {
  entry: string;
  /** e.g. "udp 3479-3481": ports no check can reach without a server of the vendor's answering there. */
  what: string;
}

export interface ExpandedPlatform {
  catalog: PlatformCatalog;
  endpoints: ExpandedEndpoint[];
  /** Site thresholds (`<check>.<name>`) the catalog's targets set. */
  thresholds: Record<string, number>;
  untested: Untested[];
}

const PLACEHOLDER = /\{([A-Za-z0-9]+)\}/g;

/** The catalog with `{name}` placeholders filled; `missing` names parameters the site did not give. */
export function fillParameters(catalog: PlatformCatalog, values: Record<string, string>): { catalog: PlatformCatalog; missing: string[] } {
  const missing = new Set<string>();
  const fill = (text: string) =>
    text.replace(PLACEHOLDER, (whole, name: string) => {
      const v = values[name];
      if (v === undefined) {
        missing.add(name);
        return whole;
      }
      return v;
    });
  if (!catalog.parameters?.length) return { catalog, missing: [] };
  const filled: PlatformCatalog = {
    ...catalog,
    endpoints: catalog.endpoints.map((e) => ({
      ...e,
      hosts: e.hosts.map(fill),
      ...(e.probeHost ? { probeHost: fill(e.probeHost) } : {}),
      ...(e.websocket ? { websocket: fill(e.websocket) } : {}),
    })),
    ...(catalog.relays ? { relays: catalog.relays.map((r) => ({ ...r, host: fill(r.host) })) } : {}),
  };
  return { catalog: filled, missing: [...missing] };
}

/** The concrete name probed for an endpoint: its probe host, else its first name that is no wildcard. */
export function probeHostOf(e: CatalogEndpoint): string {
  return e.probeHost ?? e.hosts.find((h) => !h.startsWith('*.'))!;
}

function portText(p: number | string): string {
  return String(p);
}

function origin(catalog: PlatformCatalog, entry: CatalogEndpoint | CatalogRelay, kind: EndpointOrigin['kind']): EndpointOrigin {
  const ep = kind === 'endpoint' ? (entry as CatalogEndpoint) : undefined;
  return {
    platform: catalog.id,
    version: catalog.version,
    entry: entry.id,
    kind,
    category: ep?.category ?? 'optimize',
    role: ep?.role ?? 'media',
    required: ep?.required ?? true,
    hosts: ep ? ep.hosts : [(entry as CatalogRelay).host],
    ...(entry.unconfirmed ? { unconfirmed: entry.unconfirmed } : {}),
  };
}

function endpointsOf(catalog: PlatformCatalog, e: CatalogEndpoint, untested: Untested[]): ExpandedEndpoint[] {
  const host = probeHostOf(e);
  const name = `${catalog.id}/${e.id}`;
  const from = origin(catalog, e, 'endpoint');
  // An optional endpoint that fails is worth knowing, not a blocker.
  const severity = e.required ? {} : { severity: 'low' };
  const out: ExpandedEndpoint[] = [];
  const tcp = e.tcp ?? [];
  const others = tcp.filter((p) => p !== 443);
  if (tcp.includes(443)) {
    out.push({
      raw: { name, role: e.role, url: `https://${host}${e.path ?? '/'}`, ...(others.length ? { ports: others } : {}), ...severity },
      origin: from,
    });
  } else if (tcp.length) {
    const [first, ...rest] = tcp;
    const single = typeof first === 'number';
    out.push({
      raw: {
        name,
        role: e.role,
        host,
        port: single ? first : Number(String(first).split('-')[0]),
        protocol: 'tcp',
        ...(rest.length || !single ? { ports: single ? rest : tcp } : {}),
        ...severity,
      },
      origin: from,
    });
  }
  if (e.websocket) out.push({ raw: { name: `${name}/ws`, role: e.role, url: e.websocket, ...severity }, origin: from });
  // A relay on the same host answering STUN on a port is tested by the stun and latency checks.
  const relayed = new Set(
    (catalog.relays ?? [])
      .filter((r) => e.hosts.includes(r.host))
      .flatMap((r) => r.transports.filter((t) => t.protocol === 'udp').map((t) => t.port)),
  );
  const udp = (e.udp ?? []).filter((p) => typeof p !== 'number' || !relayed.has(p));
  if (udp.length) untested.push({ entry: e.id, what: `udp ${udp.map(portText).join(', ')}` });
  return out;
}

function relayEndpoints(catalog: PlatformCatalog, r: CatalogRelay): ExpandedEndpoint[] {
  const from = origin(catalog, r, 'relay');
  const out: ExpandedEndpoint[] = [];
  const udp = r.transports.find((t) => t.protocol === 'udp');
  if (udp) {
    // The platform's own media relay is the media streams' far end: no reflector needed.
    out.push({
      raw: { name: `${catalog.id}/${r.id}`, role: 'media', url: `stun:${r.host}:${udp.port}`, transports: ['udp'], mediaPath: true },
      origin: from,
    });
  }
  for (const t of r.transports.filter((x) => x.protocol === 'tcp')) {
    out.push({
      raw: { name: `${catalog.id}/${r.id}/tcp-${t.port}`, role: 'media', url: `stun:${r.host}:${t.port}`, transports: ['tcp'] },
      origin: from,
    });
  }
  return out;
}

/** Threshold names the latency check reads, from the vendor's targets. */
const TARGET_THRESHOLDS = ['rttMs', 'jitterMs', 'lossPercent', 'burstLossPercent', 'reorderPercent'] as const;

export function expandCatalog(catalog: PlatformCatalog): ExpandedPlatform {
  const untested: Untested[] = [];
  const endpoints = [
    ...catalog.endpoints.flatMap((e) => endpointsOf(catalog, e, untested)),
    ...(catalog.relays ?? []).flatMap((r) => relayEndpoints(catalog, r)),
  ];
  const thresholds: Record<string, number> = {};
  for (const key of TARGET_THRESHOLDS) {
    const v = catalog.targets?.[key];
    if (v !== undefined) thresholds[`latency.${key}`] = v;
  }
  return { catalog, endpoints, thresholds, untested };
}
