/**
 * X.509 certificates for the loopback test lab: a throwaway CA plus leaf
 * certificates it signs, built without OpenSSL or any npm dependency.
 *
 * The DER encoder below covers exactly the ASN.1 a certificate needs and
 * nothing more; node:crypto does the key generation and the ECDSA signature.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

export interface KeyAndCert {
  certPem: string;
  keyPem: string;
}

export interface CertOptions {
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Default: one hour ago, so small clock skew between processes cannot make a fresh cert "not yet valid". */
  notBefore?: Date;
  /** Default: 30 days from now. */
  notAfter?: Date;
  /** Only meaningful for issueCertificate: issue an intermediate CA instead of a server certificate. */
  isCa?: boolean;
}

// ---------------------------------------------------------------------------
// Minimal DER encoder (X.690). Only definite lengths and low tag numbers,
// which is all that X.509 uses.

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, ...items);
// DER requires SET OF members to be sorted; every SET we build has one member.
const set = (item: Buffer): Buffer => tlv(0x31, item);
const octetString = (bytes: Buffer): Buffer => tlv(0x04, bytes);
const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
const booleanTrue = (): Buffer => tlv(0x01, Buffer.from([0xff]));
const explicit = (tagNumber: number, inner: Buffer): Buffer => tlv(0xa0 | tagNumber, inner);
const implicitPrimitive = (tagNumber: number, bytes: Buffer): Buffer => tlv(0x80 | tagNumber, bytes);
const bitString = (bytes: Buffer, unusedBits = 0): Buffer => tlv(0x03, Buffer.from([unusedBits]), bytes);

