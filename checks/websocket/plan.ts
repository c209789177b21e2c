// The websocket check as planning sees it: what it is, its options, which endpoints it takes. Its
// measuring and judging code (index.ts) loads only when a run has work for it.

import { commonOptions, defineCheckPlanning, endpointTargets } from '../../src/plugin-api.js';

export interface Options {
  connectTimeoutMs: number;
  pings: number;
  slowMs: number;
}

export default defineCheckPlanning<Options>({
  meta: {
    id: 'websocket',
    title: 'WebSocket signalling works',
    failureTitle: 'WebSocket signalling fails',
    description:
      'Opens every ws/wss endpoint (RFC 6455 upgrade) over the addresses the dns check found, records the upgrade time, ' +
      'the subprotocol the server chose (`subprotocols` in the endpoint), and the round trip of several ping/pong ' +
      'control frames. Failures are classified like the http check; an upgrade answered with another HTTP status is ' +
      '`http-error` (often a proxy that does not pass Upgrade). RTT threshold: Teams target < 100 ms to the service edge.',
    category: 'network',
    severity: 'critical',
    weight: 3,
    timeoutMs: 15000,
    references: [
      { title: 'RFC 6455 — The WebSocket Protocol', clause: '§4 (opening handshake), §5.5.2–5.5.3 (ping/pong)' },
      { title: "Microsoft Teams: prepare your organization's network", url: 'https://learn.microsoft.com/microsoftteams/prepare-network' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        pings: { type: 'integer', minimum: 1, maximum: 100, description: 'Ping/pong round trips after the upgrade, count (1–100).' },
        slowMs: { type: 'number', minimum: 1, description: 'Median ping round trip above which the result is a warning, ms (≥ 1).' },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000, pings: 5, slowMs: 100 },
  },
  targets(site) {
    return endpointTargets(site, (ep) => (ep.protocol === 'ws' || ep.protocol === 'wss') && ep.expect === 'reachable');
  },
});
