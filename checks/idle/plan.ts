// The idle check as planning sees it: what it is, its options, which endpoints it takes, its
// deadline. Its measuring and judging code (index.ts) loads only when a run has work for it.

import { commonOptions, defineCheckPlanning, endpointTargets } from '../../src/plugin-api.js';
import { probeTargets } from '../../src/probe/targets.js';
import { parseDuration } from '../../src/util/duration.js';

export interface Options {
  compareDirect: boolean;
  ladder: string[];
  replyTimeoutMs: number;
  clientKeepAliveMs: number;
  connectTimeoutMs: number;
}

export default defineCheckPlanning<Options>({
  meta: {
    id: 'idle',
    title: 'Idle connections survive long enough',
    failureTitle: 'Idle connections are dropped too early',
    description:
      'Opens one WebSocket per rung of a ladder of idle times (default 30 s … 20 min) at the same time, along the ' +
      "endpoint's route (direct or through the proxy), keeps each completely idle (no TCP keep-alive, no pings), and " +
      'then pings it with a reply deadline. The first rung that fails brackets the idle timeout of the firewall, NAT or ' +
      'proxy on the path, and how it failed is recorded: reset (RST), closed (FIN), or silently dropped (no reply, no ' +
      'reset — the case clients cannot notice). Passes when the longest idle time that survives is longer than the IM ' +
      "client's keep-alive interval (`clientKeepAliveMs`). It takes as long as the longest rung, so it runs only " +
      'when the site file has a `checks.idle` section (or with `siteready run idle`).',
    category: 'network',
    severity: 'high',
    weight: 2,
    timeoutMs: 25 * 60_000,
    quiet: true,
    optIn: true,
    references: [
      { title: 'RFC 5382 — NAT behavioral requirements for TCP', clause: 'REQ-5 (established idle timeout ≥ 2 h 4 min)' },
      { title: 'RFC 6455 — The WebSocket Protocol', clause: '§5.5.2 (ping)' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ladder: {
          type: 'array',
          items: { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|sec|m|min|h)?\\s*$' },
          minItems: 1,
          maxItems: 20,
          description:
            'Idle hold times, one WebSocket each, held at once: a number with ms, s, sec, m, min or h (seconds without a unit); 1–20 of them.',
        },
        replyTimeoutMs: {
          type: 'integer',
          minimum: 100,
          maximum: 60000,
          description: 'Deadline of the ping (or the push) at the end of each hold, ms (100–60000).',
        },
        clientKeepAliveMs: {
          type: 'integer',
          minimum: 100,
          description: "The IM client's keep-alive interval: idle flows must survive at least this long, ms (≥ 100).",
        },
        compareDirect: { type: 'boolean', description: 'Through a proxy, also hold the direct path (informative).' },
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        timeoutMs: {
          type: 'integer',
          minimum: 1000,
          description: "Deadline of each task, ms (≥ 1000; over the check's default, computed from the longest rung and replyTimeoutMs).",
        },
      },
    },
    defaults: {
      ladder: ['30s', '60s', '120s', '300s', '600s', '1200s'],
      replyTimeoutMs: 5000,
      clientKeepAliveMs: 30_000,
      connectTimeoutMs: 3000,
      compareDirect: true,
    },
  },
  targets(site) {
    return [
      ...endpointTargets(site, (ep) => (ep.protocol === 'ws' || ep.protocol === 'wss') && ep.expect === 'reachable'),
      // With a reflector, server push after idle is tested too (it speaks first when the rung ends).
      ...probeTargets(site, ['push']),
    ];
  },
  deadlineMs: (o) => Math.max(...o.ladder.map((t) => parseDuration(t) ?? 0)) + o.replyTimeoutMs + 30_000,
});
