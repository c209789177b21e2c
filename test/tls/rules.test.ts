import { describe, expect, it } from 'vitest';
import { ruleMessages, ruleText } from '../../src/tls/rule-messages.js';
import { describeTlsRules, evaluateTlsRules, RULE_SET_IDS } from '../../src/tls/rules.js';
import type { RuleResult, RuleSetId, TlsScan } from '../../src/tls/types.js';
import {
  dhe1024,
  ecdsa,
  expired,
  intermediate,
  legacy,
  modern,
  noCertificate,
  rsaKxOnly,
  selfSigned,
  sslv3,
  suite,
  wrongHost,
} from './fixtures.js';
import { en, zh } from './text.js';

const key = (r: RuleResult) => r.id.slice(r.ruleSet.length + 1);

/** Which rules of a set fail and which could not be evaluated; every other rule passed. */
function verdicts(scan: TlsScan, set: RuleSetId) {
  const results = evaluateTlsRules(scan, [set]);
  return {
    failed: results
      .filter((r) => r.evaluated !== false && !r.passed)
      .map(key)
      .sort(),
    notEvaluated: results
      .filter((r) => r.evaluated === false)
      .map(key)
      .sort(),
  };
}

/** One rule's result, its offending items and fix in English as a reader gets them. */
const rule = (scan: TlsScan, id: string): Omit<RuleResult, 'offending'> & { offending: string[]; fix: string } => {
  const set = RULE_SET_IDS.find((s) => id.startsWith(`${s}.`));
  const found = evaluateTlsRules(scan, set ? [set] : []).find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return { ...found, offending: found.offending.map(en), fix: ruleText(`${id}.fix`) };
};

const PASS = { failed: [], notEvaluated: [] };

describe('rule ids', () => {
  it('every set has its stable rules', () => {
    const ids = (set: RuleSetId) => evaluateTlsRules(intermediate, [set]).map(key);
    expect(ids('mozilla-modern')).toEqual([
      'protocols',
      'cipher-suites',
      'tls13-cipher-suites',
      'groups',
      'certificate-type',
      'certificate-signature',
      'certificate-lifespan',
      'ocsp-stapling',
      'hsts',
      'cipher-preference',
    ]);
    expect(ids('mozilla-intermediate')).toEqual([
      'protocols',
      'cipher-suites',
      'tls13-cipher-suites',
      'groups',
      'dh-param-size',
      'certificate-type',
      'certificate-signature',
      'certificate-lifespan',
      'ocsp-stapling',
      'hsts',
      'cipher-preference',
    ]);
    expect(ids('nist-800-52r2')).toEqual([
      'protocols',
      'tls13',
      'cipher-suites',
      'tls13-cipher-suites',
      'cipher-preference',
      'groups',
      'key-exchange',
      'certificate-key',
      'certificate-signature',
      'certificate-validity',
      'extensions',
      'compression',
    ]);
    expect(ids('bsi-tr-02102-2')).toEqual([
      'protocols',
      'cipher-suites',
      'tls13-cipher-suites',
      'groups',
      'key-exchange',
      'certificate-key',
      'certificate-signature',
      'extensions',
      'compression',
    ]);
    expect(ids('pci-dss-4')).toEqual(['protocols', 'cipher-suites', 'key-strength', 'certificate-trust', 'certificate-validity']);
  });

  it('evaluates the sets asked for, in order', () => {
    const results = evaluateTlsRules(intermediate, ['pci-dss-4', 'mozilla-modern']);
    expect([...new Set(results.map((r) => r.ruleSet))]).toEqual(['pci-dss-4', 'mozilla-modern']);
  });
});

