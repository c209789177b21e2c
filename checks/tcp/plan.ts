// The tcp check as planning sees it: what it is, its options, which endpoints it takes. Its
// measuring and judging code (index.ts) loads only when a run has work for it.

import { commonOptions, defineCheckPlanning, endpointTargets, TCP_PROTOCOLS } from '../../src/plugin-api.js';

export interface Options {
  connectTimeoutMs: number;
  slowMs: number;
}

export default defineCheckPlanning<Options>({
  meta: {
    id: 'tcp',
    title: 'Endpoints accept TCP connections',
    failureTitle: 'Endpoints do not accept TCP connections',
    description:
      'Opens a TCP connection to every resolved address of every TCP-based endpoint (tcp, tls, http(s), ws(s), turns, ldap(s), smb) ' +
      'and tells apart **open** (handshake completed, time recorded), **refused** (RST: nothing listens or a firewall rejects), ' +
      '**filtered** (no answer before the connect timeout: packets dropped) and **unreachable** (ICMP host/net unreachable). ' +
      'Endpoints marked `expect: blocked` pass when they are *not* reachable. Connect time is one round trip; the threshold ' +
      'follows the Microsoft Teams network target of < 100 ms RTT from client to service edge.',
    category: 'network',
    severity: 'critical',
    weight: 3,
    timeoutMs: 10000,
    references: [
      { title: 'RFC 9293 — Transmission Control Protocol', clause: '§3.5 (connection establishment, reset)' },
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
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        slowMs: {
          type: 'number',
          minimum: 1,
          description:
            'Connect time above which the result is a warning, ms (≥ 1); a slow direct connect is tried twice more, the best counts.',
        },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000, slowMs: 100 },
  },
  targets(site) {
    return endpointTargets(site, (ep) => TCP_PROTOCOLS.has(ep.protocol));
  },
});
