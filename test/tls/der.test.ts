// The DER walk that names a certificate's signature algorithm and key, and reads a stapled OCSP
// response: against certificates and responses made by openssl for every algorithm the name table
// covers, and against malformed input (truncations, bit flips, hostile lengths), which must give
// a DerError result and never throw.

import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../src/lab/cert.js';
import {
  certificatePublicKeyAlgorithm,
  certificateSignatureAlgorithm,
  certificateSpki,
  certificateValidity,
  DerError,
} from '../../src/tls/der.js';
import { spkiPin } from '../../src/tls/cert-chain.js';
import { readOcspStaple } from '../../src/tls/ocsp-staple.js';
import { requireTool } from '../helpers/cli.js';
import { hasTool, tempDir, type TempDir } from '../helpers/peers.js';
import { makeCert, makeOcspResponse, type KeyKind } from './openssl-certs.js';

const withOpenssl = requireTool(hasTool('openssl'), 'openssl');

function der(pem: string): Buffer {
  return new X509Certificate(pem).raw;
}

describe('certificateSignatureAlgorithm: lab certificates', () => {
  it('names the lab CA (cert.ts) ecdsa-with-SHA256', () => {
    const ca = createCertificateAuthority('der test CA');
    expect(certificateSignatureAlgorithm(der(ca.certPem))).toEqual({
      ok: true,
      value: { oid: '1.2.840.10045.4.3.2', name: 'ecdsa-with-SHA256', hash: 'sha256' },
    });
    expect(certificatePublicKeyAlgorithm(der(ca.certPem))).toEqual({
      ok: true,
      value: { oid: '1.2.840.10045.2.1', keyType: 'EC', curve: 'prime256v1', bits: 256 },
    });
  });
});