describe('TLS 1.3-only modern server', () => {
  it('passes Mozilla modern', () => expect(verdicts(modern, 'mozilla-modern')).toEqual(PASS));
  it('is not Mozilla intermediate: TLS 1.2 is missing for its oldest clients', () => {
    expect(verdicts(modern, 'mozilla-intermediate')).toEqual({ failed: ['protocols'], notEvaluated: [] });
    expect(rule(modern, 'mozilla-intermediate.protocols').offending).toEqual(['TLSv1.2 (not offered)']);
  });
  it('fails NIST only on ChaCha20 and x25519 (not NIST-approved); TLS 1.2 may be off when TLS 1.3 is on', () => {
    expect(verdicts(modern, 'nist-800-52r2')).toEqual({ failed: ['groups', 'tls13-cipher-suites'], notEvaluated: [] });
    expect(rule(modern, 'nist-800-52r2.tls13-cipher-suites').offending).toEqual(['TLSv1.3 0x1303 TLS_CHACHA20_POLY1305_SHA256']);
    expect(rule(modern, 'nist-800-52r2.groups').offending).toEqual(['x25519']);
  });
  it('fails BSI on the same two', () =>
    expect(verdicts(modern, 'bsi-tr-02102-2')).toEqual({ failed: ['groups', 'tls13-cipher-suites'], notEvaluated: [] }));
  it('passes PCI DSS', () => expect(verdicts(modern, 'pci-dss-4')).toEqual(PASS));
});

describe('the Mozilla intermediate nginx config (RSA 2048)', () => {
  it('passes Mozilla intermediate', () => expect(verdicts(intermediate, 'mozilla-intermediate')).toEqual(PASS));
  it('is not modern: TLS 1.2, its suites and an RSA certificate', () => {
    expect(verdicts(intermediate, 'mozilla-modern')).toEqual({
      failed: ['certificate-signature', 'certificate-type', 'cipher-suites', 'protocols'],
      notEvaluated: [],
    });
    expect(rule(intermediate, 'mozilla-modern.protocols').offending).toEqual(['TLSv1.2']);
    expect(rule(intermediate, 'mozilla-modern.certificate-type').offending).toEqual(['RSA 2048 bits']);
    expect(rule(intermediate, 'mozilla-modern.cipher-suites').offending).toEqual([
      'TLSv1.2 0xC02F TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      'TLSv1.2 0xC030 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      'TLSv1.2 0xCCA8 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
    ]);
  });
  it('fails NIST on ChaCha20 (both versions) and x25519', () => {
    expect(verdicts(intermediate, 'nist-800-52r2')).toEqual({
      failed: ['cipher-suites', 'groups', 'tls13-cipher-suites'],
      notEvaluated: [],
    });
    expect(rule(intermediate, 'nist-800-52r2.cipher-suites').offending).toEqual([
      'TLSv1.2 0xCCA8 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
    ]);
  });
  it('fails BSI on ChaCha20, x25519 and the 2048-bit RSA key (BSI wants 3000)', () => {
    expect(verdicts(intermediate, 'bsi-tr-02102-2')).toEqual({
      failed: ['certificate-key', 'cipher-suites', 'groups', 'tls13-cipher-suites'],
      notEvaluated: [],
    });
    expect(rule(intermediate, 'bsi-tr-02102-2.certificate-key').offending).toEqual(['RSA 2048 bits']);
  });
  it('passes PCI DSS', () => expect(verdicts(intermediate, 'pci-dss-4')).toEqual(PASS));
});

describe('ECDSA certificate', () => {
  it("meets modern's certificate rules but not its protocol and suites", () => {
    expect(verdicts(ecdsa, 'mozilla-modern')).toEqual({ failed: ['cipher-suites', 'protocols'], notEvaluated: [] });
  });
  it('passes intermediate and PCI; BSI accepts the P-256 key', () => {
    expect(verdicts(ecdsa, 'mozilla-intermediate')).toEqual(PASS);
    expect(verdicts(ecdsa, 'pci-dss-4')).toEqual(PASS);
    expect(verdicts(ecdsa, 'bsi-tr-02102-2')).toEqual({ failed: ['cipher-suites', 'groups', 'tls13-cipher-suites'], notEvaluated: [] });
  });
});

