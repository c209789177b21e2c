// The interception check as planning sees it: what it is, its options, which endpoints it takes.
// Its measuring and judging code (index.ts) loads only when a run has work for it.

import { commonOptions, defineCheckPlanning, endpointTargets, TLS_PROTOCOLS } from '../../src/plugin-api.js';

export interface Options {
  connectTimeoutMs: number;
  compareDirect: boolean;
}

export default defineCheckPlanning<Options>({
  meta: {
    id: 'interception',
    title: 'TLS to the platform is not intercepted',
    failureTitle: 'TLS to the platform is intercepted',
    description:
      "Completes a TLS handshake with every TLS endpoint along its route (direct, or inside the proxy's CONNECT " +
      'tunnel) and records the chain actually presented: subjects, issuers, SHA-256 fingerprints and SPKI pins, and ' +
      "whether it ends at one of Node's public roots or at a private CA. With `tls.expectedIssuer` or `tls.spkiPins` on " +
      'the endpoint, a chain that matches neither is `intercepted` — which catches a proxy that re-signs with a corporate ' +
      'CA the client trusts, where validation alone passes. Without them, a private CA and (through a proxy) a ' +
      "certificate that differs from the direct path's are reported.",
    category: 'security',
    severity: 'high',
    weight: 2,
    timeoutMs: 15_000,
    references: [
      { title: 'RFC 7469 — Public Key Pinning Extension for HTTP', clause: '§2.4 (SPKI fingerprint)' },
      { title: 'CISA / US-CERT TA17-075A — HTTPS interception weakens TLS security' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        compareDirect: {
          type: 'boolean',
          description: 'Through a proxy, also fetch the leaf on the direct path: a different key is interception.',
        },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000, compareDirect: true },
  },
  targets(site) {
    return endpointTargets(site, (ep) => TLS_PROTOCOLS.has(ep.protocol) && ep.expect === 'reachable');
  },
});
