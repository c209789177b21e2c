// A small DER reader for the few fields of a certificate (and of an OCSP response) that Node 20's
// X509Certificate does not expose: the signature algorithm, and the public key algorithm when
// OpenSSL's key type has no Node name (SM2). Certificates come from servers under test, so any
// input must give an answer or a DerError, never an exception.

/** Malformed or unsupported DER, with the byte offset where reading stopped. */
export class DerError extends Error {
  readonly code = 'ERR_DER_MALFORMED';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
    this.name = 'DerError';
  }
}

export type DerResult<T> = { ok: true; value: T } | { ok: false; error: DerError };

/** One TLV. `tag` is the identifier octet (class, constructed bit and a low tag number). */
export interface DerElement {
  tag: number;
  /** Offset of the identifier octet. */
  offset: number;
  /** First content byte. */
  start: number;
  /** Just past the content. */
  end: number;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag [n]: constructed (EXPLICIT or a constructed IMPLICIT type) or primitive. */
export const context = (n: number, constructed = true): number => (constructed ? 0xa0 : 0x80) | n;

/**
 * Runs a reader that throws DerError (or trips over a bad offset) and turns every failure into a
 * result. The only way the readers below should be used from outside this module.
 */
export function tryDer<T>(read: () => T): DerResult<T> {
  try {
    return { ok: true, value: read() };
  } catch (err) {
    if (err instanceof DerError) return { ok: false, error: err };
    return { ok: false, error: new DerError(err instanceof Error ? err.message : String(err), -1) };
  }
}

/** Reads the TLV at `offset`; it must end by `limit` (its parent's end). */
export function readElement(der: Uint8Array, offset: number, limit = der.length): DerElement {
  const tag = der[offset];
  if (tag === undefined || offset >= limit) throw new DerError('truncated: no tag', offset);
  // X.509 and OCSP use low tag numbers only; a high-tag-number form here is not a certificate.
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported', offset);
  const first = der[offset + 1];
  if (first === undefined || offset + 1 >= limit) throw new DerError('truncated: no length', offset + 1);
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    // 0x80 is BER's indefinite length, which DER forbids; more than 4 length bytes is not a certificate.
    if (count === 0) throw new DerError('indefinite length', offset + 1);
    if (count > 4) throw new DerError(`length of ${count} bytes`, offset + 1);
    length = 0;
    for (let i = 0; i < count; i++) {
      const b = der[start + i];
      if (b === undefined) throw new DerError('truncated: length bytes', start + i);
      length = length * 256 + b;
    }
    start += count;
  }
  const end = start + length;
  if (end > limit) throw new DerError(`element of ${length} bytes overruns its container`, offset);
  return { tag, offset, start, end };
}

/** The element at `offset`, which must carry `tag`. */
export function expectElement(der: Uint8Array, offset: number, tag: number, limit = der.length, what = 'element'): DerElement {
  const el = readElement(der, offset, limit);
  if (el.tag !== tag) throw new DerError(`${what}: expected tag 0x${hex(tag)}, found 0x${hex(el.tag)}`, offset);
  return el;
}