describe('legacy TLS 1.0–1.2 server (CBC, 3DES, RSA key transport, no HSTS, no EMS)', () => {
  it('Mozilla intermediate: protocols, suites, HSTS and server order', () => {
    expect(verdicts(legacy, 'mozilla-intermediate')).toEqual({
      failed: ['cipher-preference', 'cipher-suites', 'hsts', 'protocols'],
      notEvaluated: [],
    });
    expect(rule(legacy, 'mozilla-intermediate.protocols').offending).toEqual(['TLSv1.0', 'TLSv1.1', 'TLSv1.3 (not offered)']);
    expect(rule(legacy, 'mozilla-intermediate.hsts').offending).toEqual(['no HSTS header']);
    expect(rule(legacy, 'mozilla-intermediate.cipher-suites').offending).toContain('TLSv1.2 0xC013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA');
  });
  it('NIST: versions, TLS 1.3, RSA key transport and 3DES, extended master secret', () => {
    expect(verdicts(legacy, 'nist-800-52r2')).toEqual({ failed: ['cipher-suites', 'extensions', 'protocols', 'tls13'], notEvaluated: [] });
    // ECDHE-RSA-AES128-SHA is on the NIST list; RSA key transport and 3DES are not.
    expect(rule(legacy, 'nist-800-52r2.cipher-suites').offending).toEqual([
      'TLSv1.2 0x002F TLS_RSA_WITH_AES_128_CBC_SHA',
      'TLSv1.2 0x000A TLS_RSA_WITH_3DES_EDE_CBC_SHA',
      'TLSv1.1 0x002F TLS_RSA_WITH_AES_128_CBC_SHA',
      'TLSv1.1 0x000A TLS_RSA_WITH_3DES_EDE_CBC_SHA',
      'TLSv1.0 0x002F TLS_RSA_WITH_AES_128_CBC_SHA',
      'TLSv1.0 0x000A TLS_RSA_WITH_3DES_EDE_CBC_SHA',
    ]);
    expect(rule(legacy, 'nist-800-52r2.extensions').offending).toEqual(['extended_master_secret']);
  });
  it('BSI: versions, suites, key size, extended master secret', () => {
    expect(verdicts(legacy, 'bsi-tr-02102-2')).toEqual({
      failed: ['certificate-key', 'cipher-suites', 'extensions', 'protocols'],
      notEvaluated: [],
    });
  });
  it('PCI DSS: early TLS and 3DES', () => {
    expect(verdicts(legacy, 'pci-dss-4')).toEqual({ failed: ['cipher-suites', 'protocols'], notEvaluated: [] });
    expect(rule(legacy, 'pci-dss-4.protocols').offending).toEqual(['TLSv1.0', 'TLSv1.1']);
    expect(rule(legacy, 'pci-dss-4.cipher-suites').offending).toEqual([
      'TLSv1.2 0x000A TLS_RSA_WITH_3DES_EDE_CBC_SHA',
      'TLSv1.1 0x000A TLS_RSA_WITH_3DES_EDE_CBC_SHA',
      'TLSv1.0 0x000A TLS_RSA_WITH_3DES_EDE_CBC_SHA',
    ]);
  });
});

describe('RSA key exchange only', () => {
  it('NIST: no TLS 1.3, no approved suite, nothing ephemeral to prefer', () => {
    expect(verdicts(rsaKxOnly, 'nist-800-52r2')).toEqual({ failed: ['cipher-preference', 'cipher-suites', 'tls13'], notEvaluated: [] });
    expect(rule(rsaKxOnly, 'nist-800-52r2.cipher-preference').offending).toEqual(['TLSv1.2 no ephemeral AEAD suite']);
  });
  it('Mozilla intermediate and BSI reject the suites; PCI accepts RSA key transport', () => {
    expect(verdicts(rsaKxOnly, 'mozilla-intermediate')).toEqual({
      failed: ['cipher-preference', 'cipher-suites', 'protocols'],
      notEvaluated: [],
    });
    expect(verdicts(rsaKxOnly, 'bsi-tr-02102-2')).toEqual({ failed: ['certificate-key', 'cipher-suites'], notEvaluated: [] });
    expect(verdicts(rsaKxOnly, 'pci-dss-4')).toEqual(PASS);
  });
});

