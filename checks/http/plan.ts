// The http check as planning sees it: what it is, its options, which endpoints it takes. Its
// measuring and judging code (index.ts) loads only when a run has work for it.

import { commonOptions, defineCheckPlanning, endpointTargets } from '../../src/plugin-api.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../src/net/http-limits.js';

export interface Options {
  connectTimeoutMs: number;
  maxRedirects: number;
  maxBodyBytes: number;
  slowMs: number;
}

export default defineCheckPlanning<Options>({
  meta: {
    id: 'http',
    title: 'HTTP(S) endpoints answer',
    failureTitle: 'HTTP(S) endpoints do not answer',
    description:
      'Sends one GET to every http/https endpoint over the addresses the dns check found, follows redirects by hand ' +
      '(each hop recorded), and records the status, the time to first byte (connect + TLS + server time), the TLS ' +
      'version and cipher. A failure is classified by the phase it happened in: refused / filtered / unreachable at ' +
      'connect, `tls-failure` with its kind (expired, self-signed, untrusted issuer, hostname mismatch, protocol ' +
      'mismatch, reset during the handshake), or `http-error` (unexpected status). 401 and 403 count as reachable ' +
      "unless `expectStatus` says otherwise. Certificates are verified against Node's roots plus `security.trust.caFile`.",
    category: 'network',
    severity: 'critical',
    weight: 3,
    timeoutMs: 15000,
    references: [
      { title: 'RFC 9110 — HTTP Semantics', clause: '§15 (status codes)' },
      { title: 'RFC 5280 — Internet X.509 PKI certificate and CRL profile', clause: '§6 (path validation)' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        maxRedirects: {
          type: 'integer',
          minimum: 0,
          maximum: 20,
          description: 'Redirects followed, count (0–20); a redirect still pending after them fails.',
        },
        maxBodyBytes: {
          type: 'integer',
          minimum: 1024,
          description: 'the longest body an answer may have; one still coming past it fails',
        },
        slowMs: {
          type: 'number',
          minimum: 1,
          description: 'Time to first byte, summed over redirects, above which the result is a warning, ms (≥ 1).',
        },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000, maxRedirects: 5, maxBodyBytes: DEFAULT_MAX_BODY_BYTES, slowMs: 1000 },
  },
  targets(site) {
    return endpointTargets(site, (ep) => (ep.protocol === 'http' || ep.protocol === 'https') && ep.expect === 'reachable');
  },
});