/** Non-negative INTEGER from a small number or big-endian magnitude bytes. */
function integer(value: number | Buffer): Buffer {
  let bytes: Buffer;
  if (typeof value === 'number') {
    const out: number[] = [];
    for (let v = value; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
    bytes = Buffer.from(out);
  } else {
    bytes = value;
  }
  // DER wants the shortest form: drop redundant zero bytes, then re-add one if
  // the top bit is set, because INTEGER is two's complement and we mean positive.
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if (((bytes[0] ?? 0) & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

function objectIdentifier(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const out: number[] = [];
  // The first two arcs share one sub-identifier (X.690 §8.19.4).
  for (const arc of [first * 40 + second, ...rest]) {
    const chunk = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** NamedBitList BIT STRING: DER forbids trailing zero bits, so unusedBits is computed. */
function namedBits(bits: number[]): Buffer {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  return bitString(bytes, 7 - (highest & 7));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 (and before 1950). */
function time(date: Date): Buffer {
  if (!Number.isFinite(date.getTime())) throw new Error('certificate date is invalid');
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new Error(`certificate year ${year} is out of range`);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  // Seconds precision and a literal Z: both time types forbid fractions and offsets in DER.
  const rest =
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds()) +
    'Z';
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(pad(year % 100) + rest, 'ascii'));
  return tlv(0x18, Buffer.from(pad(year, 4) + rest, 'ascii'));
}

// ---------------------------------------------------------------------------
// Minimal DER reader, only to pull fields back out of certificates and keys
// that node:crypto hands us as opaque DER.

interface Element {
  tag: number;
  /** Offset of the tag byte. */
  offset: number;
  /** Offset of the first content byte. */
  start: number;
  /** Offset just past the content. */
  end: number;
}

function readElement(der: Buffer, offset: number): Element {
  const tag = der[offset];
  const first = der[offset + 1];
  if (tag === undefined || first === undefined) throw new Error('truncated DER');
  let length = first;
  let start = offset + 2;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) {
      const byte = der[start + i];
      if (byte === undefined) throw new Error('truncated DER');
      length = length * 256 + byte;
    }
    start += count;
  }
  const end = start + length;
  if (end > der.length) throw new Error('truncated DER');
  return { tag, offset, start, end };
}

function childrenOf(der: Buffer, parent: Element): Element[] {
  const out: Element[] = [];
  for (let at = parent.start; at < parent.end;) {
    const child = readElement(der, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** The issuer field of a child must repeat the CA's subject byte for byte, so copy it rather than rebuild it. */
function subjectNameDer(certDer: Buffer): Buffer {
  const tbs = childrenOf(certDer, readElement(certDer, 0))[0];
  if (!tbs) throw new Error('malformed certificate');
  const fields = childrenOf(certDer, tbs);
  const versionOffset = fields[0]?.tag === 0xa0 ? 1 : 0;
  // serialNumber, signature, issuer, validity, subject
  const subject = fields[versionOffset + 4];
  if (!subject) throw new Error('malformed certificate');
  return certDer.subarray(subject.offset, subject.end);
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 over the subjectPublicKey BIT STRING value. */
function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const bits = childrenOf(spki, readElement(spki, 0))[1];
  if (!bits || bits.tag !== 0x03) throw new Error('malformed public key');
  return createHash('sha1')
    .update(spki.subarray(bits.start + 1, bits.end))
    .digest();
}

// ---------------------------------------------------------------------------
// Certificate assembly

const OID = {
  commonName: '2.5.4.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

// RFC 5758 §3.2: the parameters field is absent (not NULL) for ECDSA.
const ECDSA_SHA256 = sequence(objectIdentifier(OID.ecdsaWithSha256));

const HOUR = 3600_000;
const DAY = 24 * HOUR;

function name(commonName: string): Buffer {
  return sequence(set(sequence(objectIdentifier(OID.commonName), utf8String(commonName))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  // DER omits a BOOLEAN that equals its DEFAULT (FALSE), so only "true" is ever written.
  return sequence(objectIdentifier(id), ...(critical ? [booleanTrue()] : []), octetString(value));
}

function ipv6Bytes(address: string): Buffer {
  let text = address;
  // A trailing dotted quad (::ffff:192.0.2.1) is the last 32 bits; rewrite it as two hex groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest === undefined ? undefined : rest ? rest.split(':') : [];
  const groups =
    restGroups === undefined
      ? headGroups
      : [...headGroups, ...new Array<string>(8 - headGroups.length - restGroups.length).fill('0'), ...restGroups];
  const out = Buffer.alloc(16);
  groups.forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), i * 2));
  return out;
}

function ipAddressBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  // A zone index only means something on the local host; it cannot go into a certificate.
  if (isIPv6(address) && !address.includes('%')) return ipv6Bytes(address);
  throw new Error(`not an IP address: ${address}`);
}

function subjectAltName(dnsNames: string[], ipAddresses: string[]): Buffer {
  const names: Buffer[] = [];
  for (const dns of dnsNames) {
    // dNSName is an IA5String: internationalised names must arrive already in A-label (punycode) form.
    if (!/^[\x21-\x7e]+$/.test(dns)) throw new Error(`invalid DNS name for certificate: ${JSON.stringify(dns)}`);
    names.push(implicitPrimitive(2, Buffer.from(dns.toLowerCase(), 'ascii')));
  }
  for (const ip of ipAddresses) names.push(implicitPrimitive(7, ipAddressBytes(ip)));
  return sequence(...names);
}

function positiveSerial(): Buffer {
  const serial = randomBytes(16);
  // Clear the sign bit so the serial is positive, and set the next one so the
  // encoding is always exactly 16 bytes (no leading zero to strip or add).
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  return serial;
}

interface Issuer {
  name: Buffer;
  key: KeyObject;
  /** Absent for a self-signed certificate. */
  keyId?: Buffer;
}

function buildCertificate(opts: CertOptions, isCa: boolean, issuer: Issuer | undefined): KeyAndCert {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const now = Date.now();
  const notBefore = opts.notBefore ?? new Date(now - HOUR);
  const notAfter = opts.notAfter ?? new Date(now + 30 * DAY);
  if (notAfter.getTime() <= notBefore.getTime()) throw new Error('certificate notAfter must be later than notBefore');

  const subject = name(opts.commonName);
  const signer: Issuer = issuer ?? { name: subject, key: privateKey };
  const ownKeyId = keyIdentifier(publicKey);

  let dnsNames = opts.dnsNames ?? [];
  const ipAddresses = opts.ipAddresses ?? [];
  // Clients ignore the CN once any SAN exists and increasingly ignore it
  // altogether, so a server certificate without explicit names gets its CN.
  if (!isCa && dnsNames.length === 0 && ipAddresses.length === 0 && /^[a-z0-9*.-]+$/i.test(opts.commonName)) {
    dnsNames = [opts.commonName];
  }

  const extensions: Buffer[] = [];
  if (isCa) {
    extensions.push(
      extension(OID.basicConstraints, true, sequence(booleanTrue())),
      extension(OID.keyUsage, true, namedBits([KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign])),
    );
  } else {
    extensions.push(
      // An empty SEQUENCE is CA:FALSE, because cA defaults to FALSE.
      extension(OID.basicConstraints, true, sequence()),
      extension(OID.keyUsage, true, namedBits([KEY_USAGE.digitalSignature])),
      extension(OID.extKeyUsage, false, sequence(objectIdentifier(OID.serverAuth))),
    );
  }
  if (dnsNames.length > 0 || ipAddresses.length > 0) {
    extensions.push(extension(OID.subjectAltName, false, subjectAltName(dnsNames, ipAddresses)));
  }
  extensions.push(extension(OID.subjectKeyIdentifier, false, octetString(ownKeyId)));
  if (signer.keyId) {
    // Lets verifiers pick the right issuer key when a CA has been re-keyed.
    extensions.push(extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, signer.keyId))));
  }

  const tbs = sequence(
    explicit(0, integer(2)), // v3: required because we carry extensions
    integer(positiveSerial()),
    ECDSA_SHA256,
    signer.name,
    sequence(time(notBefore), time(notAfter)),
    subject,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
  // For EC keys node:crypto emits the DER Ecdsa-Sig-Value that X.509 expects.
  const signature = sign('sha256', tbs, signer.key);
  const certDer = sequence(tbs, ECDSA_SHA256, bitString(signature));

  return {
    certPem: toPem('CERTIFICATE', certDer),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Self-signed ECDSA P-256 root for the lab. */
export function createCertificateAuthority(commonName?: string, opts: Partial<CertOptions> = {}): KeyAndCert {
  return buildCertificate({ ...opts, commonName: commonName ?? opts.commonName ?? 'siteready lab CA' }, true, undefined);
}

/** Server certificate (or, with isCa, an intermediate CA) signed by `ca`. */
export function issueCertificate(ca: KeyAndCert, opts: CertOptions): KeyAndCert {
  const caCert = new X509Certificate(ca.certPem);
  const caKey = createPrivateKey(ca.keyPem);
  if (!caCert.ca) throw new Error('issuer certificate is not a CA');
  if (caKey.asymmetricKeyType !== 'ec') throw new Error('issuer key must be an EC key (ecdsa-with-SHA256 signatures)');
  if (!caCert.checkPrivateKey(caKey)) throw new Error('issuer key does not match the issuer certificate');
  return buildCertificate(opts, opts.isCa === true, {
    name: subjectNameDer(caCert.raw),
    key: caKey,
    keyId: keyIdentifier(caCert.publicKey),
  });
}
