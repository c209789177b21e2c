// `platform: { preset: <id> }` and `platforms: [...]`: shipped catalogs expanded into the site's
// endpoints and thresholds. The site's own endpoints add to a catalog's, and replace a catalog
// endpoint of the same name; the site's own thresholds win over the vendor's targets.

import type { Diagnostic } from '../errors.js';
import { expandCatalog, fillParameters, type Untested } from '../platforms/expand.js';
import type { PlatformCatalog } from '../platforms/types.js';
import { catalogInUse } from './catalogs.js';
import { parseEndpoint } from './endpoints.js';
import type { Endpoint, SourceLocation } from './types.js';
import { ConfigError } from '../errors.js';

export interface PresetRequest {
  id: string;
  /** JSON pointer of the id in the site file. */
  pointer: string;
}

export interface ExpandedPresets {
  endpoints: Endpoint[];
  catalogs: PlatformCatalog[];
  /** From the `platform.preset` catalog only: with several platforms each is judged with its own. */
  thresholds: Record<string, number>;
  /** Every catalog's vendor targets as thresholds, by catalog id. */
  thresholdsBy: Record<string, Record<string, number>>;
  untested: Array<Untested & { platform: string }>;
  /** Cached vendor feeds that could not be used. */
  warnings: string[];
}

type Problem = Pick<Diagnostic, 'path' | 'message' | 'hint'>;

/**
 * The loopback lab serves every platform host on its own ephemeral ports: the demo maps the
 * catalog's ports onto them (443 → the lab's HTTPS server, 3478 → its STUN/TURN relay, ...).
 */
export type PortMap = (port: number, service: 'tcp' | 'stun') => number | undefined;

function remapPorts(raw: Record<string, unknown>, map: PortMap): Record<string, unknown> {
  const out = { ...raw };
  if (typeof out.url === 'string') {
    const stun = /^(stun:[^:]+):(\d+)$/.exec(out.url);
    if (stun) out.url = `${stun[1]}:${map(Number(stun[2]), 'stun') ?? stun[2]}`;
    else {
      const u = new URL(out.url);
      const port = Number(u.port || (u.protocol === 'https:' || u.protocol === 'wss:' ? 443 : 80));
      u.port = String(map(port, 'tcp') ?? port);
      out.url = u.toString();
    }
  }
  if (typeof out.port === 'number') out.port = map(out.port, 'tcp') ?? out.port;
  if (Array.isArray(out.ports)) {
    const mapped = out.ports.flatMap((p) => (typeof p === 'number' ? [map(p, 'tcp') ?? p] : []));
    if (mapped.length) out.ports = mapped;
    else delete out.ports;
  }
  return out;
}

export function expandPresets(
  requests: PresetRequest[],
  parameters: Record<string, string>,
  siteEndpointNames: Set<string>,
  locate: (pointer: string) => SourceLocation,
  portMap?: PortMap,
  cacheDir?: string | false,
): { expanded: ExpandedPresets; problems: Problem[] } {
  const problems: Problem[] = [];
  const expanded: ExpandedPresets = { endpoints: [], catalogs: [], thresholds: {}, thresholdsBy: {}, untested: [], warnings: [] };
  const seen = new Set<string>();
  for (const req of requests) {
    if (seen.has(req.id)) continue;
    seen.add(req.id);
    let shipped: PlatformCatalog;
    try {
      const inUse = catalogInUse(req.id, cacheDir);
      shipped = inUse.catalog;
      if (inUse.warning) expanded.warnings.push(inUse.warning);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const first = err.diagnostics[0];
      problems.push({ path: req.pointer, message: first?.message ?? err.message, ...(first?.hint ? { hint: first.hint } : {}) });
      continue;
    }
    const { catalog, missing } = fillParameters(shipped, parameters);
    if (missing.length) {
      const example = missing.map((m) => `${m}: chat.example.com`).join(', ');
      problems.push({
        path: req.pointer,
        message: `platform "${req.id}" is a template over your own servers: it needs ${missing.map((m) => `parameters.${m}`).join(', ')}`,
        hint: `platform: { preset: ${req.id}, parameters: { ${example} } }`,
      });
      continue;
    }
    const result = expandCatalog(catalog);
    expanded.catalogs.push(catalog);
    expanded.untested.push(...result.untested.map((u) => ({ ...u, platform: catalog.id })));
    if (req.pointer === '/platform/preset') Object.assign(expanded.thresholds, result.thresholds);
    expanded.thresholdsBy[catalog.id] = result.thresholds;
    for (const { raw, origin } of result.endpoints) {
      const name = String(raw.name);
      if (siteEndpointNames.has(name) || expanded.endpoints.some((e) => e.name === name)) continue;
      const { endpoint, problems: epProblems } = parseEndpoint(portMap ? remapPorts(raw, portMap) : raw, locate(req.pointer));
      for (const p of epProblems) problems.push({ path: req.pointer, message: `catalog ${catalog.id}, endpoint ${name}: ${p.message}` });
      if (endpoint) expanded.endpoints.push({ ...endpoint, extra: { ...endpoint.extra, catalog: origin } });
    }
  }
  return { expanded, problems };
}
