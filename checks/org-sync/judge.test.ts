// The org-sync check's verdicts on fact fixtures: no network, no root (measured against real and
// hostile peers in test/integration/integration-checks.test.ts and test/hostile/).

import { expect, it } from 'vitest';
import { CheckTester } from '../../test/helpers/check-tester.js';
import orgSync, { type OrgSyncFacts } from './index.js';

const base = { classification: 'ok', path: 'direct', addresses: ['192.0.2.30'], connectTimeoutMs: 3000 } as const;
const tls = { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', alpn: 'http/1.1', authorized: true } as const;
const https = (extra: Partial<OrgSyncFacts> = {}): OrgSyncFacts => ({
  ...base,
  url: 'https://hr.corp.example/org',
  status: 401,
  tls,
  connectMs: 4,
  ...extra,
});

const site = (endpoint: Record<string, unknown>) => ({
  version: 1,
  site: { name: 'O' },
  platform: { endpoints: [{ name: 'org', role: 'directory-sync', ...endpoint }] },
});
const httpsSite = site({ url: 'https://hr.corp.example/org' });
const ldapsSite = site({ url: 'ldaps://dc.corp.example' });
const tcpSite = site({ host: 'sync.corp.example', port: 7000, protocol: 'tcp' });

const tester = new CheckTester(orgSync);
tester.run({
  valid: [
    { name: 'an https source that answers 401', facts: https(), site: httpsSite, status: 'pass', score: 1, measurements: { connectMs: 4 } },
    {
      name: 'an LDAPS source that answers "Who am I?"',
      facts: { ...base, tls, connectMs: 3, ldap: { resultCode: 0 } },
      site: ldapsSite,
      status: 'pass',
    },
    {
      name: 'an ldap:// source is left to the directory check',
      facts: { ...base, connectMs: 3, ldap: { resultCode: 0 } },
      site: site({ url: 'ldap://dc.corp.example' }),
      status: 'pass',
    },
  ],
  invalid: [
    {
      name: 'a 5xx answer',
      facts: https({ classification: 'http-error', status: 503 }),
      site: httpsSite,
      status: 'fail',
      score: 0,
      findings: ['org-sync.status'],
    },
    {
      name: 'an https source that redirects to http',
      facts: https({ status: 200, redirects: ['http://hr.corp.example/org'] }),
      site: httpsSite,
      status: 'warn',
      score: 0.6,
      findings: ['org-sync.plaintext'],
    },
    {
      name: 'a tcp source in clear text',
      facts: { ...base, connectMs: 1 },
      site: tcpSite,
      status: 'warn',
      findings: ['org-sync.plaintext'],
    },
    {
      name: 'an LDAPS port that does not speak LDAP',
      facts: {
        ...base,
        classification: 'server-error',
        tls,
        phase: 'application',
        code: 'LDAP_BAD_ANSWER',
        failure: {
          classification: 'server-error',
          phase: 'application',
          code: 'LDAP_BAD_ANSWER',
          message: 'the answer is not LDAP (unexpected-tag)',
        },
      },
      site: ldapsSite,
      status: 'fail',
      findings: ['org-sync.not-ldap'],
    },
    {
      name: 'a redirect loop',
      facts: https({
        classification: 'http-error',
        status: undefined,
        phase: 'application',
        code: 'HTTP_REDIRECT_LOOP',
        failure: {
          classification: 'http-error',
          phase: 'application',
          code: 'HTTP_REDIRECT_LOOP',
          message: 'redirect loop',
          detail: { chain: ['https://hr.corp.example/org', 'https://hr.corp.example/org'] },
        },
      }),
      site: httpsSite,
      status: 'fail',
      findings: ['org-sync.redirect-loop'],
    },
    {
      name: 'a body that does not end',
      facts: https({
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
      }),
      site: httpsSite,
      status: 'fail',
      findings: ['org-sync.body-too-large'],
    },
    {
      name: 'refused: the shared path finding',
      facts: {
        ...base,
        classification: 'refused',
        phase: 'connect',
        code: 'ECONNREFUSED',
        failure: { classification: 'refused', phase: 'connect', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' },
      },
      site: tcpSite,
      status: 'fail',
      findings: ['org-sync.refused'],
    },
  ],
});

it('a source on a critical role fails as high, not critical; an explicit severity wins', () => {
  const refused: OrgSyncFacts = {
    ...base,
    classification: 'refused',
    failure: { classification: 'refused', phase: 'connect', code: 'ECONNREFUSED', message: 'refused' },
  };
  const onApi = tester.verify(
    {
      facts: refused,
      site: {
        version: 1,
        site: { name: 'O' },
        platform: { endpoints: [{ name: 'org', role: 'api', url: 'https://api.corp.example/org', orgSync: true }] },
      },
      status: 'fail',
    },
    false,
  );
  expect(onApi.findings[0]!.severity).toBe('high');
  const low = tester.verify(
    { facts: refused, site: site({ host: 'sync.corp.example', port: 7000, protocol: 'tcp', severity: 'low' }), status: 'fail' },
    false,
  );
  expect(low.findings[0]!.severity).toBe('low');
});

it('present: status, redirects and the connection', () => {
  const v = tester.verify(
    { facts: https({ status: 200, redirects: ['https://hr.corp.example/org/'] }), site: httpsSite, status: 'pass' },
    true,
  );
  const block = v.blocks![0]!;
  if (block.kind !== 'key-value') throw new Error(block.kind);
  expect(block.items.map((i) => (i.label as { id: string }).id)).toEqual([
    'integration.item.status',
    'integration.item.redirects',
    'integration.item.addresses',
  ]);
  expect(v.blocks!.map((b) => (b.title as { id: string }).id)).toEqual(['org-sync.block.source', 'reach.block.connection']);
});
