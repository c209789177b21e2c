// The dns check as planning sees it: what it is, its options, which host names it takes. Its
// measuring and judging code (index.ts) loads only when a run has work for it.

import { isIP } from 'node:net';
import { defineCheckPlanning, type Endpoint, type Target } from '../../src/plugin-api.js';

export interface Options {
  slowMs: number;
}

export default defineCheckPlanning<Options>({
  meta: {
    id: 'dns',
    title: 'Endpoint host names resolve',
    failureTitle: 'Endpoint host names do not resolve',
    description:
      'Resolves every endpoint host name once, with the site resolver (`network.dns.servers`) or the system one, ' +
      'and records the addresses, the time taken and the failure kind (NXDOMAIN, NODATA, SERVFAIL, REFUSED, timeout). ' +
      'The answer is shared with the tcp, http and websocket checks, which connect to exactly these addresses.',
    category: 'network',
    severity: 'critical',
    weight: 2,
    timeoutMs: 8000,
    references: [
      { title: 'RFC 1035 — Domain names: implementation and specification' },
      { title: 'RFC 2308 — Negative caching of DNS queries (NXDOMAIN vs NODATA)', clause: '§1, §2' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        slowMs: { type: 'number', minimum: 1, description: 'Resolution time above which the result is a warning, ms (≥ 1).' },
        timeoutMs: { type: 'integer', minimum: 100, description: "Deadline of each task, ms (over the check's default)." },
      },
    },
    defaults: { slowMs: 500 },
  },
  targets(site) {
    const byHost = new Map<string, Endpoint[]>();
    for (const ep of site.platform.endpoints) {
      if (isIP(ep.host)) continue;
      const key = ep.host.toLowerCase();
      byHost.set(key, [...(byHost.get(key) ?? []), ep]);
    }
    return [...byHost.entries()].map(([host, eps]): Target => ({
      id: host,
      endpoint: eps[0]!,
      location: site.locate(`${eps[0]!.location.path}/${eps[0]!.url ? 'url' : 'host'}`),
      data: { endpoints: eps },
    }));
  },
});