export function childrenOf(der: Uint8Array, parent: DerElement): DerElement[] {
  if ((parent.tag & 0x20) === 0) throw new DerError('not a constructed element', parent.offset);
  const out: DerElement[] = [];
  for (let at = parent.start; at < parent.end;) {
    const child = readElement(der, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

export function contentOf(der: Uint8Array, el: DerElement): Uint8Array {
  return der.subarray(el.start, el.end);
}

/** Dotted form of an OBJECT IDENTIFIER's content (X.690 §8.19). */
export function decodeOid(der: Uint8Array, el: DerElement): string {
  if (el.tag !== TAG.OID) throw new DerError('expected an OBJECT IDENTIFIER', el.offset);
  if (el.end === el.start) throw new DerError('empty OBJECT IDENTIFIER', el.offset);
  const arcs: bigint[] = [];
  let value = 0n;
  let open = false;
  for (let i = el.start; i < el.end; i++) {
    const b = der[i]!;
    // A sub-identifier may not start with 0x80 (a padding byte).
    if (!open && b === 0x80) throw new DerError('non-minimal OID sub-identifier', i);
    value = (value << 7n) | BigInt(b & 0x7f);
    open = (b & 0x80) !== 0;
    if (!open) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (open) throw new DerError('OID ends inside a sub-identifier', el.end - 1);
  const [head = 0n, ...rest] = arcs;
  // The first sub-identifier packs the first two arcs: 40 * X + Y, with X ≤ 2.
  const first = head < 40n ? [0n, head] : head < 80n ? [1n, head - 40n] : [2n, head - 80n];
  return [...first, ...rest].join('.');
}

/** Big-endian magnitude of an INTEGER as upper-case hex without leading zeros ("0" for zero). */
export function integerHex(der: Uint8Array, el: DerElement): string {
  if (el.tag !== TAG.INTEGER) throw new DerError('expected an INTEGER', el.offset);
  if (el.end === el.start) throw new DerError('empty INTEGER', el.offset);
  const text = Buffer.from(contentOf(der, el)).toString('hex').replace(/^0+/, '').toUpperCase();
  return text || '0';
}

/** A small non-negative INTEGER or ENUMERATED. */
export function smallInteger(der: Uint8Array, el: DerElement): number {
  if (el.end === el.start || el.end - el.start > 6) throw new DerError('INTEGER out of range', el.offset);
  if ((der[el.start]! & 0x80) !== 0) throw new DerError('negative INTEGER', el.offset);
  let v = 0;
  for (let i = el.start; i < el.end; i++) v = v * 256 + der[i]!;
  return v;
}

/** UTCTime or GeneralizedTime (RFC 5280 §4.1.2.5 forms: seconds, Z) as an ISO 8601 string. */
export function decodeTime(der: Uint8Array, el: DerElement): string {
  const text = Buffer.from(contentOf(der, el)).toString('latin1');
  let m: RegExpMatchArray | null;
  let year: number;
  if (el.tag === TAG.UTC_TIME && (m = text.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/))) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (el.tag === TAG.GENERALIZED_TIME && (m = text.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/))) {
    year = Number(m[1]);
  } else {
    throw new DerError(`not a DER time: ${JSON.stringify(text.slice(0, 32))}`, el.offset);
  }
  const [, , mo, d, h, mi, s] = m.map(Number) as number[];
  const date = new Date(Date.UTC(year, mo! - 1, d, h, mi, s));
  if (Number.isNaN(date.getTime())) throw new DerError('invalid date', el.offset);
  return date.toISOString();
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

// ---------------------------------------------------------------------------------------------
// Algorithm names

/** OpenSSL's names (long name where OpenSSL prints one), so reports read like `openssl x509 -text`. */
const SIGNATURE_ALGORITHMS: Readonly<Record<string, { name: string; hash?: string }>> = {
  '1.2.840.113549.1.1.2': { name: 'md2WithRSAEncryption', hash: 'md2' },
  '1.2.840.113549.1.1.3': { name: 'md4WithRSAEncryption', hash: 'md4' },
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', hash: 'md5' },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', hash: 'sha1' },
  '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', hash: 'sha224' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'sha512' },
  // The hash of RSASSA-PSS is in its parameters (RFC 4055 §3.1); filled in by the reader.
  '1.2.840.113549.1.1.10': { name: 'RSASSA-PSS' },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', hash: 'sha1' },
  '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', hash: 'sha224' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', hash: 'sha512' },
  '1.2.840.10040.4.3': { name: 'dsa_with_SHA1', hash: 'sha1' },
  '2.16.840.1.101.3.4.3.1': { name: 'dsa_with_SHA224', hash: 'sha224' },
  '2.16.840.1.101.3.4.3.2': { name: 'dsa_with_SHA256', hash: 'sha256' },
  // EdDSA hashes internally (SHA-512 / SHAKE256); there is no separate digest to judge.
  '1.3.101.112': { name: 'ED25519' },
  '1.3.101.113': { name: 'ED448' },
  '1.2.156.10197.1.501': { name: 'SM2-with-SM3', hash: 'sm3' },
};

const HASHES: Readonly<Record<string, string>> = {
  '1.2.840.113549.2.5': 'md5',
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.8': 'sha3-256',
  '2.16.840.1.101.3.4.2.9': 'sha3-384',
  '2.16.840.1.101.3.4.2.10': 'sha3-512',
};

const KEY_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.1': 'RSA',
  '1.2.840.113549.1.1.10': 'RSA',
  '1.2.840.10045.2.1': 'EC',
  '1.2.840.10040.4.1': 'DSA',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
  '1.2.156.10197.1.301': 'SM2',
};

