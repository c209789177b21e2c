// The tls check's verdicts on fact fixtures: no network, no root (the measuring is tested against
// real servers in test/integration/tls-matrix.test.ts and the hostile matrix).

import { describe, expect, it } from 'vitest';
import { CheckTester } from '../../test/helpers/check-tester.js';
import {
  certificate,
  dhe1024,
  expired,
  heartbleed,
  intermediate,
  legacy,
  modern,
  preferenceOf,
  wrongHost,
} from '../../test/tls/fixtures.js';
import { en, zh } from '../../test/tls/text.js';
import type { Block, KeyValueBlock, TableBlock } from '../../src/plugin-api.js';
import type { TlsScan } from '../../src/tls/types.js';
import tls, { type TlsFacts } from './index.js';

const deadlines = { connectTimeoutMs: 3000, probeTimeoutMs: 5000 };
/** A scan as the check's facts: what measure returns when hellos were answered. */
const factsOf = (s: TlsScan, extra: Partial<TlsFacts> = {}): TlsFacts => ({
  ...s,
  ...deadlines,
  path: 'direct',
  classification: s.certificateError ? 'tls-failure' : 'ok',
  ...extra,
});
const unreached = (failure: NonNullable<TlsFacts['failure']>, extra: Partial<TlsFacts> = {}): TlsFacts => ({
  host: 'target.example.test',
  port: 443,
  ...deadlines,
  path: 'direct',
  classification: failure.classification,
  failure,
  ...extra,
});
const siteWith = (endpoint: Record<string, unknown>, security: Record<string, unknown> = {}) => ({
  version: 1,
  site: { name: 'T' },
  security,
  platform: { endpoints: [{ name: 'target', ...endpoint }] },
});
const ldaps = siteWith({ host: 'dir.example.test', port: 636, protocol: 'ldaps' });
const nistSite = siteWith({ url: 'https://target.example.test/' }, { tls: { ruleSets: ['nist-800-52r2'] } });
const INTERMEDIATE_NIST_FAILS = [
  'tls.rule.nist-800-52r2.cipher-suites',
  'tls.rule.nist-800-52r2.groups',
  'tls.rule.nist-800-52r2.tls13-cipher-suites',
];

const tester = new CheckTester(tls);

