// The interception check's verdicts on fact fixtures: no network, no root (the measuring is tested
// against a re-signing proxy in test/integration/interception.test.ts and in the hostile matrix).

import { describe, expect, it } from 'vitest';
import { CheckTester } from '../../test/helpers/check-tester.js';
import interception, { type InterceptionFacts, type PresentedChain } from './index.js';

const HOST = 'target.example.test';
const REAL = 'CN=Example Issuing CA, O=Example';
const CORP = 'CN=Corp TLS Inspection CA';
const cert = (subject: string, issuer: string, spkiSha256: string) => ({
  subject,
  issuer,
  fingerprint256: 'AB:CD',
  spkiSha256,
  validTo: 'Jan  1 00:00:00 2030 GMT',
});
const realChain: PresentedChain = {
  certs: [cert(`CN=${HOST}`, REAL, 'realLeafPin='), cert(REAL, 'CN=Example Root', 'realIntPin=')],
  anchor: 'CN=Example Root',
  publicRoot: true,
  authorized: true,
};
const corpChain: PresentedChain = {
  certs: [cert(`CN=${HOST}`, CORP, 'corpLeafPin='), cert(CORP, CORP, 'corpRootPin=')],
  anchor: CORP,
  publicRoot: false,
  authorized: true,
};
const base = { host: HOST, port: 443, servername: HOST, connectTimeoutMs: 3000 } as const;
const seen = (chain: PresentedChain, extra: Partial<InterceptionFacts> = {}): InterceptionFacts => ({
  ...base,
  classification: chain.authorized ? 'ok' : 'tls-failure',
  path: 'direct',
  chain,
  ...extra,
});
const viaProxy = (chain: PresentedChain, direct?: InterceptionFacts['direct']): InterceptionFacts =>
  seen(chain, {
    path: 'proxy',
    proxy: 'http://proxy.example.test:3128',
    ...(direct ? { direct, ...(direct.spkiSha256 !== chain.certs[0]?.spkiSha256 ? { classification: 'intercepted' as const } : {}) } : {}),
  });
const site = (tls?: Record<string, unknown>) => ({
  version: 1,
  site: { name: 'I' },
  platform: { endpoints: [{ name: 'target', url: `https://${HOST}/`, role: 'api', ...(tls ? { tls } : {}) }] },
});

const tester = new CheckTester(interception);
tester.run({
  valid: [
    { name: 'a public chain, no expectations', facts: seen(realChain), status: 'pass', score: 1 },
    { name: 'the expected issuer', facts: seen(realChain), site: site({ expectedIssuer: 'CN=Example Issuing CA' }), status: 'pass' },
    { name: 'a pin of the intermediate', facts: seen(realChain), site: site({ spkiPins: ['sha256/realIntPin='] }), status: 'pass' },
    { name: 'a private CA the endpoint expects', facts: seen(corpChain), site: site({ expectedIssuer: CORP }), status: 'pass' },
    {
      name: 'through the proxy, the same leaf as direct',
      facts: viaProxy(realChain, { leafIssuer: REAL, spkiSha256: 'realLeafPin=' }),
      status: 'pass',
    },
    {
      name: 'through the proxy, the direct path presented nothing',
      facts: { ...viaProxy(realChain), directFailure: { classification: 'filtered', phase: 'connect', message: 'no answer' } },
      status: 'pass',
    },
    {
      name: 'unreachable: not applicable here (the connection checks report it)',
      facts: {
        ...base,
        classification: 'refused',
        path: 'direct',
        failure: { classification: 'refused', phase: 'connect', code: 'ECONNREFUSED', message: 'refused' },
      },
      status: 'skipped',
      score: null,
    },
  ],
  invalid: [
    {
      name: 'another issuer than expected',
      facts: seen(corpChain),
      site: site({ expectedIssuer: REAL }),
      status: 'fail',
      score: 0,
      findings: ['interception.issuer'],
    },
    {
      name: 'no certificate matches the pins',
      facts: seen(corpChain),
      site: site({ spkiPins: ['realLeafPin='] }),
      status: 'fail',
      findings: ['interception.pin'],
    },
    {
      name: 'both expectations missed',
      facts: seen(corpChain),
      site: site({ expectedIssuer: REAL, spkiPins: ['realLeafPin='] }),
      status: 'fail',
      findings: ['interception.issuer', 'interception.pin'],
    },
    {
      name: 'through the proxy, another leaf key than direct',
      facts: viaProxy(corpChain, { leafIssuer: REAL, spkiSha256: 'realLeafPin=' }),
      status: 'fail',
      findings: ['interception.differs'],
    },
    {
      name: 'a chain this client does not trust',
      facts: seen({ ...corpChain, authorized: false, authorizationError: 'SELF_SIGNED_CERT_IN_CHAIN' }),
      status: 'warn',
      score: 0.5,
      findings: ['interception.untrusted'],
    },
    { name: 'a private CA, no expectations', facts: seen(corpChain), status: 'warn', score: 0.7, findings: ['interception.private-ca'] },
  ],
});

describe('interception present', () => {
  it("shows the chain, and the direct path beside the proxy's", () => {
    const v = tester.verify({ facts: viaProxy(corpChain, { leafIssuer: REAL, spkiSha256: 'realLeafPin=' }), status: 'fail' }, false);
    const [chain, connection] = v.blocks ?? [];
    expect(chain?.kind === 'table' && chain.rows.map((r) => r.issuer)).toEqual([CORP, CORP]);
    expect(connection?.kind === 'key-value' && connection.items.map((i) => i.label.id)).toEqual(
      expect.arrayContaining([
        'reach.path',
        'reach.tls.authorized',
        'interception.publicRoot',
        'interception.direct.issuer',
        'interception.direct.spki',
      ]),
    );
  });
});