/** Named curves by OID, with OpenSSL's names (as Node's asymmetricKeyDetails.namedCurve gives them). */
const CURVES: Readonly<Record<string, { name: string; bits: number }>> = {
  '1.2.840.10045.3.1.1': { name: 'prime192v1', bits: 192 },
  '1.3.132.0.33': { name: 'secp224r1', bits: 224 },
  '1.2.840.10045.3.1.7': { name: 'prime256v1', bits: 256 },
  '1.3.132.0.34': { name: 'secp384r1', bits: 384 },
  '1.3.132.0.35': { name: 'secp521r1', bits: 521 },
  '1.3.132.0.10': { name: 'secp256k1', bits: 256 },
  '1.3.36.3.3.2.8.1.1.7': { name: 'brainpoolP256r1', bits: 256 },
  '1.3.36.3.3.2.8.1.1.11': { name: 'brainpoolP384r1', bits: 384 },
  '1.3.36.3.3.2.8.1.1.13': { name: 'brainpoolP512r1', bits: 512 },
  '1.2.156.10197.1.301': { name: 'SM2', bits: 256 },
};

/** Bits of a named curve's order, for curves Node names but the table above may not. */
export function curveBits(name: string): number {
  const known = Object.values(CURVES).find((c) => c.name === name);
  if (known) return known.bits;
  const digits = name.match(/(\d{3})/);
  return digits ? Number(digits[1]) : 0;
}

// ---------------------------------------------------------------------------------------------
// Certificate fields

export interface SignatureAlgorithm {
  oid: string;
  /** sha256WithRSAEncryption, ecdsa-with-SHA384, RSASSA-PSS, ED25519, SM2-with-SM3, or the OID when unknown. */
  name: string;
  /** Digest the signature is made over (md5, sha1, sha256 …); absent for EdDSA and unknown algorithms. */
  hash?: string;
}

export interface PublicKeyAlgorithm {
  oid: string;
  /** RSA, EC, DSA, Ed25519, Ed448, SM2, or the OID when unknown. */
  keyType: string;
  curve?: string;
  /** Modulus bits (RSA), curve bits (EC), encoded key bits (EdDSA); 0 when unknown. */
  bits: number;
}

/** Certificate → TBSCertificate → its fields, with the optional [0] version skipped. */
function tbsFields(der: Uint8Array): DerElement[] {
  const cert = expectElement(der, 0, TAG.SEQUENCE, der.length, 'Certificate');
  if (cert.end !== der.length) throw new DerError('trailing bytes after the certificate', cert.end);
  const [tbs] = childrenOf(der, cert);
  if (!tbs || tbs.tag !== TAG.SEQUENCE) throw new DerError('TBSCertificate is missing', cert.start);
  const fields = childrenOf(der, tbs);
  return fields[0]?.tag === context(0) ? fields.slice(1) : fields;
}

/** RFC 5280 §4.1.2.3: the algorithm the issuer signed with, from TBSCertificate.signature. */
export function certificateSignatureAlgorithm(der: Uint8Array): DerResult<SignatureAlgorithm> {
  return tryDer(() => {
    // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo …
    const algorithm = tbsFields(der)[1];
    if (!algorithm || algorithm.tag !== TAG.SEQUENCE) throw new DerError('TBSCertificate.signature is missing', 0);
    return signatureAlgorithmOf(der, algorithm);
  });
}

function signatureAlgorithmOf(der: Uint8Array, algorithm: DerElement): SignatureAlgorithm {
  const [idEl, params] = childrenOf(der, algorithm);
  if (!idEl) throw new DerError('empty AlgorithmIdentifier', algorithm.offset);
  const oid = decodeOid(der, idEl);
  const known = SIGNATURE_ALGORITHMS[oid];
  if (!known) return { oid, name: oid };
  if (oid === '1.2.840.113549.1.1.10') return { oid, name: known.name, hash: pssHash(der, params) };
  return { oid, name: known.name, ...(known.hash ? { hash: known.hash } : {}) };
}

