// The turn check as planning sees it: what it is, its options, which endpoints it takes. Its measuring and
// judging code (index.ts) loads only when a run has work for it.

import { commonOptions, defineCheckPlanning, endpointTargets } from '../../src/plugin-api.js';

export interface Options {
  transactionTimeoutMs: number;
  connectTimeoutMs: number;
  relayTimeoutMs: number;
  slowMs: number;
  /** UDP port of the server the relay peer asks for its own address (default: the endpoint's port; 3478 for turns:). */
  peerStunPort?: number;
}

export default defineCheckPlanning<Options>({
  meta: {
    id: 'turn',
    title: 'TURN relays allocate and relay',
    failureTitle: 'TURN relays do not work from this site',
    description:
      'For every turn/turns endpoint and each of its transports (default UDP and TCP; TLS for turns): an Allocate ' +
      "with the endpoint's long-term credentials (RFC 8656; 401 → REALM/NONCE → authenticated retry, a stale nonce " +
      'retried once), a CreatePermission for a UDP peer socket on this host, a Send indication that the peer echoes ' +
      'back through the relay as a Data indication (the relayed round trip), and a Refresh with lifetime 0 to ' +
      'deallocate. "Reachable but credentials refused" (401/441 after authenticating: `auth-refused`) is a different ' +
      'finding from "blocked" (filtered/refused/unreachable). Error responses are named (437, 486, 508, ...). ' +
      'UDP failing while TCP/TLS works is a warning: media then goes over TCP/TLS relays.',
    category: 'network',
    severity: 'critical',
    weight: 3,
    timeoutMs: 20000,
    references: [
      {
        title: 'RFC 8656 — Traversal Using Relays around NAT (TURN)',
        clause: '§7 (Allocate), §9 (CreatePermission), §11 (Send and Data), §7.2 (Refresh)',
      },
      { title: 'RFC 8489 — Session Traversal Utilities for NAT (STUN)', clause: '§9.2 (long-term credential mechanism)' },
      { title: 'RFC 7065 — TURN URIs' },
      {
        title: "Microsoft Teams: prepare your organization's network",
        url: 'https://learn.microsoft.com/microsoftteams/prepare-network',
        clause: 'UDP 3478–3481, TCP 443 fallback',
      },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        transactionTimeoutMs: {
          type: 'integer',
          minimum: 100,
          maximum: 60000,
          description: 'Deadline of each TURN transaction (UDP retransmissions included).',
        },
        connectTimeoutMs: { type: 'integer', minimum: 50, maximum: 60000, description: 'TCP/TLS connect deadline.' },
        relayTimeoutMs: {
          type: 'integer',
          minimum: 100,
          maximum: 60000,
          description: 'Deadline of the relayed round trip (all attempts).',
        },
        slowMs: { type: 'number', minimum: 1, description: 'Relayed round trip above which the result is a warning.' },
        peerStunPort: {
          type: 'integer',
          minimum: 1,
          maximum: 65535,
          description: 'UDP STUN port the relay peer asks for its own address.',
        },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { transactionTimeoutMs: 3000, connectTimeoutMs: 3000, relayTimeoutMs: 3000, slowMs: 200 },
  },
  targets(site) {
    return endpointTargets(site, (ep) => (ep.protocol === 'turn' || ep.protocol === 'turns') && ep.expect === 'reachable');
  },
});
