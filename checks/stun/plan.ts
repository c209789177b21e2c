// The stun check as planning sees it: what it is, its options, which endpoints it takes. Its measuring and
// judging code (index.ts) loads only when a run has work for it.

import { commonOptions, defineCheckPlanning, endpointTargets } from '../../src/plugin-api.js';

export interface Options {
  transactionTimeoutMs: number;
  connectTimeoutMs: number;
  slowMs: number;
  natDiscovery: boolean;
  natTimeoutMs: number;
  sweepTimeoutMs: number;
  sweepConcurrency: number;
  maxSweepPorts: number;
}

const STUN_PROTOCOLS = new Set(['stun', 'turn', 'turns']);

export default defineCheckPlanning<Options>({
  meta: {
    id: 'stun',
    title: 'STUN/TURN servers answer',
    failureTitle: 'STUN/TURN servers do not answer',
    description:
      'Sends a STUN Binding request (RFC 8489) to every stun/turn/turns endpoint over each of its transports ' +
      '(default UDP and TCP; TLS for turns) and records whether it answers, the reflexive address (this site as the ' +
      'server sees it) and the round trip. UDP requests are retransmitted as the RFC says (RTO 500 ms, doubling) within ' +
      'the deadline. It tells apart **filtered** (no answer: dropped), **refused** (ICMP port unreachable or TCP RST), ' +
      '**unreachable** (ICMP host/net unreachable) and **timeout** (connected but no STUN). UDP blocked while TCP/TLS ' +
      "works is a warning: media then falls back to TCP/TLS relays. Where the server returns OTHER-ADDRESS, the NAT's " +
      "mapping and filtering behaviour are discovered (RFC 5780). The UDP ports listed in the endpoint's `ports` are " +
      'swept with Binding requests to show which answer.',
    category: 'network',
    severity: 'critical',
    weight: 3,
    timeoutMs: 30000,
    references: [
      { title: 'RFC 8489 — Session Traversal Utilities for NAT (STUN)', clause: '§6.2 (retransmissions), §14.2 (XOR-MAPPED-ADDRESS)' },
      { title: 'RFC 5780 — NAT Behavior Discovery Using STUN', clause: '§4.3 (mapping), §4.4 (filtering)' },
      { title: 'RFC 4787 — NAT Behavioral Requirements for Unicast UDP', clause: 'REQ-1, REQ-8' },
      { title: 'RFC 7064 / RFC 7065 — stun: and turn: URIs' },
      {
        title: "Microsoft Teams: prepare your organization's network",
        url: 'https://learn.microsoft.com/microsoftteams/prepare-network',
        clause: 'UDP 3478–3481 to the media edge; RTT < 100 ms',
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
          description: 'Deadline of one Binding transaction (UDP retransmissions included).',
        },
        connectTimeoutMs: { type: 'integer', minimum: 50, maximum: 60000, description: 'TCP/TLS connect deadline.' },
        slowMs: { type: 'number', minimum: 1, description: 'Round trip above which the result is a warning.' },
        natDiscovery: { type: 'boolean', description: 'Run RFC 5780 NAT behaviour discovery when the server supports it.' },
        natTimeoutMs: { type: 'integer', minimum: 100, maximum: 60000, description: 'Deadline of each NAT discovery transaction.' },
        sweepTimeoutMs: { type: 'integer', minimum: 100, maximum: 60000, description: 'Deadline of each port-sweep Binding.' },
        sweepConcurrency: {
          type: 'integer',
          minimum: 1,
          maximum: 256,
          description: 'Binding requests in flight at once during the port sweep (1–256).',
        },
        maxSweepPorts: {
          type: 'integer',
          minimum: 1,
          maximum: 65535,
          description: 'Ports swept at most, in list order (1–65535); a longer list is cut and marked truncated.',
        },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: {
      transactionTimeoutMs: 3000,
      connectTimeoutMs: 3000,
      slowMs: 100,
      natDiscovery: true,
      natTimeoutMs: 1500,
      sweepTimeoutMs: 1500,
      sweepConcurrency: 16,
      maxSweepPorts: 256,
    },
  },
  targets(site) {
    return endpointTargets(site, (ep) => STUN_PROTOCOLS.has(ep.protocol));
  },
});
