// The sso check's verdicts on fact fixtures: no network, no root (measured against a local HTTPS
// identity provider and hostile peers in test/integration/integration-checks.test.ts and
// test/hostile/).

import { expect, it } from 'vitest';
import { CheckTester } from '../../test/helpers/check-tester.js';
import sso, { type SsoFacts } from './index.js';

const ISSUER = 'https://login.corp.example/tenant';
const META = 'https://adfs.corp.example/FederationMetadata/2007-06/FederationMetadata.xml';
const tls = { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', alpn: 'http/1.1', authorized: true } as const;
const base = {
  classification: 'ok',
  path: 'direct',
  addresses: ['192.0.2.60'],
  connectTimeoutMs: 3000,
  measuredAt: '2026-12-01T00:00:00.000Z',
  status: 200,
  ttfbMs: 30,
  tls,
} as const;
const ok = (url: string, status: number) => ({ url, classification: 'ok', status, ttfbMs: 5 });
const rsa = { kid: 'k1', kty: 'RSA', alg: 'RS256', use: 'sig', bits: 2048 };

const oidc = (extra: Partial<SsoFacts> = {}): SsoFacts => ({
  ...base,
  ssoKind: 'oidc',
  discoveryUrl: `${ISSUER}/.well-known/openid-configuration`,
  expectedIssuer: ISSUER,
  issuer: ISSUER,
  endpoints: { authorization_endpoint: `${ISSUER}/authorize`, token_endpoint: `${ISSUER}/token`, jwks_uri: `${ISSUER}/keys` },
  idTokenSigningAlgs: ['RS256'],
  problems: [],
  reachability: { authorization_endpoint: ok(`${ISSUER}/authorize`, 400), token_endpoint: ok(`${ISSUER}/token`, 405) },
  jwks: { url: `${ISSUER}/keys`, status: 200, keys: [rsa] },
  ...extra,
});
const cert = (daysLeft: number, extra: object = {}) => ({
  subject: 'CN=adfs-signing',
  issuer: 'CN=adfs-signing',
  validFrom: '2026-01-01T00:00:00.000Z',
  validTo: '2027-01-01T00:00:00.000Z',
  daysLeft,
  keyType: 'rsa',
  bits: 2048,
  fingerprint256: 'AA:BB',
  ...extra,
});
const saml = (extra: Partial<SsoFacts> = {}): SsoFacts => ({
  ...base,
  ssoKind: 'saml',
  metadataUrl: META,
  entityId: 'http://adfs.corp.example/adfs/services/trust',
  idp: true,
  signing: [cert(200)],
  soonestExpiryDays: 200,
  samlEndpoints: [{ kind: 'sso', binding: 'HTTP-Redirect', location: 'https://adfs.corp.example/adfs/ls/' }],
  reachability: [{ endpoint: 'sso:HTTP-Redirect', ...ok('https://adfs.corp.example/adfs/ls/', 200) }],
  ...extra,
});

const oidcSite = { version: 1, site: { name: 'S' }, platform: { endpoints: [{ name: 'idp', role: 'sso', url: ISSUER }] } };
const samlSite = { version: 1, site: { name: 'S' }, platform: { endpoints: [{ name: 'idp', role: 'sso', url: META }] } };
const failed = (classification: string, code: string, extra: object = {}): SsoFacts => ({
  classification,
  path: 'direct',
  addresses: ['192.0.2.60'],
  connectTimeoutMs: 3000,
  measuredAt: base.measuredAt,
  ssoKind: 'oidc',
  code,
  failure: { classification, phase: 'application', code, message: `${code} happened`, ...extra },
});

const tester = new CheckTester(sso);
tester.run({
  valid: [
    { name: 'a good OpenID provider', facts: oidc(), site: oidcSite, status: 'pass', score: 1, measurements: { discoveryTtfbMs: 30 } },
    { name: 'good SAML metadata', facts: saml(), site: samlSite, status: 'pass', measurements: { metadataTtfbMs: 30, certDaysLeft: 200 } },
    {
      name: 'a certificate 20 days from expiry, with certDaysLeft lowered to 10',
      facts: saml({ signing: [cert(20)] }),
      site: samlSite,
      thresholds: { certDaysLeft: 10 },
      status: 'pass',
    },
  ],
  invalid: [
    {
      name: 'the discovery document answers 404',
      facts: oidc({ classification: 'http-error', status: 404 }),
      site: oidcSite,
      status: 'fail',
      findings: ['sso.status'],
    },
    {
      name: 'not JSON',
      facts: oidc({ classification: 'http-error', documentProblem: { reason: 'not-json' } }),
      site: oidcSite,
      status: 'fail',
      findings: ['sso.not-json'],
    },
    {
      name: 'a document without end',
      facts: oidc({ classification: 'http-error', documentProblem: { reason: 'too-large', limit: 262144 } }),
      site: oidcSite,
      status: 'fail',
      findings: ['sso.not-json'],
    },
    {
      name: 'missing fields and a wrongly typed one',
      facts: oidc({
        classification: 'server-error',
        problems: [
          { kind: 'missing', field: 'authorization_endpoint' },
          { kind: 'missing', field: 'token_endpoint' },
          { kind: 'wrong-type', field: 'response_types_supported', expected: 'array' },
        ],
      }),
      site: oidcSite,
      status: 'fail',
      findings: ['sso.missing', 'sso.wrong-type'],
    },
    {
      name: 'another issuer',
      facts: oidc({
        classification: 'server-error',
        problems: [{ kind: 'issuer-mismatch', issuer: 'https://login.elsewhere.example/', expected: ISSUER }],
      }),
      site: oidcSite,
      status: 'fail',
      findings: ['sso.issuer-mismatch'],
    },
    {
      name: 'an http endpoint',
      facts: oidc({ problems: [{ kind: 'not-https', field: 'jwks_uri', value: 'http://login.corp.example/keys' }] }),
      site: oidcSite,
      status: 'fail',
      findings: ['sso.not-https'],
    },
    {
      name: 'alg none offered',
      facts: oidc({ idTokenSigningAlgs: ['RS256', 'none'], problems: [{ kind: 'alg-none' }] }),
      site: oidcSite,
      status: 'warn',
      score: 0.6,
      findings: ['sso.alg-none'],
    },
    {
      name: 'no RS256',
      facts: oidc({ idTokenSigningAlgs: ['ES256'], problems: [{ kind: 'no-rs256' }] }),
      site: oidcSite,
      status: 'warn',
      score: 0.85,
      findings: ['sso.no-rs256'],
    },
    {
      name: 'the token endpoint does not answer',
      facts: oidc({
        reachability: {
          authorization_endpoint: ok(`${ISSUER}/authorize`, 400),
          token_endpoint: { url: `${ISSUER}/token`, classification: 'http-error', status: 503 },
        },
      }),
      site: oidcSite,
      status: 'fail',
      findings: ['sso.endpoint-unreachable'],
    },
    {
      name: 'the key set cannot be fetched',
      facts: oidc({ classification: 'timeout', jwks: { url: `${ISSUER}/keys`, classification: 'timeout', error: 'no complete answer' } }),
      site: oidcSite,
      status: 'fail',
      findings: ['sso.endpoint-unreachable'],
    },
    {
      name: 'the key set answers 404',
      facts: oidc({ classification: 'server-error', jwks: { url: `${ISSUER}/keys`, status: 404, invalid: 'status' } }),
      site: oidcSite,
      status: 'fail',
      findings: ['sso.jwks-invalid'],
    },
    {
      name: 'a key set without end',
      facts: oidc({ classification: 'server-error', jwks: { url: `${ISSUER}/keys`, status: 200, invalid: 'too-large', limit: 262144 } }),
      site: oidcSite,
      status: 'fail',
      findings: ['sso.jwks-invalid'],
    },
    {
      name: 'a key set with no usable key',
      facts: oidc({
        classification: 'server-error',
        jwks: { url: `${ISSUER}/keys`, status: 200, invalid: 'no-usable-key', problems: [{ kind: 'malformed', why: 'no-kty' }] },
      }),
      site: oidcSite,
      status: 'fail',
      findings: ['sso.jwks-invalid'],
    },
    {
      name: 'weak, symmetric and alg-none keys',
      facts: oidc({
        jwks: {
          url: `${ISSUER}/keys`,
          status: 200,
          keys: [rsa, { kid: 'weak', kty: 'RSA', bits: 1024 }, { kid: 'hmac', kty: 'oct' }],
          problems: [{ kind: 'weak-rsa', kid: 'weak', bits: 1024 }, { kind: 'symmetric', kid: 'hmac' }, { kind: 'alg-none' }],
        },
      }),
      site: oidcSite,
      status: 'fail',
      findings: ['sso.weak-key', 'sso.symmetric-key', 'sso.key-alg-none'],
    },
    {
      name: 'one malformed key among good ones',
      facts: oidc({
        jwks: { url: `${ISSUER}/keys`, status: 200, keys: [rsa], problems: [{ kind: 'malformed', kid: 'b', why: 'no-modulus' }] },
      }),
      site: oidcSite,
      status: 'warn',
      score: 0.6,
      findings: ['sso.bad-key'],
    },
    {
      name: 'the metadata answers 500',
      facts: saml({ classification: 'http-error', status: 500 }),
      site: samlSite,
      status: 'fail',
      findings: ['sso.status'],
    },
    {
      name: 'metadata with a DTD',
      facts: {
        ...base,
        classification: 'http-error',
        ssoKind: 'saml',
        metadataUrl: META,
        documentProblem: { reason: 'xml', xmlKind: 'dtd', message: 'a DTD is not accepted' },
      },
      site: samlSite,
      status: 'fail',
      findings: ['sso.metadata-invalid'],
    },
    {
      name: 'metadata of a service provider',
      facts: saml({ classification: 'server-error', idp: false, signing: [], samlEndpoints: [], reachability: undefined }),
      site: samlSite,
      status: 'fail',
      findings: ['sso.not-idp'],
    },
    {
      name: 'no signing certificate',
      facts: saml({ classification: 'server-error', signing: [], unreadableCerts: ['not base64'] }),
      site: samlSite,
      status: 'fail',
      findings: ['sso.no-signing-cert'],
    },
    {
      name: 'the only signing certificate expired',
      facts: saml({ signing: [cert(-3)] }),
      site: samlSite,
      status: 'fail',
      findings: ['sso.cert-expired'],
    },
    {
      name: 'a rollover: an expired certificate beside a current one',
      facts: saml({ signing: [cert(-3, { fingerprint256: 'OLD' }), cert(300)] }),
      site: samlSite,
      status: 'warn',
      score: 0.6,
      findings: ['sso.cert-expired'],
    },
    {
      name: 'a certificate that expires in 20 days',
      facts: saml({ signing: [cert(20)] }),
      site: samlSite,
      status: 'warn',
      findings: ['sso.cert-expiring'],
      measurements: { certDaysLeft: 20 },
    },
    {
      name: 'certWarnDays raised in the options',
      facts: saml({ signing: [cert(60)] }),
      site: samlSite,
      options: { certWarnDays: 90 },
      status: 'warn',
      findings: ['sso.cert-expiring'],
    },
    {
      name: 'an RSA-1024 signing certificate',
      facts: saml({ signing: [cert(200, { bits: 1024 })] }),
      site: samlSite,
      status: 'fail',
      findings: ['sso.cert-weak'],
    },
    {
      name: 'validUntil passed when it was read',
      facts: saml({ validUntil: '2026-11-01T00:00:00Z' }),
      site: samlSite,
      status: 'warn',
      findings: ['sso.metadata-expired'],
    },
    {
      name: 'no SingleSignOnService',
      facts: saml({
        classification: 'server-error',
        samlEndpoints: [{ kind: 'slo', binding: 'HTTP-Redirect', location: 'https://adfs.corp.example/adfs/ls/' }],
        reachability: [],
      }),
      site: samlSite,
      status: 'fail',
      findings: ['sso.no-sso-endpoint'],
    },
    {
      name: 'the SingleSignOnService location does not answer',
      facts: saml({
        reachability: [
          {
            endpoint: 'sso:HTTP-Redirect',
            url: 'https://adfs.corp.example/adfs/ls/',
            classification: 'refused',
            error: 'connect ECONNREFUSED',
          },
        ],
      }),
      site: samlSite,
      status: 'fail',
      findings: ['sso.endpoint-unreachable'],
    },
    {
      name: 'a stall: the shared timeout finding',
      facts: failed('timeout', 'HTTP_DEADLINE'),
      site: oidcSite,
      status: 'fail',
      score: 0,
      findings: ['sso.timeout'],
    },
    {
      name: 'a redirect loop',
      facts: failed('http-error', 'HTTP_REDIRECT_LOOP', { detail: { chain: [ISSUER, ISSUER] } }),
      site: oidcSite,
      status: 'fail',
      findings: ['sso.redirect-loop'],
    },
    {
      name: 'an answer that is no protocol at all',
      facts: failed('server-error', 'BAD_ANSWER'),
      site: oidcSite,
      status: 'fail',
      findings: ['sso.bad-answer'],
    },
  ],
});

it('present: the provider, its endpoints with the key set, and its keys', () => {
  const blocks = tester.verify({ facts: oidc(), site: oidcSite, status: 'pass' }, true).blocks!;
  expect(blocks.map((b) => `${b.kind}:${(b.title as { id: string }).id}`)).toEqual([
    'key-value:sso.block.provider',
    'table:sso.block.endpoints',
    'table:sso.block.keys',
    'key-value:reach.block.connection',
  ]);
  const endpoints = blocks[1]!;
  if (endpoints.kind !== 'table') throw new Error(endpoints.kind);
  expect(endpoints.rows.map((r) => r.endpoint)).toEqual(['authorization_endpoint', 'token_endpoint', 'jwks_uri']);
  const keys = blocks[2]!;
  if (keys.kind !== 'table') throw new Error(keys.kind);
  expect(keys.rows[0]).toMatchObject({ kid: 'k1', size: { value: 2048, unit: 'bit' } });
});

it('present: SAML certificates with their days left', () => {
  const blocks = tester.verify({ facts: saml(), site: samlSite, status: 'pass' }, true).blocks!;
  const certs = blocks.find((b) => (b.title as { id: string }).id === 'sso.block.certs');
  if (certs?.kind !== 'table') throw new Error('no certificate table');
  expect(certs.rows).toEqual([expect.objectContaining({ subject: 'CN=adfs-signing', daysLeft: 200, validTo: '2027-01-01' })]);
});