/** RSASSA-PSS-params.hashAlgorithm [0], which defaults to SHA-1 (RFC 4055 §3.1). */
function pssHash(der: Uint8Array, params: DerElement | undefined): string {
  if (!params || params.tag === TAG.NULL) return 'sha1';
  if (params.tag !== TAG.SEQUENCE) throw new DerError('RSASSA-PSS parameters are not a SEQUENCE', params.offset);
  const hashField = childrenOf(der, params).find((c) => c.tag === context(0));
  if (!hashField) return 'sha1';
  const [hashAlg] = childrenOf(der, hashField);
  if (!hashAlg || hashAlg.tag !== TAG.SEQUENCE) throw new DerError('RSASSA-PSS hashAlgorithm is malformed', hashField.offset);
  const [hashOid] = childrenOf(der, hashAlg);
  if (!hashOid) throw new DerError('RSASSA-PSS hashAlgorithm is empty', hashAlg.offset);
  const oid = decodeOid(der, hashOid);
  return HASHES[oid] ?? oid;
}

/** SubjectPublicKeyInfo's algorithm (and curve), for keys node:crypto cannot describe. */
export function certificatePublicKeyAlgorithm(der: Uint8Array): DerResult<PublicKeyAlgorithm> {
  return tryDer(() => {
    const spki = tbsFields(der)[5];
    if (!spki || spki.tag !== TAG.SEQUENCE) throw new DerError('subjectPublicKeyInfo is missing', 0);
    const [algorithm, key] = childrenOf(der, spki);
    if (!algorithm || algorithm.tag !== TAG.SEQUENCE || !key || key.tag !== TAG.BIT_STRING) {
      throw new DerError('subjectPublicKeyInfo is malformed', spki.offset);
    }
    const [idEl, params] = childrenOf(der, algorithm);
    if (!idEl) throw new DerError('empty AlgorithmIdentifier', algorithm.offset);
    const oid = decodeOid(der, idEl);
    const keyType = KEY_ALGORITHMS[oid] ?? oid;
    // The key itself follows the BIT STRING's unused-bits octet.
    const keyBytes = der.subarray(key.start + 1, key.end);
    if (keyType === 'EC' || keyType === 'SM2') {
      const curveOid = params?.tag === TAG.OID ? decodeOid(der, params) : undefined;
      const curve = curveOid ? CURVES[curveOid] : undefined;
      // A certificate for an SM2 key says id-ecPublicKey with the SM2 curve (GB/T 32918).
      const type = curve?.name === 'SM2' ? 'SM2' : keyType;
      return { oid, keyType: type, ...(curve ? { curve: curve.name } : curveOid ? { curve: curveOid } : {}), bits: curve?.bits ?? 0 };
    }
    if (keyType === 'RSA') return { oid, keyType, bits: rsaModulusBits(keyBytes) };
    if (keyType === 'Ed25519' || keyType === 'Ed448') return { oid, keyType, bits: keyBytes.length * 8 };
    return { oid, keyType, bits: 0 };
  });
}

/** The SubjectPublicKeyInfo exactly as the certificate encodes it (what SPKI pins are computed over, RFC 7469 §2.4). */
export function certificateSpki(der: Uint8Array): DerResult<Uint8Array> {
  return tryDer(() => {
    const spki = tbsFields(der)[5];
    if (!spki || spki.tag !== TAG.SEQUENCE) throw new DerError('subjectPublicKeyInfo is missing', 0);
    return der.subarray(spki.offset, spki.end);
  });
}

/** RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } → bits of the modulus. */
function rsaModulusBits(key: Uint8Array): number {
  const seq = expectElement(key, 0, TAG.SEQUENCE, key.length, 'RSAPublicKey');
  const [modulus] = childrenOf(key, seq);
  if (!modulus || modulus.tag !== TAG.INTEGER) throw new DerError('RSAPublicKey has no modulus', seq.start);
  let i = modulus.start;
  while (i < modulus.end && key[i] === 0) i++;
  if (i === modulus.end) return 0;
  return (modulus.end - i) * 8 - Math.clz32(key[i]!) + 24;
}

/** TBSCertificate.validity as ISO 8601 strings (Node 20 gives only OpenSSL's text form). */
export function certificateValidity(der: Uint8Array): DerResult<{ notBefore: string; notAfter: string }> {
  return tryDer(() => {
    const validity = tbsFields(der)[3];
    if (!validity || validity.tag !== TAG.SEQUENCE) throw new DerError('validity is missing', 0);
    const [notBefore, notAfter] = childrenOf(der, validity);
    if (!notBefore || !notAfter) throw new DerError('validity is incomplete', validity.offset);
    return { notBefore: decodeTime(der, notBefore), notAfter: decodeTime(der, notAfter) };
  });
}
