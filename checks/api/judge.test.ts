// The api check's verdicts on fact fixtures: no network, no root (measured against a local HTTPS
// server and hostile peers in test/integration/integration-checks.test.ts and test/hostile/).

import { expect, it } from 'vitest';
import { CheckTester } from '../../test/helpers/check-tester.js';
import api, { type ApiFacts } from './index.js';

const URL = 'https://hr.corp.example/api/v1/';
const tls = { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', alpn: 'http/1.1', authorized: true } as const;
const answer = (status: number, auth: ApiFacts['auth'], extra: Partial<ApiFacts> = {}): ApiFacts => ({
  classification: 'ok',
  path: 'direct',
  addresses: ['192.0.2.40'],
  connectTimeoutMs: 3000,
  url: URL,
  status,
  auth,
  tls,
  ttfbMs: 40,
  connectMs: 2,
  tlsHandshakeMs: 6,
  ...extra,
});
const site = (endpoint: Record<string, unknown> = {}) => ({
  version: 1,
  site: { name: 'A' },
  platform: { endpoints: [{ name: 'hr', role: 'hr', url: URL, ...endpoint }] },
});
const hrSite = site();
const tooLarge = {
  classification: 'http-error',
  kind: 'protocol-error',
  protocol: 'http',
  code: 'HTTP_BODY_TOO_LARGE',
  failure: {
    classification: 'http-error',
    phase: 'application',
    code: 'HTTP_BODY_TOO_LARGE',
    protocol: 'http',
    message: 'did not end',
    detail: { status: 200, limit: 262144 },
  },
} as const;

const tester = new CheckTester(api);
tester.run({
  valid: [
    {
      name: '401 with a challenge',
      facts: answer(401, 'challenge', { schemes: ['Bearer'] }),
      site: hrSite,
      status: 'pass',
      score: 1,
      measurements: { status: 401, ttfbMs: 40, connectMs: 2, tlsHandshakeMs: 6 },
    },
    { name: '403', facts: answer(403, 'forbidden'), site: hrSite, status: 'pass' },
    {
      name: 'a redirect to the SSO login',
      facts: answer(302, 'redirect-to-login', {
        loginUrl: 'https://idp.corp.example/authorize',
        redirects: [{ url: 'https://idp.corp.example/authorize', status: 200 }],
      }),
      site: hrSite,
      status: 'pass',
    },
    {
      name: 'a slow answer judged against a looser threshold',
      facts: answer(401, 'challenge', { ttfbMs: 1500 }),
      thresholds: { ttfbMs: 2000 },
      site: hrSite,
      status: 'pass',
    },
  ],
  invalid: [
    { name: 'served without credentials', facts: answer(200, 'none'), site: hrSite, status: 'fail', score: 0, findings: ['api.open'] },
    {
      name: 'plain http',
      facts: answer(401, 'challenge', { url: 'http://hr.corp.example/api/v1/', tls: undefined }),
      site: site({ url: 'http://hr.corp.example/api/v1/' }),
      status: 'fail',
      score: 0,
      findings: ['api.plaintext'],
    },
    {
      name: '401 without WWW-Authenticate',
      facts: answer(401, 'challenge-without-scheme'),
      site: hrSite,
      status: 'warn',
      score: 0.85,
      findings: ['api.no-challenge'],
    },
    {
      name: 'a redirect that is not a login',
      facts: answer(301, 'redirect', {
        location: 'https://hr.corp.example/v2/',
        redirects: [{ url: 'https://hr.corp.example/v2/', status: 200 }],
      }),
      site: hrSite,
      status: 'warn',
      findings: ['api.redirect'],
    },
    {
      name: 'a 5xx answer',
      facts: answer(502, 'unknown', { classification: 'http-error' }),
      site: hrSite,
      status: 'fail',
      score: 0,
      findings: ['api.status'],
    },
    {
      name: 'a 404 answer: no API there',
      facts: answer(404, 'unknown', { classification: 'http-error' }),
      site: hrSite,
      status: 'fail',
      findings: ['api.status'],
    },
    {
      name: 'a little over slowMs: a finding, so never a pass',
      facts: answer(401, 'challenge', { ttfbMs: 1050 }),
      site: hrSite,
      status: 'warn',
      findings: ['api.slow'],
    },
    {
      name: 'slow against a stricter threshold',
      facts: answer(401, 'challenge', { ttfbMs: 400 }),
      thresholds: { ttfbMs: 100 },
      site: hrSite,
      status: 'warn',
      score: [0.5, 0.89],
      findings: ['api.slow'],
    },
    {
      name: 'slow against slowMs from the options',
      facts: answer(401, 'challenge', { ttfbMs: 400 }),
      options: { slowMs: 200 },
      site: hrSite,
      status: 'warn',
      findings: ['api.slow'],
    },
    {
      name: 'an endless body that is open: both findings',
      facts: answer(200, 'none', tooLarge),
      site: hrSite,
      status: 'fail',
      findings: ['api.body-too-large', 'api.open'],
    },
    {
      name: 'an endless body behind a challenge',
      facts: answer(401, 'challenge', tooLarge),
      site: hrSite,
      status: 'fail',
      findings: ['api.body-too-large'],
    },
    {
      name: 'redirects in a loop',
      facts: answer(302, undefined, {
        classification: 'http-error',
        code: 'HTTP_REDIRECT_LOOP',
        failure: {
          classification: 'http-error',
          phase: 'application',
          code: 'HTTP_REDIRECT_LOOP',
          message: 'loop',
          detail: { chain: [URL, 'https://hr.corp.example/x', URL] },
        },
      }),
      site: hrSite,
      status: 'fail',
      findings: ['api.redirect-loop'],
    },
    {
      name: 'a Location that is not http(s)',
      facts: answer(302, undefined, {
        classification: 'http-error',
        code: 'HTTP_BAD_REDIRECT',
        failure: {
          classification: 'http-error',
          phase: 'application',
          code: 'HTTP_BAD_REDIRECT',
          message: 'bad',
          detail: { status: 302, location: 'ftp://x' },
        },
      }),
      site: hrSite,
      status: 'fail',
      findings: ['api.bad-redirect'],
    },
    {
      name: 'garbage instead of HTTP',
      facts: {
        classification: 'http-error',
        path: 'direct',
        addresses: ['192.0.2.40'],
        connectTimeoutMs: 3000,
        url: URL,
        kind: 'protocol-error',
        protocol: 'http',
        code: 'HPE_INVALID_CONSTANT',
        failure: {
          classification: 'http-error',
          phase: 'application',
          code: 'HPE_INVALID_CONSTANT',
          protocol: 'http',
          message: 'Expected HTTP/',
        },
      },
      site: hrSite,
      status: 'fail',
      findings: ['api.protocol-error'],
    },
    {
      name: 'an untrusted certificate',
      facts: {
        classification: 'tls-failure',
        path: 'direct',
        addresses: ['192.0.2.40'],
        connectTimeoutMs: 3000,
        url: URL,
        tlsKind: 'self-signed',
        failure: {
          classification: 'tls-failure',
          phase: 'tls',
          code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
          tlsKind: 'self-signed',
          message: 'self-signed certificate',
        },
      },
      site: hrSite,
      status: 'fail',
      findings: ['api.tls-failure'],
    },
  ],
});

it('present: status, what the API did without credentials, its schemes and the connection', () => {
  const v = tester.verify({ facts: answer(401, 'challenge', { schemes: ['Bearer', 'Basic'] }), site: hrSite, status: 'pass' }, true);
  const block = v.blocks![0]!;
  if (block.kind !== 'key-value') throw new Error(block.kind);
  expect(block.items.map((i) => (i.label as { id: string }).id)).toEqual([
    'integration.item.status',
    'api.item.auth',
    'api.item.schemes',
    'integration.item.addresses',
  ]);
  expect(v.blocks!.map((b) => (b.title as { id: string }).id)).toEqual(['api.block.api', 'reach.block.connection']);
  expect(block.items[1]!.value).toEqual({ id: 'api.auth.challenge' });
});
