import { describe, expect, it } from 'vitest';
import { gradeTls, letterForScore } from '../../src/tls/grade.js';
import { gradeMessages } from '../../src/tls/grade-messages.js';
import { phrase } from '../../src/tls/phrases.js';
import type { GradeResult, TlsScan } from '../../src/tls/types.js';
import {
  certificate,
  dhe1024,
  ecdsa,
  ECDSA_INTERMEDIATE,
  ECDSA_LEAF,
  expired,
  heartbleed,
  intermediate,
  legacy,
  modern,
  noCertificate,
  RSA_INTERMEDIATE,
  RSA_LEAF,
  rsaKxOnly,
  scan,
  selfSigned,
  sslv3,
  suite,
  suitesFor,
  versionsOf,
  wrongHost,
} from './fixtures.js';
import { en, zh } from './text.js';

const capIds = (g: GradeResult) => g.caps.map((c) => c.id).sort();
/** A cap with its reason as an English reader gets it. */
const capOf = (g: GradeResult, id: string) => {
  const c = g.caps.find((x) => x.id === id);
  return c && { ...c, reason: en(phrase(c.id, c.params)) };
};

describe('SSL Labs score (2009 method)', () => {
  it("maps scores to letters with the guide's bands", () => {
    expect([100, 80, 79.9, 65, 64, 50, 49, 35, 34, 20, 19, 0].map(letterForScore)).toEqual([
      'A',
      'A',
      'B',
      'B',
      'C',
      'C',
      'D',
      'D',
      'E',
      'E',
      'F',
      'F',
    ]);
  });

  it('averages best and worst per category and weights them 30/30/40', () => {
    // Protocols TLS 1.0 (90) … TLS 1.2 (100) → 95; key exchange RSA 2048 and ECDHE P-256 capped by
    // the 2048-bit certificate → 90; ciphers AES-128 (80) and 3DES at the guide's 168 bits (80) → 80.
    const g = gradeTls(legacy);
    expect(g.subscores).toEqual({ protocol: 95, keyExchange: 90, cipher: 80 });
    expect(g.score).toBe(88); // (30·95 + 30·90 + 40·80) / 100 = 87.5, rounded half up
  });

  it('scores ECDSA P-256 with x25519 like a 3072-bit RSA key (90), and AES-256 / AES-128 as 100 / 80', () => {
    const g = gradeTls(modern);
    expect(g.subscores).toEqual({ protocol: 100, keyExchange: 90, cipher: 90 });
    expect(g.score).toBe(93);
  });

  it('lets a weak DH group pull the key exchange score down even behind a 2048-bit certificate', () => {
    expect(gradeTls(dhe1024).subscores.keyExchange).toBe(80);
  });

  it('makes the total zero when a category is zero', () => {
    const nullOnly = scan({ versions: versionsOf('TLSv1.2'), accepted: [suite('TLSv1.2', 0x0002)] }); // TLS_RSA_WITH_NULL_SHA
    const g = gradeTls(nullOnly);
    expect(g.subscores.cipher).toBe(0);
    expect(g.score).toBe(0);
    expect(g.grade).toBe('F');
  });
});