describe.skipIf(!withOpenssl)('certificateSignatureAlgorithm: every algorithm in the table, made by openssl', () => {
  let tmp: TempDir;
  beforeAll(async () => {
    tmp = await tempDir('sr-der-');
  });
  afterAll(async () => {
    await tmp?.remove();
  });

  const cases: Array<[string, KeyKind, string | undefined, string[], string, string | undefined]> = [
    ['md5-rsa', 'rsa1024', 'md5', [], 'md5WithRSAEncryption', 'md5'],
    ['sha1-rsa', 'rsa1024', 'sha1', [], 'sha1WithRSAEncryption', 'sha1'],
    ['sha256-rsa', 'rsa1024', 'sha256', [], 'sha256WithRSAEncryption', 'sha256'],
    ['sha384-rsa', 'rsa1024', 'sha384', [], 'sha384WithRSAEncryption', 'sha384'],
    ['sha512-rsa', 'rsa1024', 'sha512', [], 'sha512WithRSAEncryption', 'sha512'],
    ['pss-sha256', 'rsa2048', 'sha256', ['rsa_padding_mode:pss', 'rsa_pss_saltlen:digest'], 'RSASSA-PSS', 'sha256'],
    ['pss-sha384', 'rsa2048', 'sha384', ['rsa_padding_mode:pss', 'rsa_pss_saltlen:digest'], 'RSASSA-PSS', 'sha384'],
    ['ecdsa-sha1', 'p256', 'sha1', [], 'ecdsa-with-SHA1', 'sha1'],
    ['ecdsa-sha256', 'p256', 'sha256', [], 'ecdsa-with-SHA256', 'sha256'],
    ['ecdsa-sha384', 'p384', 'sha384', [], 'ecdsa-with-SHA384', 'sha384'],
    ['ecdsa-sha512', 'p384', 'sha512', [], 'ecdsa-with-SHA512', 'sha512'],
    ['ed25519', 'ed25519', undefined, [], 'ED25519', undefined],
    ['ed448', 'ed448', undefined, [], 'ED448', undefined],
    ['sm2-sm3', 'sm2', 'sm3', [], 'SM2-with-SM3', 'sm3'],
    ['dsa-sha256', 'dsa', 'sha256', [], 'dsa_with_SHA256', 'sha256'],
  ];

  it.each(cases)('%s → %s', async (name, key, digest, sigopts, expected, hash) => {
    const c = await makeCert({ dir: tmp.path, name, key, commonName: `${name}.sr.test`, ...(digest ? { digest } : {}), sigopts });
    const r = certificateSignatureAlgorithm(der(c.certPem));
    expect(r).toEqual({ ok: true, value: expect.objectContaining({ name: expected }) });
    if (r.ok) expect(r.value.hash).toBe(hash);
    // openssl itself names the algorithm the same way.
    const text = (await import('node:child_process')).execFileSync('openssl', ['x509', '-in', c.cert, '-noout', '-text']).toString();
    expect(text.toLowerCase()).toContain(`signature algorithm: ${expected.toLowerCase()}`.replace('rsassa-pss', 'rsassapss'));
  });

  it.each([
    ['rsa2048', 'RSA', 2048, undefined],
    ['p384', 'EC', 384, 'secp384r1'],
    ['ed25519', 'Ed25519', 256, undefined],
    ['ed448', 'Ed448', 456, undefined],
    ['sm2', 'SM2', 256, 'SM2'],
  ] as const)('public key of a %s certificate: %s %i', async (key, keyType, bits, curve) => {
    const c = await makeCert({ dir: tmp.path, name: `pk-${key}`, key, commonName: 'pk.sr.test' });
    const r = certificatePublicKeyAlgorithm(der(c.certPem));
    expect(r).toEqual({ ok: true, value: expect.objectContaining({ keyType, bits, ...(curve ? { curve } : {}) }) });
  });

  it.each(['rsa2048', 'p384', 'ed25519', 'sm2'] as const)(
    'SPKI of a %s certificate: the bytes Node exports, and a pin even where Node cannot load the key',
    async (key) => {
      const c = await makeCert({ dir: tmp.path, name: `spki-${key}`, key, commonName: 'spki.sr.test' });
      const x = new X509Certificate(c.certPem);
      const r = certificateSpki(x.raw);
      expect(r.ok).toBe(true);
      let exported: Buffer | undefined;
      try {
        exported = x.publicKey.export({ type: 'spki', format: 'der' });
      } catch {
        exported = undefined;
      }
      if (r.ok && exported) expect(Buffer.from(r.value).equals(exported)).toBe(true);
      expect(spkiPin(x)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    },
  );

  it('reads validity as ISO 8601 (UTCTime) matching X509Certificate', async () => {
    const c = await makeCert({ dir: tmp.path, name: 'validity', key: 'p256', commonName: 'v.sr.test', days: 10 });
    const x = new X509Certificate(c.certPem);
    const r = certificateValidity(x.raw);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(Date.parse(r.value.notBefore)).toBe(Date.parse(x.validFrom));
      expect(Date.parse(r.value.notAfter)).toBe(Date.parse(x.validTo));
    }
  });

  describe('stapled OCSP responses', () => {
    let issuer: { cert: string; key: string };
    let leaf: { cert: string; certPem: string };
    beforeAll(async () => {
      issuer = await makeCert({ dir: tmp.path, name: 'ocsp-ca', key: 'p256', commonName: 'ocsp test CA', isCa: true });
      leaf = await makeCert({
        dir: tmp.path,
        name: 'ocsp-leaf',
        key: 'p256',
        commonName: 'ocsp.sr.test',
        dnsNames: ['ocsp.sr.test'],
        issuer,
      });
    });

    it('good, with thisUpdate and nextUpdate', async () => {
      const response = await readFile(await makeOcspResponse({ dir: tmp.path, name: 'good', leaf: leaf.cert, issuer }));
      const r = readOcspStaple(response, new X509Certificate(leaf.certPem).serialNumber);
      expect(r).toMatchObject({ status: 'good', thisUpdate: expect.stringMatching(/Z$/), nextUpdate: expect.stringMatching(/Z$/) });
      expect(Date.parse(r.nextUpdate!) - Date.parse(r.thisUpdate!)).toBeGreaterThan(6 * 24 * 3600_000);
    });

    it('revoked', async () => {
      const response = await readFile(await makeOcspResponse({ dir: tmp.path, name: 'revoked', leaf: leaf.cert, issuer, revoked: true }));
      expect(readOcspStaple(response, new X509Certificate(leaf.certPem).serialNumber).status).toBe('revoked');
    });

    it('a response for another certificate: unrelated', async () => {
      const response = await readFile(await makeOcspResponse({ dir: tmp.path, name: 'other', leaf: leaf.cert, issuer }));
      expect(readOcspStaple(response, '0123456789ABCDEF').status).toBe('unrelated');
    });

    it('tryLater: unsuccessful; garbage and truncations: malformed, never a throw', async () => {
      expect(readOcspStaple(Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x03]), '01').status).toBe('unsuccessful');
      const response = await readFile(await makeOcspResponse({ dir: tmp.path, name: 'cut', leaf: leaf.cert, issuer }));
      for (let n = 0; n < response.length; n++) {
        const r = readOcspStaple(response.subarray(0, n), '01');
        expect(['malformed', 'unsuccessful', 'unrelated']).toContain(r.status);
      }
    });
  });
});

