// The call-quality check as planning sees it: what it is, its options, which far ends and codecs it
// takes. Its measuring and judging code (index.ts) loads only when a run has work for it.

import { defineCheckPlanning } from '../../src/plugin-api.js';
import { probeTargets, stunMediaTargets } from '../../src/probe/targets.js';
import { CODECS, QUALITY_BANDS } from '../../src/quality/emodel.js';

export interface Options {
  codecs: string[];
  profile: string;
  durationMs: number;
  drainMs: number;
}

export default defineCheckPlanning<Options>({
  meta: {
    id: 'call-quality',
    title: 'Predicted call quality is good',
    failureTitle: 'Predicted call quality is poor',
    description:
      'Feeds the audio stream measured by the latency check (same stream, shared) into the ITU-T G.107 E-model: ' +
      'one-way delay = RTT p50 / 2 (no synchronised clocks, so the path is taken as symmetric) plus a jitter buffer of ' +
      '2 × jitter plus codec delay; effective equipment impairment from loss and burstiness (G.107 eq. 7-29, BurstR from ' +
      "the measured loss pattern); R → MOS by G.107 Annex B. Rated with Twilio's bands: > 4.2 excellent, 4.1–4.2 great, " +
      '3.7–4.0 good, 3.1–3.6 fair, below degraded. Codec impairments from ITU-T G.113 Appendix I (Opus: an assumption, ' +
      'marked in the report). With a STUN server as the far end (a `stun` endpoint marked `mediaPath: true`), the ' +
      "stream is the latency check's Binding requests to it: loss is the round trip's and the jitter is that of " +
      'successive round trips.',
    category: 'network',
    severity: 'high',
    weight: 2,
    // Fixing it takes new links, more capacity or another network path, not a setting.
    fixKind: 'infrastructure',
    timeoutMs: 90_000,
    exclusive: 'probe',
    references: [
      { title: 'ITU-T G.107 (06/2015) — The E-model', clause: '§7, Annex B' },
      { title: 'ITU-T G.113 — Transmission impairments due to speech processing', clause: 'Appendix I' },
      { title: QUALITY_BANDS.source },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        codecs: {
          type: 'array',
          items: { enum: Object.keys(CODECS) },
          minItems: 1,
          description: 'Codecs rated, one target each: G.711, G.729A, Opus (at least one).',
        },
        profile: { enum: ['audio', 'video'], description: "The latency check's stream the E-model is fed with: audio or video." },
        durationMs: {
          type: 'integer',
          minimum: 500,
          maximum: 300000,
          description: 'Length of the UDP stream when checks.latency.durationMs is not set, ms (500–300000).',
        },
        drainMs: {
          type: 'integer',
          minimum: 100,
          maximum: 10000,
          description: 'Wait for late replies after the last probe when checks.latency.drainMs is not set, ms (100–10000).',
        },
        timeoutMs: {
          type: 'integer',
          minimum: 1000,
          description: "Deadline of each task, ms (≥ 1000; over the check's default, computed from durationMs and drainMs).",
        },
      },
    },
    defaults: { codecs: ['G.711', 'Opus'], profile: 'audio', durationMs: 15000, drainMs: 1000 },
  },
  targets(site, options) {
    return [...probeTargets(site, options.codecs), ...stunMediaTargets(site, options.codecs)];
  },
  deadlineMs: (o) => o.durationMs + o.drainMs + 15_000,
});