tester.run({
  valid: [
    {
      name: 'the Mozilla intermediate configuration: A+, the default rule set passes',
      facts: factsOf(intermediate),
      status: 'pass',
      score: 1,
      measurements: {
        grade: 'A+',
        gradeScore: 93,
        acceptedSuites: 6,
        weakSuites: 0,
        'rules.mozilla-intermediate.failed': 0,
        certDaysLeft: 60,
      },
    },
    {
      name: 'TLS 1.3 only, judged against Mozilla modern (an option)',
      facts: factsOf(modern),
      options: { ruleSets: ['mozilla-modern'] },
      status: 'pass',
      measurements: { 'rules.mozilla-modern.failed': 0 },
    },
    {
      name: 'no TLS 1.3 is an A-: a pass with its cap as a finding',
      facts: factsOf({
        ...intermediate,
        versions: { ...intermediate.versions, 'TLSv1.3': false },
        accepted: intermediate.accepted.filter((s) => s.version !== 'TLSv1.3'),
      }),
      options: { ruleSets: ['pci-dss-4'] },
      status: 'pass',
      score: 0.95,
      findings: ['tls.cap.no-tls13'],
    },
    {
      name: 'an LDAPS endpoint is not held back for HSTS it cannot send',
      facts: factsOf({ ...intermediate, hsts: undefined }),
      site: ldaps,
      status: 'pass',
      score: 1,
    },
    // An expiry warning is a finding of its own: the grade, and so the status, stay what the configuration deserves.
    {
      name: 'a certificate that expires in 10 days: warned about',
      facts: factsOf({ ...intermediate, certificate: certificate({ daysLeft: 10 }) }),
      status: 'pass',
      findings: ['tls.cert-expiring'],
    },
    {
      name: 'the same certificate with 40 days left, warned about from 60 (an option)',
      facts: factsOf({ ...intermediate, certificate: certificate({ daysLeft: 40 }) }),
      options: { expiryWarningDays: 60 },
      status: 'pass',
      findings: ['tls.cert-expiring'],
    },
    {
      name: 'HSTS that could not be asked for: no A+, and the HSTS rule is not evaluated',
      facts: factsOf({ ...intermediate, hsts: { present: false, error: { kind: 'not-http', message: 'Parse Error: Expected HTTP/' } } }),
      status: 'pass',
      findings: ['tls.cap.hsts-unknown'],
    },
    {
      name: 'audited through the proxy, a chain that ends at a public root: graded as the server',
      facts: factsOf(intermediate, {
        path: 'proxy',
        proxy: 'http://proxy.example.test:3128',
        proxySource: 'site',
        tunnels: { opened: 60, failed: 0, max: 4 },
      }),
      status: 'pass',
    },
    {
      name: 'through the proxy, a chain that ends at a private CA: the proxy may be what answered',
      facts: factsOf(intermediate, {
        path: 'proxy',
        proxy: 'http://proxy.example.test:3128',
        answeredBy: 'proxy-suspected',
        certificate: { ...certificate(), publicRoot: false },
      }),
      status: 'pass',
      findings: ['tls.proxy-answered'],
    },
  ],
  invalid: [
    {
      name: 'a report from before proxied endpoints were audited: NOT AUDITED, incomplete (not a quiet skip)',
      facts: { host: 'target.example.test', port: 443, ...deadlines, path: 'proxy', reason: 'proxy-only' },
      status: 'error',
      findings: ['tls.not-audited'],
    },
    {
      name: 'the proxy refuses CONNECT to the port: NOT AUDITED, with the proxy and its answer',
      facts: unreached(
        {
          classification: 'proxy-denied',
          phase: 'proxy',
          code: 'HTTP_403',
          message: 'the proxy http://proxy.example.test:3128 refused the request: 403 Forbidden',
        },
        {
          path: 'proxy',
          proxy: 'http://proxy.example.test:3128',
          proxySource: 'site',
          notAudited: 'connect-refused',
          tunnels: { opened: 0, failed: 3, max: 4 },
        },
      ),
      status: 'error',
      findings: ['tls.not-audited'],
    },
    {
      name: 'the proxy wants credentials: NOT AUDITED',
      facts: unreached(
        { classification: 'proxy-auth-required', phase: 'proxy', code: 'HTTP_407', message: 'the proxy wants credentials (Basic)' },
        { path: 'proxy', proxy: 'http://proxy.example.test:3128', notAudited: 'proxy-auth' },
      ),
      status: 'error',
      findings: ['tls.not-audited'],
    },
    {
      name: 'through the proxy, the server refuses behind it: unreachable, as on the direct path (audited, failed)',
      facts: unreached(
        { classification: 'refused', phase: 'proxy', code: 'PROXY_503', message: "the proxy's connection was refused upstream (503)" },
        { path: 'proxy', proxy: 'http://proxy.example.test:3128' },
      ),
      status: 'fail',
      findings: ['tls.refused'],
    },
    {
      name: 'legacy TLS 1.0–1.2 with 3DES: C, and the intermediate rules it breaks',
      facts: factsOf(legacy),
      status: 'warn',
      score: 0.6,
      measurements: { grade: 'C', 'rules.mozilla-intermediate.failed': 4 },
      findings: [
        'tls.cap.64-bit-block',
        'tls.cap.hsts-missing',
        'tls.cap.no-tls13',
        'tls.cap.tls10',
        'tls.cap.tls11',
        'tls.rule.mozilla-intermediate.cipher-preference',
        'tls.rule.mozilla-intermediate.cipher-suites',
        'tls.rule.mozilla-intermediate.hsts',
        'tls.rule.mozilla-intermediate.protocols',
      ],
    },
    {
      name: "an A+ server that fails the site's rule set (NIST) is no pass",
      facts: factsOf(intermediate),
      site: nistSite,
      status: 'warn',
      score: 0.89,
      findings: INTERMEDIATE_NIST_FAILS,
      measurements: { grade: 'A+', 'rules.nist-800-52r2.failed': 3 },
    },
    {
      name: "the check's ruleSets option wins over the site's",
      facts: factsOf(intermediate),
      site: nistSite,
      options: { ruleSets: ['bsi-tr-02102-2', 'pci-dss-4'] },
      status: 'warn',
      findings: [
        'tls.rule.bsi-tr-02102-2.certificate-key',
        'tls.rule.bsi-tr-02102-2.cipher-suites',
        'tls.rule.bsi-tr-02102-2.groups',
        'tls.rule.bsi-tr-02102-2.tls13-cipher-suites',
      ],
      measurements: { 'rules.bsi-tr-02102-2.failed': 4, 'rules.pci-dss-4.failed': 0 },
    },
    {
      name: 'a recommended rule only (server preference): still a warning',
      facts: factsOf({ ...intermediate, preference: preferenceOf('server', 'TLSv1.2', 'TLSv1.3') }),
      status: 'warn',
      score: 0.89,
      findings: ['tls.rule.mozilla-intermediate.cipher-preference'],
    },
    {
      name: 'an HSTS header browsers ignore: no A+, and the HSTS rule says why',
      facts: factsOf({
        ...intermediate,
        hsts: { present: false, status: 200, header: 'max-age=10; max-age=20', invalid: { problem: 'repeated', directive: 'max-age' } },
      }),
      status: 'warn',
      findings: ['tls.cap.hsts-missing', 'tls.rule.mozilla-intermediate.hsts'],
    },
    { name: 'a 1024-bit DH group: B', facts: factsOf(dhe1024), status: 'warn', score: 0.8, measurements: { grade: 'B' } },
    { name: 'Heartbleed: F', facts: factsOf(heartbleed), status: 'fail', score: 0, findings: ['tls.cap.heartbleed'] },
    {
      name: 'an expired certificate: T',
      facts: factsOf(expired),
      status: 'fail',
      score: 0,
      findings: ['tls.cap.expired'],
      measurements: { grade: 'T' },
    },
    { name: 'a certificate for another name: M', facts: factsOf(wrongHost), status: 'fail', findings: ['tls.cap.hostname-mismatch'] },
    {
      name: 'a trusted chain sent incomplete: B',
      facts: factsOf({ ...intermediate, certificate: certificate({ chainComplete: false, chainIssues: ['incomplete'] }) }),
      status: 'warn',
      findings: ['tls.cap.incomplete-chain', 'tls.chain-incomplete'],
    },
    {
      name: 'hellos answered, but no handshake could be finished: F',
      facts: factsOf({
        ...intermediate,
        certificate: undefined,
        certificateError: { stage: 'handshake', code: 'ERR_SSL_X', message: 'the certificate does not parse' },
      }),
      status: 'fail',
      score: 0,
      findings: ['tls.cap.no-finished-handshake', 'tls.certificate-unavailable'],
    },
    {
      name: 'a finished handshake whose certificate cannot be analysed: F',
      facts: factsOf({
        ...intermediate,
        certificate: undefined,
        certificateError: { stage: 'certificate', code: 'NO_PEER_CERTIFICATE', message: 'the server sent no certificate' },
      }),
      status: 'fail',
      findings: ['tls.cap.certificate-unreadable', 'tls.certificate-unreadable'],
    },
    {
      name: 'the name does not resolve',
      facts: unreached({ classification: 'dns-failure', message: 'nx', dns: { kind: 'nxdomain' } }),
      status: 'fail',
      score: 0,
      findings: ['tls.dns-failure'],
    },
    {
      name: 'refused',
      facts: unreached(
        { classification: 'refused', phase: 'connect', code: 'ECONNREFUSED', message: 'refused' },
        { probes: 1, durationMs: 2, errors: [{ what: 'preflight', code: 'ECONNREFUSED', message: 'refused' }] },
      ),
      status: 'fail',
      findings: ['tls.refused'],
    },
    {
      name: 'filtered',
      facts: unreached({ classification: 'filtered', phase: 'connect', code: 'CONNECT_TIMEOUT', message: 'no answer' }),
      status: 'fail',
      findings: ['tls.filtered'],
    },
    {
      name: 'a port that answers with something that is not TLS',
      facts: unreached(
        { classification: 'tls-failure', phase: 'tls', code: 'NOT_TLS', tlsKind: 'not-tls', message: 'SSH-2.0' },
        { kind: 'protocol-error', probes: 1, durationMs: 3, errors: [{ what: 'preflight', code: 'NOT_TLS', message: 'SSH-2.0' }] },
      ),
      status: 'fail',
      findings: ['tls.tls-failure'],
    },
  ],
});