describe('malformed input: a DerError result, never an exception', () => {
  const valid = der(createCertificateAuthority('fuzz CA').certPem);

  const expectDerError = (bytes: Uint8Array) => {
    for (const read of [certificateSignatureAlgorithm, certificatePublicKeyAlgorithm, certificateValidity]) {
      const r = read(bytes);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error).toBeInstanceOf(DerError);
        expect(r.error.code).toBe('ERR_DER_MALFORMED');
      }
    }
  };

  it('empty input, a lone tag, a wrong outer tag', () => {
    expectDerError(new Uint8Array());
    expectDerError(Uint8Array.from([0x30]));
    expectDerError(Uint8Array.from([0x31, 0x00]));
    expectDerError(Buffer.from('not a certificate at all'));
  });

  it('every truncation of a valid certificate', () => {
    for (let n = 0; n < valid.length; n++) expectDerError(valid.subarray(0, n));
  });

  it('indefinite length, 5-byte lengths, lengths past the end, high tag numbers, trailing bytes', () => {
    expectDerError(Uint8Array.from([0x30, 0x80, 0x30, 0x00, 0x00, 0x00]));
    expectDerError(Uint8Array.from([0x30, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00]));
    expectDerError(Uint8Array.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00]));
    expectDerError(Uint8Array.from([0x3f, 0x81, 0x01, 0x00]));
    expectDerError(Buffer.concat([valid, Buffer.from([0])]));
  });

  it('an OID that ends mid sub-identifier, and an empty OID, in the signature field', () => {
    // SEQUENCE { SEQUENCE { INTEGER 1, SEQUENCE { OID <bad> } } }
    for (const oid of [
      [0x06, 0x02, 0x2a, 0x86],
      [0x06, 0x00],
      [0x06, 0x02, 0x80, 0x01],
    ]) {
      const alg = [0x30, oid.length, ...oid];
      const tbs = [0x30, 3 + alg.length, 0x02, 0x01, 0x01, ...alg];
      expectDerError(Uint8Array.from([0x30, tbs.length, ...tbs]));
    }
  });

  it('thousands of random bit flips: a result every time', () => {
    // A fixed-seed generator keeps failures reproducible.
    let seed = 0x2545f491;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 3000; i++) {
      const bytes = Buffer.from(valid);
      for (let f = 0; f < 1 + Math.floor(random() * 4); f++) {
        const at = Math.floor(random() * bytes.length);
        bytes[at] = bytes[at]! ^ (1 << Math.floor(random() * 8));
      }
      for (const read of [certificateSignatureAlgorithm, certificatePublicKeyAlgorithm, certificateValidity]) {
        const r = read(bytes);
        if (!r.ok) expect(r.error).toBeInstanceOf(DerError);
      }
    }
  });

  it('an unknown signature OID is named by its dotted form', () => {
    const oid = [0x06, 0x03, 0x2b, 0x06, 0x01]; // 1.3.6.1
    const alg = [0x30, oid.length, ...oid];
    const tbs = [0x30, 3 + alg.length, 0x02, 0x01, 0x01, ...alg];
    expect(certificateSignatureAlgorithm(Uint8Array.from([0x30, tbs.length, ...tbs]))).toEqual({
      ok: true,
      value: { oid: '1.3.6.1', name: '1.3.6.1' },
    });
  });
});
