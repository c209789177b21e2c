// The directory check as planning sees it: what it is, its options, which directory endpoints it takes.
// Its measuring and judging code (index.ts) loads only when a run has work for it.

import { commonOptions, defineCheckPlanning } from '../../src/plugin-api.js';
import { integrationTargets } from '../../src/integration/targets.js';

export type StartTlsPolicy = 'require' | 'try' | 'off';

export interface Options {
  connectTimeoutMs: number;
  startTls: StartTlsPolicy;
  anonymousBind: boolean;
}

const DIRECTORY_PROTOCOLS = new Set(['ldap', 'ldaps', 'tls']);
/** A bare `tcp` endpoint is taken for LDAP only on the LDAP ports (RFC 4511 389, LDAPS 636, AD global catalog 3268/3269). */
const LDAP_PORTS = new Set([389, 636, 3268, 3269]);

export default defineCheckPlanning<Options>({
  meta: {
    id: 'directory',
    title: 'The directory (LDAP) is reachable over TLS and accepts the service account',
    failureTitle: 'The directory (LDAP) is not usable by the IM platform',
    description:
      'For every endpoint with role `directory` (ldaps:// or ldap:// URLs, or host:port with protocol ldaps / ldap / ' +
      "tls, or tcp on 389 / 636 / 3268 / 3269; also `directory-sync` endpoints with ldap(s) URLs), along its route (direct or through the proxy's CONNECT " +
      'tunnel): LDAPS — the TLS handshake with ' +
      'certificate verification (trust, host name, validity, protocol), classified like the http check; ldap:// — the ' +
      'StartTLS extended operation (RFC 4511 §4.14, OID 1.3.6.1.4.1.1466.20037) and then the same TLS handshake. Then an ' +
      'anonymous simple bind (allowed or refused is recorded) and, with `credentials.bindDn` and `credentials.password: ' +
      '${ENV}`, a simple bind as the service account: success, `invalidCredentials` (49) and other result codes are told ' +
      "apart. A password is never sent over an unencrypted connection. The full TLS audit (versions, ciphers) is the tls check's.",
    category: 'integration',
    severity: 'high',
    weight: 3,
    timeoutMs: 15_000,
    references: [
      { title: 'RFC 4511 — LDAP: The Protocol', clause: '§4.2 (Bind), §4.14 (StartTLS), Appendix A (result codes)' },
      { title: 'RFC 4513 — LDAP: Authentication Methods and Security Mechanisms', clause: '§3 (StartTLS), §5.1 (simple bind, anonymous)' },
      { title: 'RFC 8314 — Cleartext Considered Obsolete', clause: '§3 (implicit TLS preferred)' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        startTls: {
          type: 'string',
          enum: ['require', 'try', 'off'],
          description:
            "StartTLS on ldap:// endpoints: require (a refusal fails), try (a refusal is a medium finding) or off (clear text); an endpoint's ldap.startTls wins.",
        },
        anonymousBind: { type: 'boolean', description: 'Try an anonymous bind and report whether it is allowed (default true).' },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000, startTls: 'require', anonymousBind: true },
  },
  targets(site) {
    return integrationTargets(
      site,
      // An org-structure sync source that is a directory gets the same LDAP tests.
      (ep) =>
        (ep.role === 'directory' || (ep.role === 'directory-sync' && (ep.protocol === 'ldap' || ep.protocol === 'ldaps'))) &&
        (DIRECTORY_PROTOCOLS.has(ep.protocol) || (ep.protocol === 'tcp' && LDAP_PORTS.has(ep.port))),
    );
  },
});
