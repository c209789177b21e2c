// The capacity check as planning sees it: what it is, its options, whether the site has demand and capacity
// to compare. Its measuring and judging code (index.ts) loads only when a run has work for it.

import { defineCheckPlanning } from '../../src/plugin-api.js';
import { toDemandSpec, type MediaQuality } from '../../src/capacity/demand.js';

export interface Options {
  quality?: MediaQuality;
  /** Use the throughput check's measurement when a reflector is configured. */
  useMeasured: boolean;
}

export default defineCheckPlanning<Options>({
  meta: {
    id: 'capacity',
    title: 'Links carry the peak real-time demand',
    failureTitle: 'Links cannot carry the peak real-time demand',
    description:
      'Computes peak real-time media demand from `demand.personas` (users × share in audio, video and screen sharing, ' +
      "1:1 or in meetings) with Microsoft Teams' per-stream bandwidth (minimum / recommended / best) — or the site's " +
      'platform catalog figures where it publishes them (`platform.preset`) — and compares it ' +
      'with the share of the links real-time media may use (30 % by default, the Teams Network Planner default; ' +
      '`realtimeShare` per link or in `demand`). Capacity is the declared rate of the links that carry traffic at once ' +
      '(`role` primary or aggregate, never backup), the measured throughput when a reflector is configured, or the lower ' +
      'of the two. Reports headroom in Mbit/s (negative when short) and how many concurrent 1:1 video calls fit; with a ' +
      'backup link, also the headroom on backup alone (the failover risk, a low or medium finding). `siteready plan` ' +
      'prints the same without measuring.',
    category: 'capacity',
    severity: 'high',
    weight: 1,
    // Fixing it takes new links, more capacity or another network path, not a setting.
    fixKind: 'infrastructure',
    timeoutMs: 90_000,
    exclusive: 'probe',
    references: [
      {
        title: "Microsoft Teams: prepare your organization's network — bandwidth requirements",
        url: 'https://learn.microsoft.com/microsoftteams/prepare-network',
      },
      {
        title: 'Microsoft Teams Network Planner',
        url: 'https://learn.microsoft.com/microsoftteams/network-planner',
        clause: 'real-time media share of a link',
      },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        quality: {
          enum: ['minimum', 'recommended', 'best'],
          description:
            'Teams bandwidth column the demand is computed with: minimum, recommended or best (default: demand.quality, else recommended).',
        },
        useMeasured: {
          type: 'boolean',
          description:
            'With a probe, measure TCP throughput down and up and use it as capacity (the smaller of declared and measured when both are known).',
        },
        timeoutMs: { type: 'integer', minimum: 1000, description: "Deadline of each task, ms (≥ 1000; over the check's default)." },
      },
    },
    defaults: { useMeasured: true },
  },
  targets(site) {
    // Capacity comes from declared links or, with a reflector, from measuring.
    if (!toDemandSpec(site.demand)?.personas.length || (!site.network.links.length && !site.probe)) return [];
    return [{ id: site.site.name.replace(/[^A-Za-z0-9._-]+/g, '-') || 'site', location: site.locate('/demand') }];
  },
});