describe('DHE with a 1024-bit group', () => {
  it('fails the key-exchange size of every set', () => {
    expect(rule(dhe1024, 'mozilla-intermediate.dh-param-size').offending).toEqual(['DH 1024 bits']);
    expect(rule(dhe1024, 'nist-800-52r2.key-exchange').offending).toEqual(['DH 1024 bits']);
    expect(rule(dhe1024, 'bsi-tr-02102-2.key-exchange').offending).toEqual(['DH 1024 bits']);
    expect(rule(dhe1024, 'pci-dss-4.key-strength').offending).toEqual(['DH 1024 bits']);
  });
  it('exact sets', () => {
    expect(verdicts(dhe1024, 'mozilla-intermediate')).toEqual({
      failed: ['cipher-preference', 'cipher-suites', 'dh-param-size', 'protocols'],
      notEvaluated: [],
    });
    // DHE-RSA-AES-GCM is on the NIST and BSI lists; only the group is too small.
    expect(verdicts(dhe1024, 'nist-800-52r2')).toEqual({ failed: ['key-exchange', 'tls13'], notEvaluated: [] });
    expect(verdicts(dhe1024, 'bsi-tr-02102-2')).toEqual({ failed: ['certificate-key', 'key-exchange'], notEvaluated: [] });
    expect(verdicts(dhe1024, 'pci-dss-4')).toEqual({ failed: ['key-strength'], notEvaluated: [] });
  });
  it('2048-bit DH passes NIST and PCI but not BSI (3000 bits)', () => {
    const dh2048 = { ...dhe1024, accepted: dhe1024.accepted.map((s) => ({ ...s, group: 'ffdhe2048', kxBits: 2048 })), dhMinBits: 2048 };
    expect(rule(dh2048, 'nist-800-52r2.key-exchange').passed).toBe(true);
    expect(rule(dh2048, 'pci-dss-4.key-strength').passed).toBe(true);
    expect(rule(dh2048, 'bsi-tr-02102-2.key-exchange').offending).toEqual(['DH ffdhe2048 (2048 bits)']);
  });
});

describe('SSLv3 offered', () => {
  it('fails every protocol rule', () => {
    for (const id of ['mozilla-intermediate.protocols', 'nist-800-52r2.protocols', 'bsi-tr-02102-2.protocols', 'pci-dss-4.protocols']) {
      expect(rule(sslv3, id).offending, id).toEqual(expect.arrayContaining(['SSLv3', 'TLSv1.0', 'TLSv1.1']));
    }
  });
});

