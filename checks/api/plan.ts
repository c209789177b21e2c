// The api check as planning sees it: what it is, its options, which business-system APIs it takes. Its
// measuring and judging code (index.ts) loads only when a run has work for it.

import { commonOptions, defineCheckPlanning } from '../../src/plugin-api.js';
import { integrationTargets } from '../../src/integration/targets.js';

export interface Options {
  connectTimeoutMs: number;
  slowMs: number;
}

/** Business systems the IM platform integrates with over HTTP APIs. */
const API_ROLES = new Set(['hr', 'oa', 'crm', 'ticketing', 'integration']);

export default defineCheckPlanning<Options>({
  meta: {
    id: 'api',
    title: 'Business-system APIs are reachable and protected',
    failureTitle: 'Business-system APIs are unreachable or unprotected',
    description:
      'For every endpoint with role `hr`, `oa`, `crm`, `ticketing` or `integration` (and `api` endpoints that list this ' +
      "check in their `checks`), one request without credentials along the endpoint's route: the answer must be an " +
      'authentication challenge — 401 with `WWW-Authenticate` (RFC 9110 §11.6.1), a redirect to a login page (SSO), or ' +
      '403. A 2xx answer means the API serves anyone who can reach it: a finding. Plain `http://` is a finding; TLS ' +
      'failures are classified like the http check. Time to first byte is compared with `slowMs`.',
    category: 'integration',
    severity: 'high',
    weight: 2,
    timeoutMs: 15_000,
    references: [
      { title: 'RFC 9110 — HTTP Semantics', clause: '§11.6.1 (WWW-Authenticate), §15.5.2 (401), §15.5.4 (403)' },
      {
        title: 'OWASP API Security Top 10 (2023)',
        url: 'https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/',
        clause: 'API2:2023 Broken Authentication',
      },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        slowMs: { type: 'number', minimum: 1, description: 'Time to first byte above which the result is a warning, ms (≥ 1).' },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000, slowMs: 1000 },
  },
  targets(site) {
    return integrationTargets(
      site,
      (ep) =>
        (ep.protocol === 'http' || ep.protocol === 'https') &&
        (API_ROLES.has(ep.role) || (ep.role === 'api' && Boolean(ep.checks?.includes('api')))),
    );
  },
});
