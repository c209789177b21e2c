// The latency check as planning sees it: what it is, its options, which far ends and media streams
// it takes. Its measuring and judging code (index.ts) loads only when a run has work for it.

import { defineCheckPlanning } from '../../src/plugin-api.js';
import { MEDIA_PROFILES } from '../../src/probe/media-profiles.js';
import { probeTargets, stunMediaTargets } from '../../src/probe/targets.js';

export interface Options {
  profiles: string[];
  durationMs: number;
  drainMs: number;
}

export default defineCheckPlanning<Options>({
  meta: {
    id: 'latency',
    title: 'Latency, jitter and loss meet real-time media targets',
    failureTitle: 'Latency, jitter or loss exceed real-time media targets',
    description:
      'Sends RTP-like UDP streams to the reflector at media cadence (audio: 50 packets/s of 200 B; video: 160 packets/s ' +
      'of 1200 B), sequence-numbered and timestamped, and measures round-trip time percentiles, RFC 3550 interarrival ' +
      'jitter in each direction, loss in each direction (the reflector reports what it received), loss in the worst ' +
      "15 s window, burst loss in the worst 200 ms window, reordering and duplicates. Targets are Microsoft Teams' for " +
      'client → edge: RTT < 100 ms, jitter < 30 ms, loss < 1 % (15 s), burst loss < 10 % (200 ms), reorder < 0.05 % — ' +
      "or the site's platform catalog's own targets where its vendor publishes them (platform.preset). " +
      'When UDP gets no answer at all, the check says so (media would fall back to TCP relays). Without a reflector, a ' +
      '`stun` endpoint marked `mediaPath: true` is the far end instead: STUN Binding requests at the same cadence give ' +
      'round-trip percentiles, round-trip jitter, loss, windows and reordering, judged against the same targets, ' +
      'with no per-direction split and no DSCP echo.',
    category: 'network',
    severity: 'high',
    weight: 3,
    // Fixing it takes new links, more capacity or another network path, not a setting.
    fixKind: 'infrastructure',
    timeoutMs: 90_000,
    exclusive: 'probe',
    references: [
      { title: 'RFC 3550 — RTP', clause: '§6.4.1 (interarrival jitter), Appendix A.8' },
      {
        title: "Microsoft Teams: prepare your organization's network",
        url: 'https://learn.microsoft.com/microsoftteams/prepare-network',
        clause: 'network performance requirements',
      },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        profiles: {
          type: 'array',
          items: { enum: Object.keys(MEDIA_PROFILES) },
          minItems: 1,
          description: 'Media streams measured, one target each: audio, video (at least one).',
        },
        durationMs: { type: 'integer', minimum: 500, maximum: 300000, description: 'Length of each UDP stream, ms (500–300000).' },
        drainMs: {
          type: 'integer',
          minimum: 100,
          maximum: 10000,
          description: 'Wait for late replies after the last probe, ms (100–10000).',
        },
        timeoutMs: {
          type: 'integer',
          minimum: 1000,
          description: "Deadline of each task, ms (≥ 1000; over the check's default, computed from durationMs and drainMs).",
        },
      },
    },
    defaults: { profiles: ['audio', 'video'], durationMs: 15000, drainMs: 1000 },
  },
  targets(site, options) {
    return [...probeTargets(site, options.profiles), ...stunMediaTargets(site, options.profiles)];
  },
  deadlineMs: (o) => o.durationMs + o.drainMs + 15_000,
});