describe('grades of the classic configurations', () => {
  it('TLS 1.3-only modern: A+, no caps (RFC 5746 and fallback SCSV do not apply to TLS 1.3)', () => {
    const g = gradeTls(modern);
    expect(g.grade).toBe('A+');
    expect(g.caps).toEqual([]);
    expect(g.missing).toBeUndefined();
  });

  it("Mozilla intermediate (the generator's nginx config): A+", () => {
    const g = gradeTls(intermediate);
    expect([g.grade, g.score, g.caps]).toEqual(['A+', 93, []]);
  });

  it('ECDSA certificate: A+', () => {
    expect(gradeTls(ecdsa).grade).toBe('A+');
  });

  it('legacy TLS 1.0–1.2 with 3DES and no HSTS: C, because 3DES is accepted with TLS 1.1+', () => {
    const g = gradeTls(legacy);
    expect(g.grade).toBe('C');
    expect(capIds(g)).toEqual([
      'tls-grade.64-bit-block',
      'tls-grade.hsts-missing',
      'tls-grade.no-tls13',
      'tls-grade.tls10',
      'tls-grade.tls11',
    ]);
    expect(capOf(g, 'tls-grade.64-bit-block')).toMatchObject({ cap: 'C' });
    expect(capOf(g, 'tls-grade.64-bit-block')?.reason).toContain('TLSv1.2 0x000A TLS_RSA_WITH_3DES_EDE_CBC_SHA');
    expect(capOf(g, 'tls-grade.tls10')).toMatchObject({ cap: 'B', reason: 'TLS 1.0 is offered' });
    // The server picks ECDHE-GCM first, so modern clients get forward secrecy and AEAD: no B for those.
    expect(capOf(g, 'tls-grade.no-forward-secrecy')).toBeUndefined();
    expect(capOf(g, 'tls-grade.no-aead')).toBeUndefined();
  });

  it('RSA key exchange only: B for no forward secrecy (and A- for no TLS 1.3)', () => {
    const g = gradeTls(rsaKxOnly);
    expect(g.score).toBe(93);
    expect(g.grade).toBe('B');
    expect(capIds(g)).toEqual(['tls-grade.no-forward-secrecy', 'tls-grade.no-tls13']);
    expect(capOf(g, 'tls-grade.no-forward-secrecy')?.params).toMatchObject({ version: 'TLSv1.2' });
  });

  it('DHE with a 1024-bit group: B (Logjam-era weak DH)', () => {
    const g = gradeTls(dhe1024);
    expect(g.grade).toBe('B');
    expect(capOf(g, 'tls-grade.dh-weak')).toMatchObject({
      cap: 'B',
      reason: 'The ephemeral key exchange is weak: DH 1024 bits (below 2048 bits)',
    });
    expect(capIds(g)).toEqual(['tls-grade.dh-weak', 'tls-grade.no-tls13']);
  });

  it('SSLv3 with CBC suites: C for POODLE, on top of SSLv3 → B', () => {
    const g = gradeTls(sslv3);
    expect(g.grade).toBe('C');
    expect(capIds(g)).toEqual(['tls-grade.no-tls13', 'tls-grade.poodle', 'tls-grade.sslv3', 'tls-grade.tls10', 'tls-grade.tls11']);
    expect(capOf(g, 'tls-grade.sslv3')?.cap).toBe('B');
    expect(capOf(g, 'tls-grade.poodle')?.cap).toBe('C');
  });

  it('Heartbleed: F whatever the score', () => {
    const g = gradeTls(heartbleed);
    expect(g.score).toBe(93);
    expect(g.grade).toBe('F');
    expect(capIds(g)).toEqual(['tls-grade.heartbleed']);
  });

  it('expired certificate: T, with the grade the configuration would get otherwise', () => {
    const g = gradeTls(expired);
    expect(g.grade).toBe('T');
    expect(g.gradeIgnoringTrust).toBe('A+');
    // Expiry explains the trust failure; it is reported once.
    expect(capIds(g)).toEqual(['tls-grade.expired']);
    expect(capOf(g, 'tls-grade.expired')?.reason).toBe('The certificate expired on 2026-03-01T00:00:00Z');
  });

  it('self-signed certificate: T', () => {
    const g = gradeTls(selfSigned);
    expect(g.grade).toBe('T');
    expect(capIds(g)).toEqual(['tls-grade.self-signed']);
  });

  it('certificate for another name: M', () => {
    const g = gradeTls(wrongHost);
    expect(g.grade).toBe('M');
    expect(g.gradeIgnoringTrust).toBe('A+');
    expect(capOf(g, 'tls-grade.hostname-mismatch')).toMatchObject({ cap: 'M', params: { name: 'im.example.com' } });
  });

  it('T wins over M when a certificate is both untrusted and for another name', () => {
    const g = gradeTls({
      ...wrongHost,
      certificate: certificate({ hostnameMatch: false, trusted: false, trustError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' }),
    });
    expect(g.grade).toBe('T');
    expect(capIds(g)).toEqual(['tls-grade.hostname-mismatch', 'tls-grade.untrusted']);
    expect(capOf(g, 'tls-grade.untrusted')?.reason).toBe('The certificate is not trusted (UNABLE_TO_GET_ISSUER_CERT_LOCALLY)');
  });
});

describe('individual caps', () => {
  const base = intermediate;
  const grade = (over: Partial<TlsScan>) => gradeTls({ ...base, ...over });

  it('SSLv2 → F', () => {
    expect(grade({ versions: { ...base.versions, SSLv2: true } }).grade).toBe('F');
  });

  it('SSLv3 as the best protocol → F', () => {
    const g = grade({ versions: versionsOf('SSLv3'), accepted: suitesFor(['SSLv3'], [0x002f]) });
    expect(g.grade).toBe('F');
    expect(capOf(g, 'tls-grade.sslv3-only')?.cap).toBe('F');
    expect(capOf(g, 'tls-grade.no-tls12')?.cap).toBe('C');
  });

  it('TLS 1.1 alone caps at B; neither TLS 1.2 nor 1.3 at C', () => {
    expect(capOf(grade({ versions: { ...base.versions, 'TLSv1.1': true } }), 'tls-grade.tls11')?.cap).toBe('B');
    const g = grade({ versions: versionsOf('TLSv1.0', 'TLSv1.1'), accepted: suitesFor(['TLSv1.1', 'TLSv1.0'], [0xc013]), preference: {} });
    expect(g.grade).toBe('C');
  });

  it('no TLS 1.3 is a warning (A-), per 2009r', () => {
    const g = grade({ versions: versionsOf('TLSv1.2'), accepted: base.accepted.filter((s) => s.version === 'TLSv1.2') });
    expect(g.grade).toBe('A-');
    expect(capIds(g)).toEqual(['tls-grade.no-tls13']);
  });

  it('RC4: B when only older protocols use it, C with TLS 1.1+, F when it is all there is', () => {
    const rc4At = (versions: Parameters<typeof suitesFor>[0]) => suitesFor(versions, [0x0005]);
    expect(
      capOf(
        grade({ versions: { ...base.versions, 'TLSv1.0': true }, accepted: [...base.accepted, ...rc4At(['TLSv1.0'])] }),
        'tls-grade.rc4',
      )?.cap,
    ).toBe('B');
    expect(capOf(grade({ accepted: [...base.accepted, ...rc4At(['TLSv1.2'])] }), 'tls-grade.rc4-modern')?.cap).toBe('C');
    const only = grade({ versions: versionsOf('TLSv1.2'), accepted: rc4At(['TLSv1.2']) });
    expect(only.grade).toBe('F');
    expect(capOf(only, 'tls-grade.rc4-only')?.cap).toBe('F');
  });

  it('3DES only with TLS 1.0 is not the SWEET32 cap', () => {
    const g = grade({ versions: { ...base.versions, 'TLSv1.0': true }, accepted: [...base.accepted, ...suitesFor(['TLSv1.0'], [0x000a])] });
    expect(capOf(g, 'tls-grade.64-bit-block')).toBeUndefined();
    expect(g.grade).toBe('B'); // TLS 1.0
  });

  it('export, anonymous and sub-112-bit suites → F', () => {
    expect(capOf(grade({ accepted: [...base.accepted, suite('TLSv1.2', 0x0003)] }), 'tls-grade.export')?.cap).toBe('F');
    expect(capOf(grade({ accepted: [...base.accepted, suite('TLSv1.2', 0xc018)] }), 'tls-grade.anonymous')?.cap).toBe('F');
    const des = grade({ accepted: [...base.accepted, suite('TLSv1.2', 0x0009)] });
    expect(des.grade).toBe('F');
    expect(capOf(des, 'tls-grade.weak-cipher')?.reason).toContain('0x0009 TLS_RSA_WITH_DES_CBC_SHA');
  });

  it('no AEAD at the best version → B; a server-preferred CBC suite counts even when AEAD is also accepted', () => {
    const cbcOnly = grade({
      versions: versionsOf('TLSv1.2'),
      accepted: suitesFor(['TLSv1.2'], [0xc027, 0xc013]),
      preference: { 'TLSv1.2': 'server' },
    });
    expect(capOf(cbcOnly, 'tls-grade.no-aead')?.cap).toBe('B');
    const cbcFirst = grade({
      versions: versionsOf('TLSv1.2'),
      accepted: suitesFor(['TLSv1.2'], [0xc013, 0xc02f]),
      preference: { 'TLSv1.2': 'server' },
    });
    expect(capOf(cbcFirst, 'tls-grade.no-aead')?.params?.suites).toBe('TLSv1.2 0xC013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA');
    const clientPicks = grade({
      versions: versionsOf('TLSv1.2'),
      accepted: suitesFor(['TLSv1.2'], [0xc013, 0xc02f]),
      preference: { 'TLSv1.2': 'client' },
    });
    expect(capOf(clientPicks, 'tls-grade.no-aead')).toBeUndefined();
  });

  it('certificate keys: RSA 1024 → B, RSA 512 → F', () => {
    const withKey = (keyBits: number) => grade({ certificate: certificate({}, [{ ...RSA_LEAF, keyBits }, RSA_INTERMEDIATE]) });
    expect(capOf(withKey(1024), 'tls-grade.key-weak')).toMatchObject({
      cap: 'B',
      reason: 'The certificate key is weak: RSA 1024 bits (below 2048-bit RSA strength)',
    });
    expect(withKey(512).grade).toBe('F');
  });

  it('DH below 1024 bits → F', () => {
    const g = gradeTls({ ...dhe1024, accepted: suitesFor(['TLSv1.2'], [0x009e], { group: 'DH 512', kxBits: 512 }), dhMinBits: 512 });
    expect(capOf(g, 'tls-grade.dh-insecure')).toMatchObject({
      cap: 'F',
      reason: 'The ephemeral key exchange is insecure: DH 512 bits (below 1024 bits)',
    });
  });

  it('compression → C; no secure renegotiation → A-; no fallback SCSV → A', () => {
    expect(grade({ facts: { ...base.facts, compression: true } }).grade).toBe('C');
    expect(grade({ facts: { ...base.facts, secureRenegotiation: false } }).grade).toBe('A-');
    expect(grade({ facts: { ...base.facts, fallbackScsv: false } }).grade).toBe('A');
  });

  it('certificate signatures: SHA-1 leaf → T, MD5 → F, SHA-1 intermediate → A, incomplete chain → B', () => {
    const sha1 = { ...RSA_LEAF, signatureAlgorithm: 'sha1WithRSAEncryption', signatureHash: 'sha1' };
    expect(grade({ certificate: certificate({}, [sha1, RSA_INTERMEDIATE]) }).grade).toBe('T');
    const md5 = { ...RSA_LEAF, signatureAlgorithm: 'md5WithRSAEncryption', signatureHash: 'md5' };
    expect(grade({ certificate: certificate({}, [md5, RSA_INTERMEDIATE]) }).grade).toBe('F');
    expect(
      grade({
        certificate: certificate({}, [
          RSA_LEAF,
          { ...RSA_INTERMEDIATE, signatureAlgorithm: 'sha1WithRSAEncryption', signatureHash: 'sha1' },
        ]),
      }).grade,
    ).toBe('A');
    expect(grade({ certificate: certificate({ chainComplete: false, chainIssues: ['incomplete'] }) }).grade).toBe('B');
  });

  it('a revoked staple → F', () => {
    expect(grade({ certificate: certificate({ ocspStatus: 'revoked' }) }).grade).toBe('F');
  });

  it('A+ needs HSTS of at least 180 days', () => {
    expect(grade({ hsts: { present: true, maxAgeSeconds: 15552000 } }).grade).toBe('A+');
    const short = grade({ hsts: { present: true, maxAgeSeconds: 15551999 } });
    expect(short.grade).toBe('A');
    expect(short.caps).toEqual([expect.objectContaining({ id: 'tls-grade.hsts-short', cap: 'A', params: { maxAge: 15551999 } })]);
    expect(capIds(grade({ hsts: undefined }))).toEqual(['tls-grade.hsts-not-checked']);
    const failed = grade({ hsts: { present: false, error: { kind: 'closed', message: 'connection reset' } } });
    expect([failed.grade, capOf(failed, 'tls-grade.hsts-unknown')?.reason]).toEqual([
      'A',
      'HSTS could not be checked (not HTTP: the connection closed without an answer to GET / (connection reset))',
    ]);
    expect(failed.missing).toEqual(['hsts']);
  });

  it('an ECDSA leaf on P-256 is not a weak key', () => {
    const g = grade({ certificate: certificate({}, [ECDSA_LEAF, ECDSA_INTERMEDIATE]) });
    expect(g.caps).toEqual([]);
  });
});

describe('what the grade cannot see', () => {
  it('without certificate facts: no A+, and the certificate is listed as missing', () => {
    const g = gradeTls(noCertificate);
    expect(g.grade).toBe('A');
    expect(capIds(g)).toEqual(['tls-grade.certificate-unknown']);
    expect(g.missing).toEqual(['certificate']);
    expect(g.subscores.keyExchange).toBe(90); // from the x25519 key shares alone
  });

  it('a finished handshake that was tried and failed is an F, not a missing fact', () => {
    const noHandshake = gradeTls({
      ...noCertificate,
      certificateError: { stage: 'handshake', code: 'ERR_SSL_X', message: 'certificate does not parse' },
    });
    expect(noHandshake.grade).toBe('F');
    expect(capIds(noHandshake)).toContain('tls-grade.no-finished-handshake');
    expect(capOf(noHandshake, 'tls-grade.no-finished-handshake')?.reason).toMatch(/certificate does not parse/);
    const unreadable = gradeTls({
      ...noCertificate,
      certificateError: { stage: 'certificate', code: 'NO_PEER_CERTIFICATE', message: 'the server sent no certificate' },
    });
    expect(unreadable.grade).toBe('F');
    expect(capIds(unreadable)).toContain('tls-grade.certificate-unreadable');
  });

  it('an unknown Heartbleed result is listed, not graded', () => {
    const g = gradeTls({ ...intermediate, facts: { ...intermediate.facts, heartbleed: 'unknown' } });
    expect(g.grade).toBe('A+');
    expect(g.missing).toEqual(['heartbleed']);
  });

  it('nothing accepted: F with a reason', () => {
    const g = gradeTls(scan({}));
    expect(g.grade).toBe('F');
    expect(capIds(g)).toContain('tls-grade.no-handshake');
  });

  it('names the criteria it follows', () => {
    expect(gradeTls(modern).criteria).toMatch(/2009r/);
  });
});

describe('cap reasons in both languages', () => {
  it('has a zh-CN reason for every English one, with the same placeholders', () => {
    const placeholders = (t: string) => [...t.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [id, text] of Object.entries(gradeMessages.en)) {
      const zh = gradeMessages['zh-CN'][id];
      expect(zh, id).toBeDefined();
      expect(zh).not.toBe(text);
      expect(placeholders(zh ?? ''), id).toEqual(placeholders(text));
    }
  });

  it('renders a cap in Chinese from its id and params, the key size included', () => {
    const cap = gradeTls(dhe1024).caps.find((c) => c.id === 'tls-grade.dh-weak')!;
    expect(zh(phrase(cap.id, cap.params))).toBe('临时密钥交换偏弱：DH 1024 位（低于 2048 位）');
  });

  it('every cap the grader can raise has a message in both languages, with every parameter it names', () => {
    const raised = [legacy, rsaKxOnly, dhe1024, sslv3, heartbleed, expired, selfSigned, wrongHost, noCertificate].flatMap(
      (s) => gradeTls(s).caps,
    );
    for (const c of raised) {
      expect(en(phrase(c.id, c.params))).not.toContain('{');
      expect(zh(phrase(c.id, c.params))).not.toContain('{');
    }
  });
});
