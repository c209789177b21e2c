// The bufferbloat check as planning sees it: what it is, its options, the reflector it takes, its
// deadline. Its measuring and judging code (index.ts) loads only when a run has work for it.

import { defineCheckPlanning } from '../../src/plugin-api.js';
import type { Direction } from '../../src/probe/throughput.js';
import { probeTargets } from '../../src/probe/targets.js';

export interface Options {
  idleMs: number;
  stepMs: number;
  loadMs: number;
  streams: number;
  maxStreams: number;
  directions: Direction[];
}

/** Length of each step and how many fit in loadMs (one at least, as long as loadMs when that is shorter). */
export function stepPlan(o: Pick<Options, 'stepMs' | 'loadMs' | 'streams' | 'maxStreams'>): {
  stepMs: number;
  steps: number;
  counts: number[];
} {
  const stepMs = Math.min(o.stepMs, o.loadMs);
  const steps = Math.max(1, Math.floor(o.loadMs / stepMs));
  const counts: number[] = [];
  for (let n = o.streams; counts.length < steps; n *= 2) {
    counts.push(Math.min(n, Math.max(o.streams, o.maxStreams)));
    if (n >= o.maxStreams) break;
  }
  return { stepMs, steps, counts };
}

export default defineCheckPlanning<Options>({
  meta: {
    id: 'bufferbloat',
    title: 'Latency stays low under load',
    failureTitle: 'Latency rises under load (buffer bloat)',
    description:
      'Measures the median round trip of an audio-cadence UDP stream to the reflector while idle, then under a TCP ' +
      'load downstream and upstream in turn that doubles its streams every step (4, 8, 16, 32 by default) until one ' +
      'more step raises neither the round trip nor the goodput, as flent RRUL and the Waveform test load until the ' +
      'queue is full. The worst increase is buffer bloat: queueing delay that every call suffers whenever someone ' +
      'downloads or uploads. Flagged at ≥ 100 ms, as the Microsoft 365 network connectivity test does.',
    category: 'network',
    severity: 'high',
    weight: 2,
    // Fixing it takes new links, more capacity or another network path, not a setting.
    fixKind: 'infrastructure',
    timeoutMs: 90_000,
    exclusive: 'probe',
    references: [
      { title: 'Microsoft 365 network connectivity test', url: 'https://connectivity.office.com', clause: 'buffer bloat ≥ 100 ms' },
      { title: 'RFC 8290 — FQ-CoDel', clause: '§1 (bufferbloat)' },
      { title: 'flent — Realtime Response Under Load (RRUL)', url: 'https://flent.org/tests.html' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        idleMs: {
          type: 'integer',
          minimum: 500,
          maximum: 60000,
          description: 'Length of the idle audio-cadence UDP stream that gives the baseline RTT, ms (500–60000).',
        },
        stepMs: {
          type: 'integer',
          minimum: 1000,
          maximum: 60000,
          description: 'Length of each step of the load, the loaded RTT probed inside it, ms (1000–60000).',
        },
        loadMs: {
          type: 'integer',
          minimum: 1000,
          maximum: 240000,
          description:
            'Longest the load may run in each direction, ms (1000–240000): as many steps as fit, one at least (as long as loadMs when shorter than stepMs).',
        },
        streams: { type: 'integer', minimum: 1, maximum: 32, description: 'TCP streams of the first step; each step doubles them (1–32).' },
        maxStreams: {
          type: 'integer',
          minimum: 1,
          maximum: 32,
          description: 'Most TCP streams of a step (1–32, the reflector allows 32 per session); set it to streams for a fixed load.',
        },
        directions: {
          type: 'array',
          items: { enum: ['down', 'up'] },
          minItems: 1,
          description: 'Directions loaded, in this order: down, up (at least one).',
        },
        timeoutMs: {
          type: 'integer',
          minimum: 1000,
          description:
            "Deadline of each task, ms (≥ 1000; over the check's default, computed from idleMs, stepMs, loadMs, the streams and directions).",
        },
      },
    },
    defaults: { idleMs: 3000, stepMs: 2500, loadMs: 10000, streams: 4, maxStreams: 32, directions: ['down', 'up'] },
  },
  targets(site) {
    return probeTargets(site);
  },
  // Each step also opens its streams in a new worker and waits for the upload's report: 4 s.
  deadlineMs: (o) => {
    const plan = stepPlan(o);
    return o.idleMs + o.directions.length * plan.counts.length * (plan.stepMs + 4000) + 15_000;
  },
});
