// What the sso check measures of an identity provider: the OpenID configuration and its key set,
// or the SAML IdP metadata and its certificates, and whether the URLs they name answer.

import type { Classification } from '../../src/plugin-api.js';
import type { UrlProbe } from '../../src/integration/common.js';
import { answerFactsProperties, integrationFactsSchema, type AnswerFacts, type IntegrationFacts } from '../../src/integration/facts.js';
import type { DiscoveryProblem, KeyFacts, KeyProblem } from '../../src/integration/oidc.js';
import type { SamlEndpoint, SigningCert } from '../../src/integration/saml.js';

export type { UrlProbe };

/** The document answered 200 but cannot be read as what it should be. */
export type DocumentProblem =
  /** OIDC: larger than the limit (it may never end). */
  | { reason: 'too-large'; limit: number }
  /** OIDC: not a JSON object. */
  | { reason: 'not-json' }
  /** SAML: the XML reader refused it (too large, a DTD, too deep, malformed …). */
  | { reason: 'xml'; xmlKind: string; message: string };

export type JwksInvalid = 'status' | 'too-large' | 'not-json' | 'no-keys-array' | 'no-keys' | 'no-usable-key';

export interface JwksFacts {
  url: string;
  /** How fetching the key set failed (absent when it answered). */
  classification?: Classification;
  error?: string;
  status?: number;
  /** Why the answer is no usable key set. */
  invalid?: JwksInvalid;
  /** With invalid: too-large. */
  limit?: number;
  keys?: KeyFacts[];
  problems?: KeyProblem[];
}

/** A SAML SingleSignOn / SingleLogout location probed: `endpoint` is kind:binding (sso:HTTP-POST). */
export interface SamlReach extends UrlProbe {
  endpoint: string;
}

export type OidcEndpointField = 'authorization_endpoint' | 'token_endpoint' | 'userinfo_endpoint' | 'jwks_uri' | 'end_session_endpoint';

/** The answer (AnswerFacts) is the discovery document's or the metadata's. */
export interface SsoFacts extends IntegrationFacts, AnswerFacts {
  ssoKind: 'oidc' | 'saml';
  /** When the documents were read: a SAML validUntil is judged against this moment. */
  measuredAt: string;
  documentProblem?: DocumentProblem;
  // OIDC
  discoveryUrl?: string;
  expectedIssuer?: string;
  issuer?: string;
  endpoints?: Partial<Record<OidcEndpointField, string>>;
  idTokenSigningAlgs?: string[];
  problems?: DiscoveryProblem[];
  /** OIDC: by endpoint field; SAML: one entry per distinct location (at most 6). */
  reachability?: Partial<Record<OidcEndpointField, UrlProbe>> | SamlReach[];
  jwks?: JwksFacts;
  // SAML
  metadataUrl?: string;
  entityId?: string;
  validUntil?: string;
  /** The metadata describes an identity provider (an IDPSSODescriptor). */
  idp?: boolean;
  signing?: SigningCert[];
  /** Certificates in the metadata that could not be read, by reason. */
  unreadableCerts?: string[];
  soonestExpiryDays?: number;
  samlEndpoints?: SamlEndpoint[];
}

const urlProbeProperties = {
  url: { type: 'string' },
  classification: { type: 'string' },
  status: { type: 'integer' },
  ttfbMs: { type: 'number' },
  error: { type: 'string' },
} as const;
const urlProbeSchema = { type: 'object', required: ['url', 'classification'], properties: urlProbeProperties } as const;

export const ssoFactsSchema = integrationFactsSchema(
  {
    ssoKind: { enum: ['oidc', 'saml'] },
    measuredAt: { type: 'string' },
    ...answerFactsProperties,
    documentProblem: {
      type: 'object',
      required: ['reason'],
      properties: {
        reason: { enum: ['too-large', 'not-json', 'xml'] },
        limit: { type: 'integer' },
        xmlKind: { type: 'string' },
        message: { type: 'string' },
      },
    },
    discoveryUrl: { type: 'string' },
    expectedIssuer: { type: 'string' },
    issuer: { type: 'string' },
    endpoints: { type: 'object', additionalProperties: { type: 'string' } },
    idTokenSigningAlgs: { type: 'array', items: { type: 'string' } },
    problems: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind'],
        properties: {
          kind: { type: 'string' },
          field: { type: 'string' },
          expected: { type: 'string' },
          issuer: { type: 'string' },
          value: { type: 'string' },
        },
      },
    },
    reachability: {
      oneOf: [
        { type: 'object', additionalProperties: urlProbeSchema },
        {
          type: 'array',
          items: {
            type: 'object',
            required: ['endpoint', 'url', 'classification'],
            properties: { endpoint: { type: 'string' }, ...urlProbeProperties },
          },
        },
      ],
    },
    jwks: {
      type: 'object',
      required: ['url'],
      properties: {
        url: { type: 'string' },
        classification: { type: 'string' },
        error: { type: 'string' },
        status: { type: 'integer' },
        invalid: { enum: ['status', 'too-large', 'not-json', 'no-keys-array', 'no-keys', 'no-usable-key'] },
        limit: { type: 'integer' },
        keys: {
          type: 'array',
          items: {
            type: 'object',
            required: ['kty'],
            properties: {
              kid: { type: 'string' },
              kty: { type: 'string' },
              alg: { type: 'string' },
              use: { type: 'string' },
              crv: { type: 'string' },
              bits: { type: 'integer' },
            },
          },
        },
        problems: {
          type: 'array',
          items: {
            type: 'object',
            required: ['kind'],
            properties: {
              kind: { enum: ['symmetric', 'alg-none', 'weak-rsa', 'malformed'] },
              kid: { type: 'string' },
              bits: { type: 'integer' },
              why: { type: 'string' },
            },
          },
        },
      },
    },
    metadataUrl: { type: 'string' },
    entityId: { type: 'string' },
    validUntil: { type: 'string' },
    idp: { type: 'boolean' },
    signing: {
      type: 'array',
      items: {
        type: 'object',
        required: ['subject', 'issuer', 'validFrom', 'validTo', 'daysLeft', 'fingerprint256'],
        properties: {
          subject: { type: 'string' },
          issuer: { type: 'string' },
          validFrom: { type: 'string' },
          validTo: { type: 'string' },
          daysLeft: { type: 'integer' },
          keyType: { type: 'string' },
          bits: { type: 'integer' },
          namedCurve: { type: 'string' },
          fingerprint256: { type: 'string' },
        },
      },
    },
    unreadableCerts: { type: 'array', items: { type: 'string' } },
    soonestExpiryDays: { type: 'integer' },
    samlEndpoints: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind', 'binding', 'location'],
        properties: { kind: { enum: ['sso', 'slo'] }, binding: { type: 'string' }, location: { type: 'string' } },
      },
    },
  },
  ['ssoKind', 'measuredAt'],
);

/** The provider answered with nothing a relying party can use: classified server-error, not ok. */
export function unusable(facts: SsoFacts): boolean {
  if (facts.ssoKind === 'saml') return !facts.idp || !facts.signing?.length || !facts.samlEndpoints?.some((e) => e.kind === 'sso');
  return (
    Boolean(facts.jwks?.invalid) ||
    Boolean(facts.problems?.some((p) => p.kind === 'missing' || p.kind === 'wrong-type' || p.kind === 'issuer-mismatch'))
  );
}
