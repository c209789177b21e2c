// The sweep check as planning sees it: what it is, its options, which sweeps and endpoint port lists it takes.
// Its measuring and judging code (index.ts) loads only when a run has work for it.

import { defineCheckPlanning, type Severity, type Target, TCP_PROTOCOLS } from '../../src/plugin-api.js';
import { unreachableSeverity } from '../../src/net/endpoint-severity.js';

export interface Options {
  concurrency: number | 'auto';
  connectTimeoutMs: number;
  adaptiveFloorMs: number;
  allAddresses: boolean;
  maxTargets: number;
}

/** What a sweep task carries from planning to measuring and judging. */
export interface SweepData {
  kind: 'sweep' | 'endpoint';
  hosts: string[];
  ports: Array<number | string>;
  expect: 'reachable' | 'blocked';
  severity: Severity;
}

export default defineCheckPlanning<Options>({
  meta: {
    id: 'sweep',
    title: 'Port sweeps reach what they should',
    failureTitle: 'Port sweeps find blocked (or unexpectedly open) ports',
    description:
      'For every sweep in `network.sweeps` (hosts × ports, ranges allowed) and every TCP endpoint that lists extra `ports`, ' +
      'resolves each host once (the shared DNS answer) and opens a TCP connection to every host:port, many at once ' +
      '(`concurrency`, by default sized from the open-file limit), closing each socket as soon as it is classified. ' +
      "A first connect that stays silent longer than the host's adaptive timeout (10 × the fastest answer seen from that host, at least `adaptiveFloorMs`) " +
      'is connected again with the full `connectTimeoutMs` (default 1000 ms); only silence for that whole time is filtered. ' +
      "Classification is the tcp check's: **ok** (handshake completed), **refused** (RST), **filtered** (silence for `connectTimeoutMs`, or a local firewall drop), " +
      '**unreachable** (ICMP host/network unreachable), **dns-failure**. `expect: reachable` (default) passes when every target is ok; ' +
      '`expect: blocked` passes when none is.',
    category: 'network',
    severity: 'high',
    weight: 2,
    // Worst case ≈ ceil(targets / concurrency) × (adaptive timeout + connectTimeoutMs): 120 s covers
    // ~30,000 silent targets even with the old fixed concurrency of 256.
    timeoutMs: 120_000,
    references: [
      { title: 'RFC 9293 — Transmission Control Protocol', clause: '§3.5 (connection establishment, reset)' },
      { title: 'RFC 1122 — Requirements for Internet Hosts', clause: '§3.2.2.1 (destination unreachable)' },
      {
        title: 'Microsoft 365 URLs and IP address ranges',
        url: 'https://learn.microsoft.com/microsoft-365/enterprise/urls-and-ip-address-ranges',
      },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        concurrency: {
          anyOf: [
            { type: 'integer', minimum: 1, maximum: 65536 },
            { const: 'auto', description: "half the open-file limit's headroom, at most 16384 (256 where the limit cannot be read)" },
          ],
          description: 'connects in flight at once, across all sweep tasks of the run; auto: from the open-file limit',
        },
        connectTimeoutMs: {
          type: 'integer',
          minimum: 50,
          maximum: 60000,
          description: 'a connect silent this long is filtered (a first connect given up earlier is tried again with this)',
        },
        adaptiveFloorMs: {
          type: 'integer',
          minimum: 10,
          maximum: 60000,
          description:
            "the least a first connect waits before it is given up and tried again (the host's adaptive timeout is 10 × its fastest answer, at least this)",
        },
        allAddresses: { type: 'boolean', description: 'sweep every resolved address of a host, not only the first' },
        maxTargets: { type: 'integer', minimum: 1, description: 'refuse sweeps larger than this (guards against a mistyped range)' },
        timeoutMs: { type: 'integer', minimum: 100, description: 'task deadline' },
      },
    },
    defaults: { concurrency: 'auto', connectTimeoutMs: 1000, adaptiveFloorMs: 100, allAddresses: false, maxTargets: 100_000 },
  },
  targets(site) {
    const out: Target[] = [];
    const seen = new Set<string>();
    for (const [i, sw] of (site.network.sweeps ?? []).entries()) {
      if (seen.has(sw.name))
        throw new Error(`network.sweeps: the name "${sw.name}" is used twice; sweep names identify results and waivers`);
      seen.add(sw.name);
      const data: SweepData = {
        kind: 'sweep',
        hosts: sw.hosts,
        ports: sw.ports,
        expect: sw.expect ?? 'reachable',
        severity: sw.severity ?? 'high',
      };
      out.push({
        id: sw.name,
        location: site.locate(`/network/sweeps/${i}`),
        ...(sw.severity ? { severity: sw.severity } : {}),
        data: data as unknown as Record<string, unknown>,
      });
    }
    for (const ep of site.platform.endpoints) {
      if (!ep.ports?.length || !TCP_PROTOCOLS.has(ep.protocol)) continue;
      // As in tcp: a blocked signalling port is as bad as the endpoint's role; an open port that policy closes is high.
      const severity = ep.expect === 'blocked' ? (ep.severity ?? 'high') : unreachableSeverity(ep);
      const data: SweepData = { kind: 'endpoint', hosts: [ep.host], ports: ep.ports, expect: ep.expect, severity };
      out.push({
        id: `${ep.name}/ports`,
        endpoint: ep,
        location: site.locate(`${ep.location.path}/ports`),
        ...(ep.severity ? { severity: ep.severity } : {}),
        data: data as unknown as Record<string, unknown>,
      });
    }
    return out;
  },
});
