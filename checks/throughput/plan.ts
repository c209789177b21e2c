// The throughput check as planning sees it: what it is, its options, which transports it measures.
// Its measuring and judging code (index.ts) loads only when a run has work for it.

import { defineCheckPlanning } from '../../src/plugin-api.js';
import { probeTargets } from '../../src/probe/targets.js';
import type { Direction, Transport } from '../../src/probe/throughput.js';

export interface Options {
  durationMs: number;
  omitMs: number;
  streams: number;
  transports: Transport[];
  directions: Direction[];
}

export default defineCheckPlanning<Options>({
  meta: {
    id: 'throughput',
    title: 'Throughput to the reflector meets the link',
    failureTitle: 'Throughput to the reflector is below the link',
    description:
      'Measures download and upload goodput between this site and a siteready reflector, over raw TCP with 1..N ' +
      'parallel streams and over WebSocket with ndt7-style messages (binary messages doubling from 8 KiB, M-Lab ndt7 ' +
      'protocol). The first `omitMs` are excluded (slow start, as iperf3 --omit); goodput is counted by the receiver ' +
      '(the reflector for uploads) in 100 ms intervals (250 ms for WebSocket uploads, as ndt7 reports), which give the spread (p10/p50/p90). The client runs in a worker ' +
      'thread. The expected rate is `thresholds: {throughput.downMbps, throughput.upMbps}` or else 80 % of the declared ' +
      'link capacity; without either the result is informative.',
    category: 'network',
    severity: 'high',
    weight: 2,
    // Fixing it takes new links, more capacity or another network path, not a setting.
    fixKind: 'infrastructure',
    timeoutMs: 60_000,
    exclusive: 'probe',
    references: [
      { title: 'M-Lab ndt7 protocol specification', url: 'https://github.com/m-lab/ndt-server/blob/main/spec/ndt7-protocol.md' },
      { title: 'RFC 6349 — Framework for TCP Throughput Testing', clause: '§3 (excluding slow start)' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        durationMs: {
          type: 'integer',
          minimum: 500,
          maximum: 60000,
          description: "Length of each test, per direction and transport, ms (500–60000; the reflector's maxTestMs caps it).",
        },
        omitMs: {
          type: 'integer',
          minimum: 0,
          maximum: 10000,
          description: 'Start of each test left out of the rate (TCP slow start), ms (0–10000).',
        },
        streams: { type: 'integer', minimum: 1, maximum: 32, description: 'parallel TCP streams (the reflector allows 32 per session)' },
        transports: {
          type: 'array',
          items: { enum: ['tcp', 'ws'] },
          minItems: 1,
          description: 'Transports measured, one target each: tcp (raw TCP), ws (WebSocket); at least one.',
        },
        directions: {
          type: 'array',
          items: { enum: ['down', 'up'] },
          minItems: 1,
          description: 'Directions measured, in this order: down, up (at least one).',
        },
        timeoutMs: {
          type: 'integer',
          minimum: 1000,
          description: "Deadline of each task, ms (≥ 1000; over the check's default, computed from durationMs and directions).",
        },
      },
    },
    defaults: { durationMs: 10000, omitMs: 1000, streams: 4, transports: ['tcp', 'ws'], directions: ['down', 'up'] },
  },
  targets(site, options) {
    return probeTargets(site, options.transports);
  },
  deadlineMs: (o) => o.directions.length * (o.durationMs + 5000) + 10_000,
});
