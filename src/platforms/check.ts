// What the schema cannot say about a catalog: sources that exist, concrete probe hosts for
// wildcards, CIDRs without host bits, unique ids, placeholders only where the catalog declares
// parameters. Shipped catalogs must pass with no problem (a test); a cached update is refused.

import { isIP } from 'node:net';
import { normalizeCidr } from '../util/cidr.js';
import type { PlatformCatalog, Traced } from './types.js';

export interface CatalogProblem {
  /** JSON pointer inside the catalog. */
  path: string;
  message: string;
}

const PLACEHOLDER = /\{([A-Za-z0-9]+)\}/g;

/** A CIDR's problem, or undefined when it is a network address with a valid prefix. */
export function cidrProblem(cidr: string): string | undefined {
  if (!cidr.includes('/')) return `"${cidr}" has no /prefix`;
  const normal = normalizeCidr(cidr);
  if (!normal) return `"${cidr}" is not an address/prefix`;
  if (normal.hostBitsSet) return `"${cidr}" has host bits set: the network is ${normal.cidr}`;
  return undefined;
}

export function checkCatalog(catalog: PlatformCatalog): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const sourceIds = new Set(catalog.sources.map((s) => s.id));
  const params = new Set((catalog.parameters ?? []).map((p) => p.name));
  const traced = (entry: Traced, path: string) => {
    for (const s of [entry.source].flat())
      if (!sourceIds.has(s)) problems.push({ path: `${path}/source`, message: `source "${s}" is not one of the catalog's sources` });
  };
  const placeholders = (text: string, path: string) => {
    for (const m of text.matchAll(PLACEHOLDER)) {
      if (catalog.kind !== 'self-hosted')
        problems.push({ path, message: `"${text}": placeholders belong in self-hosted templates, not in a ${catalog.kind} catalog` });
      else if (!params.has(m[1]!)) problems.push({ path, message: `"${text}": {${m[1]}} is not one of the catalog's parameters` });
    }
  };
  const unique = (ids: string[], path: string) => {
    const seen = new Set<string>();
    ids.forEach((v, i) => {
      if (seen.has(v)) problems.push({ path: `${path}/${i}/id`, message: `id "${v}" is used twice` });
      seen.add(v);
    });
  };
  unique(
    catalog.sources.map((s) => s.id),
    '/sources',
  );
  unique(
    catalog.endpoints.map((e) => e.id),
    '/endpoints',
  );
  unique(
    (catalog.ranges ?? []).map((r) => r.id),
    '/ranges',
  );
  unique(
    (catalog.relays ?? []).map((r) => r.id),
    '/relays',
  );
  catalog.endpoints.forEach((ep, i) => {
    const path = `/endpoints/${i}`;
    traced(ep, path);
    ep.hosts.forEach((h, j) => placeholders(h, `${path}/hosts/${j}`));
    if (ep.probeHost) placeholders(ep.probeHost, `${path}/probeHost`);
    if (ep.websocket) placeholders(ep.websocket, `${path}/websocket`);
    if (!ep.probeHost && ep.hosts.every((h) => h.startsWith('*.')))
      problems.push({ path: `${path}/probeHost`, message: `endpoint "${ep.id}" has only wildcard hosts: name a concrete probeHost` });
    for (const [proto, list] of [
      ['tcp', ep.tcp],
      ['udp', ep.udp],
    ] as const) {
      (list ?? []).forEach((p, j) => {
        if (typeof p !== 'string') return;
        const [lo, hi] = p.split('-').map(Number) as [number, number];
        if (!(lo >= 1 && hi <= 65535 && lo <= hi))
          problems.push({ path: `${path}/${proto}/${j}`, message: `port range "${p}" is not low-high within 1-65535` });
      });
    }
  });
  (catalog.ranges ?? []).forEach((r, i) => {
    const path = `/ranges/${i}`;
    traced(r, path);
    for (const [key, family] of [
      ['ipv4', 4],
      ['ipv6', 6],
    ] as const) {
      (r[key] ?? []).forEach((cidr, j) => {
        const problem = cidrProblem(cidr) ?? (isIP(cidr.split('/')[0]!) !== family ? `"${cidr}" is not IPv${family}` : undefined);
        if (problem) problems.push({ path: `${path}/${key}/${j}`, message: problem });
      });
    }
  });
  (catalog.relays ?? []).forEach((r, i) => {
    traced(r, `/relays/${i}`);
    placeholders(r.host, `/relays/${i}/host`);
  });
  if (catalog.targets) traced(catalog.targets, '/targets');
  (catalog.bandwidth ?? []).forEach((b, i) => traced(b, `/bandwidth/${i}`));
  (catalog.qos ?? []).forEach((q, i) => traced(q, `/qos/${i}`));
  return problems;
}
