// The sso check as planning sees it: what it is, its options, which identity providers it takes. Its
// measuring and judging code (index.ts) loads only when a run has work for it.

import { commonOptions, defineCheckPlanning } from '../../src/plugin-api.js';
import { integrationTargets } from '../../src/integration/targets.js';

export interface Options {
  connectTimeoutMs: number;
  certWarnDays: number;
  slowMs: number;
}

export default defineCheckPlanning<Options>({
  meta: {
    id: 'sso',
    title: 'Single sign-on (OIDC / SAML) is correctly published and reachable',
    failureTitle: 'Single sign-on (OIDC / SAML) is broken or weak',
    description:
      'For every endpoint with role `sso`. **OIDC**: fetches the provider configuration (`<issuer>/.well-known/openid-configuration`, ' +
      'or the URL given) and validates it per OpenID Connect Discovery 1.0 — required fields (§3), `issuer` identical to the ' +
      'issuer it was fetched for (§4.3), https endpoints; checks that the authorization, token, userinfo and end-session ' +
      'endpoints answer; fetches the JWKS and reports every key (kty, alg, use, kid, RSA size): RSA keys under 2048 bits, ' +
      'alg `none` and symmetric keys are findings. **SAML**: fetches the IdP metadata (parsed without DTDs or entity ' +
      'expansion, 1 MiB cap), extracts the signing certificates (subject, expiry, days left, key size) and checks that the ' +
      "SingleSignOn / SingleLogout locations answer. Requests follow the endpoint's route (direct or proxy).",
    category: 'integration',
    severity: 'critical',
    weight: 3,
    timeoutMs: 20_000,
    references: [
      {
        title: 'OpenID Connect Discovery 1.0',
        url: 'https://openid.net/specs/openid-connect-discovery-1_0.html',
        clause: '§3 (provider metadata), §4 (obtaining it), §4.3 (issuer validation)',
      },
      {
        title: 'OpenID Connect Core 1.0',
        url: 'https://openid.net/specs/openid-connect-core-1_0.html',
        clause: '§3.1.2.1 (TLS), §10.1 (signing)',
      },
      { title: 'RFC 7517 — JSON Web Key (JWK)', clause: '§4 (key parameters), §5 (JWK Set)' },
      { title: 'OASIS SAML V2.0 Metadata (saml-metadata-2.0-os)', clause: '§2.4.1.1 (KeyDescriptor), §2.4.3 (IDPSSODescriptor)' },
      { title: 'NIST SP 800-131A Rev. 2', clause: '§3 (RSA signature keys ≥ 2048 bits)' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        certWarnDays: {
          type: 'integer',
          minimum: 0,
          maximum: 3650,
          description: 'A SAML signing certificate with fewer days left is a warning, days (0–3650).',
        },
        slowMs: {
          type: 'number',
          minimum: 1,
          description: 'Reference time to first byte of the discovery document or metadata, ms (≥ 1); informative, never a finding.',
        },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000, certWarnDays: 30, slowMs: 1000 },
  },
  targets(site) {
    return integrationTargets(site, (ep) => ep.role === 'sso' && (ep.protocol === 'https' || ep.protocol === 'http'));
  },
});
