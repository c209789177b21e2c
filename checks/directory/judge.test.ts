// The directory check's verdicts on fact fixtures: no network, no root (the measuring is tested
// against slapd, openssl s_server and hostile peers in test/integration/integration-checks.test.ts
// and test/hostile/integration-checks.test.ts).

import { expect, it } from 'vitest';
import { CheckTester } from '../../test/helpers/check-tester.js';
import directory, { type DirectoryFacts } from './index.js';

const tls = { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', alpn: false, authorized: true } as const;
const base = { classification: 'ok', path: 'direct', addresses: ['192.0.2.20'], connectTimeoutMs: 3000 } as const;
const ldaps = (extra: Partial<DirectoryFacts> = {}): DirectoryFacts => ({
  ...base,
  mode: 'ldaps',
  connectMs: 2,
  tlsHandshakeMs: 5,
  tls,
  anonymousBind: 'refused',
  anonymousBindResult: 'inappropriateAuthentication',
  ...extra,
});
const boundAs = (resultCode: number, result: string, extra: object = {}): DirectoryFacts['bind'] => ({
  attempted: true,
  bindDn: 'cn=svc,dc=corp,dc=example',
  resultCode,
  result,
  ...extra,
});

const site = (endpoint: Record<string, unknown> = {}) => ({
  version: 1,
  site: { name: 'D' },
  platform: { endpoints: [{ name: 'dc', role: 'directory', url: 'ldap://dc.corp.example', ...endpoint }] },
});
const ldapSite = site();
const ldapsSite = site({ url: 'ldaps://dc.corp.example' });

const refusedStartTls = (diagnostic: object = { diagnostic: 'unsupported extended operation' }): DirectoryFacts => ({
  ...base,
  classification: 'tls-failure',
  mode: 'starttls',
  connectMs: 2,
  startTls: { resultCode: 2, result: 'protocolError', ...diagnostic },
  bind: { attempted: false, reason: 'starttls-refused' },
});

const tester = new CheckTester(directory);
tester.run({
  valid: [
    {
      name: 'LDAPS, anonymous refused, the service account binds',
      facts: ldaps({ bind: boundAs(0, 'success'), bindMs: 3 }),
      site: ldapsSite,
      status: 'pass',
      score: 1,
      measurements: { connectMs: 2, tlsHandshakeMs: 5, bindMs: 3 },
    },
    {
      name: 'StartTLS accepted, then the bind',
      facts: ldaps({ mode: 'starttls', startTls: { resultCode: 0, result: 'success' }, bind: boundAs(0, 'success') }),
      site: ldapSite,
      status: 'pass',
    },
  ],
  invalid: [
    {
      name: 'an expired certificate on LDAPS: the shared TLS finding',
      facts: {
        ...base,
        classification: 'tls-failure',
        mode: 'ldaps',
        phase: 'tls',
        code: 'CERT_HAS_EXPIRED',
        tlsKind: 'expired',
        failure: {
          classification: 'tls-failure',
          phase: 'tls',
          code: 'CERT_HAS_EXPIRED',
          tlsKind: 'expired',
          message: 'certificate has expired',
        },
      },
      site: ldapsSite,
      status: 'fail',
      score: 0,
      findings: ['directory.tls-failure'],
    },
    {
      name: 'silence: the shared timeout finding',
      facts: {
        ...base,
        classification: 'timeout',
        mode: 'starttls',
        phase: 'application',
        code: 'LDAP_TIMEOUT',
        failure: { classification: 'timeout', phase: 'application', code: 'LDAP_TIMEOUT', message: 'no LDAP answer within 2000 ms' },
      },
      site: ldapSite,
      status: 'fail',
      findings: ['directory.timeout'],
    },
    {
      name: 'the host does not resolve',
      facts: {
        ...base,
        classification: 'dns-failure',
        addresses: [],
        dnsFailure: 'nxdomain',
        mode: 'ldaps',
        dnsKind: 'nxdomain',
        failure: { classification: 'dns-failure', message: 'nx', dns: { kind: 'nxdomain' } },
      },
      site: ldapsSite,
      status: 'fail',
      findings: ['directory.dns-failure'],
    },
    {
      name: 'the proxy the route needs cannot be reached',
      facts: {
        ...base,
        classification: 'refused',
        path: 'proxy',
        mode: 'ldaps',
        phase: 'proxy',
        code: 'ECONNREFUSED',
        failure: {
          classification: 'refused',
          phase: 'proxy',
          code: 'ECONNREFUSED',
          message: 'the proxy proxy.corp:3128 cannot be reached',
          detail: { hop: 'proxy', proxy: 'proxy.corp:3128' },
        },
      },
      site: ldapsSite,
      status: 'fail',
      findings: ['directory.proxy-unreachable'],
    },
    {
      name: 'an answer that is not LDAP',
      facts: {
        ...base,
        classification: 'server-error',
        mode: 'starttls',
        phase: 'application',
        code: 'LDAP_BAD_ANSWER',
        failure: {
          classification: 'server-error',
          phase: 'application',
          code: 'LDAP_BAD_ANSWER',
          message: 'the answer is not LDAP (unexpected-tag)',
          detail: { first: '5353482d' },
        },
      },
      site: ldapSite,
      status: 'fail',
      findings: ['directory.not-ldap'],
    },
    {
      name: 'a disconnection notice that repeated the password: not LDAP, its text withheld',
      facts: {
        ...base,
        classification: 'server-error',
        mode: 'ldaps',
        messageWithheld: true,
        phase: 'application',
        code: 'LDAP_DISCONNECT',
        failure: { classification: 'server-error', phase: 'application', code: 'LDAP_DISCONNECT', message: '-' },
      },
      site: ldapsSite,
      status: 'fail',
      findings: ['directory.not-ldap'],
    },
    {
      name: 'StartTLS refused under require',
      facts: refusedStartTls(),
      site: ldapSite,
      status: 'fail',
      score: 0,
      findings: ['directory.starttls-refused'],
    },
    {
      name: 'StartTLS refused under the option try',
      facts: refusedStartTls({}),
      site: ldapSite,
      options: { startTls: 'try' },
      status: 'warn',
      score: 0.6,
      findings: ['directory.starttls-refused'],
    },
    {
      name: "StartTLS refused under the endpoint's ldap.startTls: try",
      facts: refusedStartTls(),
      site: site({ ldap: { startTls: 'try' } }),
      status: 'warn',
      findings: ['directory.starttls-refused'],
    },
    {
      name: 'plain LDAP: the bind is not tried',
      facts: { ...base, mode: 'plain', connectMs: 2, anonymousBind: 'refused', bind: { attempted: false, reason: 'not-encrypted' } },
      site: site({ ldap: { startTls: 'off' } }),
      status: 'warn',
      score: 0.5,
      findings: ['directory.plaintext', 'directory.bind-not-tried'],
    },
    {
      name: 'anonymous binds allowed',
      facts: ldaps({ anonymousBind: 'allowed', anonymousBindResult: 'success' }),
      site: ldapsSite,
      status: 'warn',
      score: 0.8,
      findings: ['directory.anonymous-allowed'],
    },
    {
      name: 'a wrong password (49)',
      facts: ldaps({
        classification: 'auth-refused',
        bind: boundAs(49, 'invalidCredentials', { diagnostic: '80090308: LdapErr: DSID-0C09044E, data 52e' }),
        bindMs: 2,
      }),
      site: ldapsSite,
      status: 'fail',
      score: 0,
      findings: ['directory.invalid-credentials'],
      measurements: { bindMs: 2 },
    },
    {
      name: 'a server that echoed the password: the diagnostic is withheld',
      facts: ldaps({ classification: 'auth-refused', bind: boundAs(49, 'invalidCredentials', { diagnosticWithheld: true }) }),
      site: ldapsSite,
      status: 'fail',
      findings: ['directory.invalid-credentials'],
    },
    {
      name: 'another bind result',
      facts: ldaps({ classification: 'auth-refused', bind: boundAs(8, 'strongerAuthRequired') }),
      site: ldapsSite,
      status: 'fail',
      findings: ['directory.bind-failed'],
    },
  ],
});

it("the finding words a withheld diagnostic, never the server's text", () => {
  const v = tester.verify(
    {
      facts: ldaps({ classification: 'auth-refused', bind: boundAs(49, 'invalidCredentials', { diagnosticWithheld: true }) }),
      site: ldapsSite,
      status: 'fail',
    },
    false,
  );
  expect(v.findings[0]!.message.params!.diagnostic).toEqual({ id: 'directory.diagnostic-withheld' });
});

it('present: mode, addresses, StartTLS, anonymous and service-account binds; then the connection', () => {
  const v = tester.verify(
    {
      facts: ldaps({ mode: 'starttls', startTls: { resultCode: 0, result: 'success' }, bind: boundAs(0, 'success') }),
      site: ldapSite,
      status: 'pass',
    },
    true,
  );
  expect(v.blocks!.map((b) => (b.title as { id: string }).id)).toEqual(['directory.block.directory', 'reach.block.connection']);
  const block = v.blocks![0]!;
  if (block.kind !== 'key-value') throw new Error(block.kind);
  expect(block.items.map((i) => (i.label as { id: string }).id)).toEqual([
    'directory.item.mode',
    'integration.item.addresses',
    'directory.item.starttls',
    'directory.item.anonymous',
    'directory.item.bind',
  ]);
  expect(block.items[0]!.value).toEqual({ id: 'directory.mode.starttls' });
  const connection = v.blocks![1]!;
  if (connection.kind !== 'key-value') throw new Error(connection.kind);
  expect(connection.items.map((i) => (i.label as { id: string }).id)).toEqual([
    'reach.path',
    'reach.connectMs',
    'reach.tlsMs',
    'reach.tls.protocol',
    'reach.tls.cipher',
    'reach.tls.alpn',
    'reach.tls.authorized',
  ]);
});

it('present: a failure says where and why, without the withheld text', () => {
  const v = tester.verify(
    {
      facts: {
        ...base,
        classification: 'server-error',
        mode: 'ldaps',
        messageWithheld: true,
        failure: { classification: 'server-error', phase: 'application', code: 'LDAP_DISCONNECT', message: '-' },
      },
      site: ldapsSite,
      status: 'fail',
    },
    false,
  );
  expect(v.blocks!.map((b) => (b.title as { id: string }).id)).toEqual([
    'directory.block.directory',
    'reach.block.connection',
    'reach.block.failure',
  ]);
});