describe('certificates', () => {
  it('expired: PCI trust and validity, NIST validity', () => {
    expect(verdicts(expired, 'pci-dss-4')).toEqual({ failed: ['certificate-trust', 'certificate-validity'], notEvaluated: [] });
    expect(rule(expired, 'pci-dss-4.certificate-validity').offending).toEqual(['expired 2026-03-01T00:00:00Z']);
    expect(rule(expired, 'nist-800-52r2.certificate-validity').offending).toEqual([
      'not trusted (CERT_HAS_EXPIRED)',
      'expired 2026-03-01T00:00:00Z',
    ]);
  });
  it('self-signed: PCI trust; NIST validity also flags the ten-year lifetime', () => {
    expect(verdicts(selfSigned, 'pci-dss-4')).toEqual({ failed: ['certificate-trust'], notEvaluated: [] });
    expect(rule(selfSigned, 'pci-dss-4.certificate-trust').offending).toEqual(['self-signed']);
    expect(rule(selfSigned, 'nist-800-52r2.certificate-validity').offending).toEqual([
      'not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)',
      'lifetime 3650 days',
    ]);
    expect(rule(selfSigned, 'mozilla-intermediate.certificate-lifespan').offending).toEqual(['lifetime 3650 days']);
  });
  it('wrong host: PCI trust and NIST validity name the host', () => {
    expect(rule(wrongHost, 'pci-dss-4.certificate-trust').offending).toEqual(['does not match im.example.com']);
    expect(rule(wrongHost, 'nist-800-52r2.certificate-validity').offending).toEqual(['no SAN matches im.example.com']);
    expect(verdicts(wrongHost, 'mozilla-intermediate')).toEqual(PASS);
  });
  it('SHA-1 signed intermediates fail NIST and BSI signature rules, naming the certificate', () => {
    const sha1Chain: TlsScan = {
      ...intermediate,
      certificate: intermediate.certificate && {
        ...intermediate.certificate,
        chain: intermediate.certificate.chain.map((c, i) =>
          i === 1 ? { ...c, signatureAlgorithm: 'sha1WithRSAEncryption', signatureHash: 'sha1' } : c,
        ),
      },
    };
    expect(rule(sha1Chain, 'nist-800-52r2.certificate-signature').offending).toEqual(['sha1WithRSAEncryption (CN=Example RSA CA)']);
    expect(rule(sha1Chain, 'bsi-tr-02102-2.certificate-signature').passed).toBe(false);
    // Mozilla judges the leaf's signature only.
    expect(rule(sha1Chain, 'mozilla-intermediate.certificate-signature').passed).toBe(true);
  });
});

describe('missing facts are not evaluated, never passed', () => {
  it('without certificate facts', () => {
    expect(verdicts(noCertificate, 'mozilla-intermediate')).toEqual({
      failed: [],
      notEvaluated: ['certificate-lifespan', 'certificate-signature', 'certificate-type'],
    });
    expect(verdicts(noCertificate, 'nist-800-52r2').notEvaluated).toEqual([
      'certificate-key',
      'certificate-signature',
      'certificate-validity',
    ]);
    expect(verdicts(noCertificate, 'pci-dss-4').notEvaluated).toEqual(['certificate-trust', 'certificate-validity', 'key-strength']);
    const r = rule(noCertificate, 'pci-dss-4.certificate-trust');
    expect([r.passed, r.evaluated, r.offending]).toEqual([false, false, []]);
  });
  it('a weak DH group still fails PCI key strength without the certificate', () => {
    const { certificate: _c, ...noCert } = dhe1024;
    expect(rule(noCert, 'pci-dss-4.key-strength')).toMatchObject({ passed: false, offending: ['DH 1024 bits'] });
    expect(rule(noCert, 'pci-dss-4.key-strength').evaluated).toBeUndefined();
  });
  it('handshake facts that could not be told', () => {
    const unknown: TlsScan = {
      ...intermediate,
      facts: { ...intermediate.facts, extendedMasterSecret: 'unknown', compression: 'unknown', ocspStapling: 'unknown' },
    };
    expect(rule(unknown, 'nist-800-52r2.extensions').evaluated).toBe(false);
    expect(rule(unknown, 'nist-800-52r2.compression').evaluated).toBe(false);
    // The certificate analysis saw the staple, so stapling is still known.
    expect(rule(unknown, 'mozilla-intermediate.ocsp-stapling').passed).toBe(true);
    // A fact that is known to be false still fails the rule.
    const noRi: TlsScan = { ...unknown, facts: { ...unknown.facts, secureRenegotiation: false } };
    expect(rule(noRi, 'nist-800-52r2.extensions')).toMatchObject({ passed: false, offending: ['renegotiation_info'] });
  });
  it('HSTS that could not be asked for', () => {
    const noHsts: TlsScan = { ...intermediate, hsts: { present: false, error: { kind: 'not-http', message: 'Parse Error' } } };
    expect(rule(noHsts, 'mozilla-intermediate.hsts').evaluated).toBe(false);
  });
  it('a version the probes could not tell keeps an otherwise clean protocol rule undecided', () => {
    const unsure: TlsScan = { ...intermediate, versions: { ...intermediate.versions, 'TLSv1.0': 'unknown' } };
    expect(rule(unsure, 'pci-dss-4.protocols').evaluated).toBe(false);
    const seen: TlsScan = { ...unsure, accepted: [...unsure.accepted, suite('TLSv1.0', 0xc013)] };
    expect(rule(seen, 'pci-dss-4.protocols')).toMatchObject({ passed: false, offending: ['TLSv1.0'] });
  });
});

