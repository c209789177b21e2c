// The qos check as planning sees it: what it is, its options, which targets it takes, its deadline. Its
// measuring and judging code (index.ts) loads only when a run has work for it.

import { defineCheckPlanning, type Target } from '../../src/plugin-api.js';
import { probeTargets } from '../../src/probe/targets.js';
import { underLoadWanted } from '../../src/qos/classes.js';
import type { QosOptions } from '../../src/qos/measure.js';

export type Options = QosOptions;

export default defineCheckPlanning<Options>({
  meta: {
    id: 'qos',
    title: 'QoS marks survive the path',
    failureTitle: 'QoS marks are reset, changed or not honoured on the path',
    description:
      "Sends a UDP probe stream per traffic class to the reflector, each packet marked with the class's DSCP (audio EF 46, " +
      'video AF41 34, screen share AF21 18 by default, with an unmarked CS0 control), and asks for replies marked the same. ' +
      'The reflector counts the marks its probes arrive with (upstream); the client reads the marks of the replies ' +
      '(downstream). Each direction is preserved, bleached (reset to 0), remarked (to another value), mixed (some packets ' +
      'changed) or unknown (nothing arrived). With `qos.underLoad: true` the classes are sent again while TCP streams ' +
      'saturate the link, and their delay and loss are compared with the unmarked control: is priority honoured? ' +
      'Needs the DSCP module (Linux) on both sides; elsewhere the check says it cannot test, never that marks pass.',
    category: 'network',
    severity: 'medium',
    weight: 1,
    timeoutMs: 90_000,
    exclusive: 'probe',
    references: [
      { title: 'RFC 2474 — Differentiated Services Field', clause: '§3' },
      { title: 'RFC 3246 — Expedited Forwarding PHB' },
      { title: 'RFC 2597 — Assured Forwarding PHB Group' },
      { title: 'RFC 4594 — Configuration Guidelines for DiffServ Service Classes', clause: '§4 (telephony, multimedia conferencing)' },
      {
        title: 'Microsoft Teams: implement Quality of Service (QoS)',
        url: 'https://learn.microsoft.com/microsoftteams/qos-in-teams',
        clause: 'audio EF 46, video AF41 34, screen sharing AF21 18',
      },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        durationMs: { type: 'integer', minimum: 500, maximum: 60000, description: 'length of the marked streams on the idle path' },
        pps: { type: 'integer', minimum: 1, maximum: 1000, description: 'packets per second per class' },
        size: { type: 'integer', minimum: 64, maximum: 1472, description: 'UDP payload bytes per packet' },
        drainMs: {
          type: 'integer',
          minimum: 100,
          maximum: 10000,
          description: 'Wait for late replies after the last probe of each marked stream, ms (100–10000).',
        },
        loadMs: { type: 'integer', minimum: 3000, maximum: 60000, description: 'under load: how long the link is saturated per direction' },
        streams: { type: 'integer', minimum: 1, maximum: 16, description: 'under load: parallel TCP streams of the load' },
        directions: {
          type: 'array',
          items: { enum: ['down', 'up'] },
          minItems: 1,
          description: 'under load: which directions to saturate',
        },
        timeoutMs: {
          type: 'integer',
          minimum: 1000,
          description:
            "Deadline of each task, ms (≥ 1000; over the check's default, computed from durationMs, drainMs, loadMs and directions).",
        },
      },
    },
    defaults: { durationMs: 2000, pps: 100, size: 200, drainMs: 500, loadMs: 10000, streams: 4, directions: ['down', 'up'] },
  },
  targets(site) {
    const base = probeTargets(site)[0];
    if (!base) return [];
    const location = site.qos ? site.locate('/qos') : base.location;
    const marks: Target = { id: `${base.id}/marks`, ...(location ? { location } : {}), data: { part: 'marks' } };
    if (!underLoadWanted(site)) return [marks];
    return [
      marks,
      { id: `${base.id}/under-load`, ...(site.qos ? { location: site.locate('/qos/underLoad') } : {}), data: { part: 'under-load' } },
    ];
  },
  deadlineMs: (o) =>
    Math.max(o.durationMs + o.drainMs + 15_000, o.durationMs + o.drainMs + o.directions.length * (o.loadMs + o.drainMs + 6000) + 15_000),
});
