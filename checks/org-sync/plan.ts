// The org-sync check as planning sees it: what it is, its options, which sync sources it takes. Its
// measuring and judging code (index.ts) loads only when a run has work for it.

import { commonOptions, defineCheckPlanning } from '../../src/plugin-api.js';
import { integrationTargets } from '../../src/integration/targets.js';

export interface Options {
  connectTimeoutMs: number;
}

export default defineCheckPlanning<Options>({
  meta: {
    id: 'org-sync',
    title: 'The organisation-structure sync source is reachable',
    failureTitle: 'The organisation-structure sync source is unreachable',
    description:
      'For every endpoint with role `directory-sync`, or any endpoint with `orgSync: true` (a directory or an HR / OA API ' +
      "that is also the source of departments and users): along the endpoint's route, an http(s) URL must answer (any " +
      'status below 500 — the sync authenticates with its own credentials — after at most 5 redirects, with a body that ' +
      'ends), an ldap(s) address must answer an LDAP request (RFC 4532 "Who am I?", no credentials), a tls / tcp address ' +
      'must accept the connection (with a verified TLS handshake for ldaps and tls). A clear-text source (http, tcp) is ' +
      'reported; ldap(s) sources also get the directory check (StartTLS, binds).',
    category: 'integration',
    severity: 'medium',
    weight: 1,
    timeoutMs: 15_000,
    references: [{ title: 'RFC 8314 — Cleartext Considered Obsolete', clause: '§3' }],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000 },
  },
  targets(site) {
    return integrationTargets(
      site,
      (ep) =>
        (ep.role === 'directory-sync' || ep.extra.orgSync === true) &&
        ['http', 'https', 'ldap', 'ldaps', 'tls', 'tcp'].includes(ep.protocol),
    );
  },
});