describe('fixes and sources', () => {
  it("Mozilla fixes carry the 6.0 generator's lines", () => {
    expect(rule(legacy, 'mozilla-intermediate.protocols').fix).toContain('ssl_protocols TLSv1.2 TLSv1.3;');
    expect(rule(legacy, 'mozilla-intermediate.cipher-suites').fix).toContain(
      'ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;',
    );
    expect(rule(legacy, 'mozilla-intermediate.hsts').fix).toContain('max-age=63072000');
  });
  it('every result names its document and clause', () => {
    const all = evaluateTlsRules(legacy, RULE_SET_IDS);
    expect(rule(legacy, 'nist-800-52r2.cipher-suites').source).toBe('NIST SP 800-52 Rev. 2 §3.3.1.1');
    expect(rule(legacy, 'mozilla-modern.groups').source).toBe('Mozilla Server Side TLS 6.0, modern configuration: tls_curves');
    for (const r of all)
      expect(r.source, r.id).toMatch(
        /Mozilla Server Side TLS 6\.0|NIST SP 800-52 Rev\. 2 §|BSI TR-02102-2 \(2025-01\) §|PCI DSS v4\.0\.1 Req\. 4\.2\.1/,
      );
  });
});

describe('message catalogs', () => {
  const ids = evaluateTlsRules(intermediate, RULE_SET_IDS).map((r) => r.id);

  it('have an English and a Chinese title and fix for every rule', () => {
    for (const id of ids) {
      for (const k of [id, `${id}.fix`]) {
        expect(ruleMessages.en[k], k).toBeTruthy();
        expect(ruleMessages['zh-CN'][k], k).toMatch(/[\u4e00-\u9fff]/);
      }
    }
  });

  it('have no entries for rules that do not exist', () => {
    const known = new Set(ids.flatMap((id) => [id, `${id}.fix`]));
    expect(Object.keys(ruleMessages.en).filter((k) => !known.has(k))).toEqual([]);
    expect(Object.keys(ruleMessages['zh-CN']).sort()).toEqual(Object.keys(ruleMessages.en).sort());
  });

  it('render results in Chinese with the same configuration lines', () => {
    const described = describeTlsRules(['mozilla-intermediate'], 'zh-CN').find((r) => r.id === 'mozilla-intermediate.protocols');
    expect(described?.title).toBe('提供 TLS 1.2 和 TLS 1.3，不提供更旧的版本');
    expect(described?.fix).toContain('ssl_protocols TLSv1.2 TLSv1.3;');
    const result = evaluateTlsRules(legacy, ['mozilla-intermediate']).find((r) => r.id === 'mozilla-intermediate.protocols');
    expect(result?.offending.map(zh)).toEqual(['TLSv1.0', 'TLSv1.1', 'TLSv1.3（未提供）']);
  });
});

describe('the site schema names the same rule sets as the engine', () => {
  it('security.tls.ruleSets accepts exactly RULE_SET_IDS', async () => {
    const { siteSchema } = await import('../../src/site/schema.js');
    const enumIds = (siteSchema as any).properties.security.properties.tls.properties.ruleSets.items.enum as string[];
    expect([...enumIds].sort()).toEqual([...RULE_SET_IDS].sort());
  });
});