function verdict(facts: TlsFacts, extra: Partial<Parameters<CheckTester['verify']>[0]> = {}, valid = false) {
  return tester.verify({ facts, status: 'warn', ...extra } as Parameters<CheckTester['verify']>[0], valid);
}
const block = <K extends Block['kind']>(blocks: Block[] | undefined, title: string): Extract<Block, { kind: K }> => {
  const b = blocks?.find((x) => x.title?.id === title);
  if (!b) throw new Error(`no block ${title}: ${blocks?.map((x) => x.title?.id).join(', ')}`);
  return b as Extract<Block, { kind: K }>;
};

describe('tls findings and blocks', () => {
  it('a failed rule names what broke it, in English and in Chinese, without translating data', () => {
    const v = verdict(factsOf(legacy), { status: 'warn' });
    const protocols = v.findings.find((f) => f.id === 'tls.rule.mozilla-intermediate.protocols')!;
    expect(en(protocols.message)).toBe(
      'target: Mozilla intermediate — TLS 1.2 and TLS 1.3 are offered, nothing older: TLSv1.0; TLSv1.1; TLSv1.3 (not offered).',
    );
    expect(zh(protocols.message)).toBe(
      'target：Mozilla 中级配置 — 提供 TLS 1.2 和 TLS 1.3，不提供更旧的版本：TLSv1.0；TLSv1.1；TLSv1.3（未提供）。',
    );
    expect(en(protocols.remediation!)).toContain('ssl_protocols TLSv1.2 TLSv1.3;');
    const cap = v.findings.find((f) => f.id === 'tls.cap.64-bit-block')!;
    expect(en(cap.message)).toBe(
      'target: grade capped at C: 64-bit block ciphers (3DES, IDEA) are accepted with TLS 1.1 or newer (SWEET32): TLSv1.2 0x000A TLS_RSA_WITH_3DES_EDE_CBC_SHA; TLSv1.1 0x000A TLS_RSA_WITH_3DES_EDE_CBC_SHA.',
    );
    expect(cap.evidence).toMatchObject({ cap: 'C', source: expect.stringContaining('2017') });
  });

  it('a long list of offending suites names eight and counts the rest', () => {
    const many = factsOf({
      ...legacy,
      accepted: [...legacy.accepted, ...legacy.accepted.map((s) => ({ ...s, version: 'SSLv3' as const }))],
      versions: { ...legacy.versions, SSLv3: true },
    });
    const v = verdict(many, { status: 'warn' });
    const suites = v.findings.find((f) => f.id === 'tls.rule.mozilla-intermediate.cipher-suites')!;
    expect(en(suites.message)).toMatch(/; … \(\d+ more\)\.$/);
    expect((suites.evidence?.offending as unknown[]).length).toBeGreaterThan(8);
  });

  it('an id the catalog lacks fails the judge test (here: one phrase of an offending item)', () => {
    const without = (catalog: Record<string, string>) =>
      Object.fromEntries(Object.entries(catalog).filter(([k]) => k !== 'tls.item.not-offered'));
    const broken = new CheckTester({ ...tls, messages: { en: without(tls.messages.en), 'zh-CN': without(tls.messages['zh-CN']!) } });
    expect(() => broken.verify({ facts: factsOf(legacy), status: 'warn' }, false)).toThrow(
      /message id "tls.item.not-offered" is not in the check's en catalog/,
    );
  });

  it('shows the TLS matrix, what caps the grade, the certificate, the handshake and the failed rules', () => {
    const v = verdict(factsOf(legacy), { status: 'warn' });
    expect(v.blocks?.map((b) => b.title?.id)).toEqual([
      'tls.block.audit',
      'tls.block.matrix',
      'tls.block.caps',
      'tls.block.certificate',
      'tls.block.handshake',
      'tls.block.suites',
      'tls.block.rule-sets',
      'tls.block.failed-rules',
    ]);
    const matrix = block<'table'>(v.blocks, 'tls.block.matrix') as TableBlock;
    expect(matrix.rows.map((r) => [r.version, (r.state as { id: string }).id, r.recommended, r.secure, r.weak, r.insecure])).toEqual([
      ['TLS 1.3', 'tls.state.not-offered', null, null, null, null],
      ['TLS 1.2', 'tls.state.offered', 1, null, 3, null],
      ['TLS 1.1', 'tls.state.obsolete', null, null, 3, null],
      ['TLS 1.0', 'tls.state.obsolete', null, null, 3, null],
      ['SSLv3', 'tls.state.not-offered', null, null, null, null],
      ['SSLv2', 'tls.state.not-offered', null, null, null, null],
    ]);
    expect(matrix.rows[1]!.preference).toEqual({ id: 'tls.pref.server' });
    const caps = block<'table'>(v.blocks, 'tls.block.caps') as TableBlock;
    expect(caps.rows.map((r) => r.cap)).toEqual(['B', 'B', 'A-', 'C', 'A']);
    expect(en(caps.rows[0]!.reason as never)).toBe('TLS 1.0 is offered');
    const summary = block<'key-value'>(v.blocks, 'tls.block.audit') as KeyValueBlock;
    expect(en(summary.items[0]!.value as never)).toBe('C (score 88)');
    const suites = block<'table'>(v.blocks, 'tls.block.suites') as TableBlock;
    expect(suites.rows).toHaveLength(legacy.accepted.length);
    expect(suites.rows[0]).toMatchObject({ version: 'TLS 1.2', code: '0xC02F', fs: true, aead: true });
    const rules = block<'table'>(v.blocks, 'tls.block.rule-sets') as TableBlock;
    expect(rules.rows).toEqual([
      { set: { id: 'tls.set.mozilla-intermediate' }, result: { id: 'tls.value.rules-failed' }, passed: 7, failed: 4, notEvaluated: 0 },
    ]);
    const failed = block<'table'>(v.blocks, 'tls.block.failed-rules') as TableBlock;
    expect(failed.rows.map((r) => (r.rule as { id: string }).id)).toEqual([
      'tls.rule.mozilla-intermediate.protocols',
      'tls.rule.mozilla-intermediate.cipher-suites',
      'tls.rule.mozilla-intermediate.hsts',
      'tls.rule.mozilla-intermediate.cipher-preference',
    ]);
    expect(zh(failed.rows[2]!.offending as never)).toBe('没有 HSTS 头');
    const cert = block<'key-value'>(v.blocks, 'tls.block.certificate') as KeyValueBlock;
    expect(cert.items.map((i) => en(i.value as never))).toEqual([
      'CN=im.example.com',
      'CN=Example RSA CA',
      'RSA 2048 bits',
      'sha256WithRSAEncryption',
      '2026-04-01 (60 days)',
      'trusted',
      'matches im.example.com',
      'certificates sent: 2; complete and in order',
      'status unknown',
    ]);
  });

  it('an ignored HSTS header is worded in both languages', () => {
    const v = verdict(factsOf({ ...intermediate, hsts: { present: false, invalid: { problem: 'repeated', directive: 'max-age' } } }));
    const rule = v.findings.find((f) => f.id === 'tls.rule.mozilla-intermediate.hsts')!;
    expect(en(rule.message)).toMatch(/: HSTS ignored: directive max-age appears more than once\.$/);
    expect(zh(rule.message)).toMatch(/：HSTS 被忽略：指令 max-age 出现了不止一次。$/);
    const handshake = block<'key-value'>(v.blocks, 'tls.block.handshake');
    expect(en(handshake.items.at(-1)!.value as never)).toBe('sent but ignored by browsers: directive max-age appears more than once');
  });

  it('the grade of an untrusted certificate says what it would be otherwise', () => {
    const v = verdict(factsOf(expired), { status: 'fail' });
    expect(en(block<'key-value'>(v.blocks, 'tls.block.audit').items[0]!.value as never)).toBe(
      'T (score 93; A+ if trust issues are ignored)',
    );
  });

  it('a port that does not answer in TLS shows the probes that failed, nothing else', () => {
    const facts = unreached(
      { classification: 'tls-failure', phase: 'tls', code: 'TLS_TIMEOUT', tlsKind: 'handshake-timeout', message: 'no answer' },
      { probes: 2, durationMs: 5000, errors: [{ what: 'preflight', code: 'TIMEOUT', message: 'no answer within 5000 ms' }] },
    );
    const v = verdict(facts, { status: 'fail' });
    expect(v.blocks?.map((b) => b.title?.id)).toEqual(['tls.block.errors']);
  });
});
