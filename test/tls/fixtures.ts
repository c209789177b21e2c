// Hand-built TlsScan fixtures for the classic server configurations that grading and the rule sets
// are tested against. Suites come from the registry by IANA value, so names, bits and flags are the
// ones the scanner would report.

import { suiteByCode, formatCode } from '../../src/tls/registry.js';
import {
  TLS_VERSIONS,
  type AcceptedSuite,
  type CertificateFacts,
  type CertificateInChain,
  type HandshakeFacts,
  type Preference,
  type TlsScan,
  type TlsVersionName,
} from '../../src/tls/types.js';

export function suite(version: TlsVersionName, code: number, extra: Partial<AcceptedSuite> = {}): AcceptedSuite {
  const info = suiteByCode(code);
  if (!info) throw new Error(`no registry entry for ${formatCode(code)}`);
  const ecdhe = info.kx === 'ECDHE' || info.kx === 'any';
  return {
    version,
    code: formatCode(code),
    name: info.name,
    strength: info.strength,
    kx: info.kx,
    bits: info.bits,
    forwardSecrecy: info.forwardSecrecy,
    aead: info.aead,
    ...(ecdhe ? { group: 'x25519', kxBits: 253 } : {}),
    ...extra,
  };
}

/** The same suites accepted with each of the versions, in that order. */
export function suitesFor(versions: TlsVersionName[], codes: number[], extra: Partial<AcceptedSuite> = {}): AcceptedSuite[] {
  return versions.flatMap((v) => codes.map((c) => suite(v, c, extra)));
}

export function versionsOf(...offered: TlsVersionName[]): Record<TlsVersionName, boolean> {
  return Object.fromEntries(TLS_VERSIONS.map((v) => [v, offered.includes(v)])) as Record<TlsVersionName, boolean>;
}

export function preferenceOf(p: Preference, ...versions: TlsVersionName[]): Partial<Record<TlsVersionName, Preference>> {
  return Object.fromEntries(versions.map((v) => [v, p]));
}

export const RSA_LEAF: CertificateInChain = {
  subject: 'CN=im.example.com',
  issuer: 'CN=Example RSA CA',
  serialNumber: '01',
  notBefore: '2026-01-01T00:00:00Z',
  notAfter: '2026-04-01T00:00:00Z',
  fingerprint256: 'AA',
  keyType: 'RSA',
  keyBits: 2048,
  signatureAlgorithm: 'sha256WithRSAEncryption',
  signatureHash: 'sha256',
  selfSigned: false,
  isCA: false,
};

export const RSA_INTERMEDIATE: CertificateInChain = {
  ...RSA_LEAF,
  subject: 'CN=Example RSA CA',
  issuer: 'CN=Example Root',
  serialNumber: '02',
  fingerprint256: 'BB',
  isCA: true,
};

export const ECDSA_LEAF: CertificateInChain = {
  ...RSA_LEAF,
  issuer: 'CN=Example ECC CA',
  keyType: 'EC',
  keyBits: 256,
  curve: 'prime256v1',
  signatureAlgorithm: 'ecdsa-with-SHA256',
  signatureHash: 'sha256',
};

export const ECDSA_INTERMEDIATE: CertificateInChain = {
  ...ECDSA_LEAF,
  subject: 'CN=Example ECC CA',
  issuer: 'CN=Example Root',
  keyBits: 384,
  curve: 'secp384r1',
  signatureAlgorithm: 'ecdsa-with-SHA384',
  signatureHash: 'sha384',
  isCA: true,
};

export function certificate(
  over: Partial<CertificateFacts> = {},
  chain: CertificateInChain[] = [RSA_LEAF, RSA_INTERMEDIATE],
): CertificateFacts {
  return {
    chain,
    trusted: true,
    hostnameMatch: true,
    checkedName: 'im.example.com',
    subjectAltNames: ['im.example.com'],
    notBefore: '2026-01-01T00:00:00Z',
    notAfter: '2026-04-01T00:00:00Z',
    daysLeft: 60,
    expired: false,
    notYetValid: false,
    lifetimeDays: 90,
    ocspStapled: true,
    chainComplete: true,
    ...over,
  };
}

/** A scan with good handshake facts, an RSA certificate and two years of HSTS; fixtures replace what they are about. */
export function scan(over: Omit<Partial<TlsScan>, 'facts'> & { facts?: Partial<HandshakeFacts> }): TlsScan {
  const base: TlsScan = {
    host: 'im.example.com',
    port: 443,
    address: '192.0.2.10',
    serverName: 'im.example.com',
    versions: versionsOf(),
    accepted: [],
    preference: {},
    groups: [],
    facts: {
      secureRenegotiation: true,
      fallbackScsv: true,
      compression: false,
      extendedMasterSecret: true,
      sessionIdResumption: true,
      sessionTicket: false,
      heartbeat: false,
      heartbleed: false,
      alpn: ['h2', 'http/1.1'],
      ocspStapling: true,
    },
    certificate: certificate(),
    hsts: { present: true, maxAgeSeconds: 63072000 },
    probes: 40,
    durationMs: 900,
    errors: [],
  };
  return { ...base, ...over, facts: { ...base.facts, ...over.facts } };
}

const TLS13 = [0x1301, 0x1302, 0x1303];

/** Mozilla modern 6.0: TLS 1.3 only, ECDSA P-256, 90-day certificate. */
export const modern = scan({
  versions: versionsOf('TLSv1.3'),
  accepted: suitesFor(['TLSv1.3'], TLS13),
  preference: preferenceOf('client', 'TLSv1.3'),
  groups: ['x25519', 'secp256r1', 'secp384r1'],
  // RFC 5746 and RFC 7507 do not exist in TLS 1.3; the scanner reports what it saw.
  facts: { secureRenegotiation: false, fallbackScsv: 'n/a', extendedMasterSecret: 'unknown' },
  certificate: certificate({}, [ECDSA_LEAF, ECDSA_INTERMEDIATE]),
});

/** Exactly the Mozilla 6.0 generator's intermediate nginx config, with an RSA 2048 certificate. */
export const intermediate = scan({
  versions: versionsOf('TLSv1.2', 'TLSv1.3'),
  accepted: [...suitesFor(['TLSv1.3'], TLS13), ...suitesFor(['TLSv1.2'], [0xc02f, 0xc030, 0xcca8])],
  preference: preferenceOf('client', 'TLSv1.2', 'TLSv1.3'),
  groups: ['x25519', 'secp256r1', 'secp384r1'],
});

/** The same with an ECDSA P-256 certificate (so ECDHE-ECDSA suites). */
export const ecdsa = scan({
  versions: versionsOf('TLSv1.2', 'TLSv1.3'),
  accepted: [...suitesFor(['TLSv1.3'], TLS13), ...suitesFor(['TLSv1.2'], [0xc02b, 0xc02c, 0xcca9])],
  preference: preferenceOf('client', 'TLSv1.2', 'TLSv1.3'),
  groups: ['x25519', 'secp256r1', 'secp384r1'],
  certificate: certificate({}, [ECDSA_LEAF, ECDSA_INTERMEDIATE]),
});

/** A legacy server: TLS 1.0–1.2, ECDHE and RSA key transport, CBC, 3DES, server order, no HSTS, no EMS. */
export const legacy = scan({
  versions: versionsOf('TLSv1.0', 'TLSv1.1', 'TLSv1.2'),
  accepted: [
    ...suitesFor(['TLSv1.2'], [0xc02f], { group: 'secp256r1', kxBits: 256 }),
    ...suitesFor(['TLSv1.2', 'TLSv1.1', 'TLSv1.0'], [0xc013], { group: 'secp256r1', kxBits: 256 }),
    ...suitesFor(['TLSv1.2', 'TLSv1.1', 'TLSv1.0'], [0x002f, 0x000a]),
  ].sort((a, b) => b.version.localeCompare(a.version)),
  preference: preferenceOf('server', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2'),
  groups: ['secp256r1'],
  facts: { extendedMasterSecret: false },
  hsts: { present: false },
});

/** TLS 1.2 with RSA key transport only: no forward secrecy at all. */
export const rsaKxOnly = scan({
  versions: versionsOf('TLSv1.2'),
  accepted: suitesFor(['TLSv1.2'], [0x009d, 0x009c, 0x003d, 0x002f]),
  preference: preferenceOf('server', 'TLSv1.2'),
  facts: { fallbackScsv: 'n/a' },
});

/** TLS 1.2 DHE with a 1024-bit group (the Logjam-era default). */
export const dhe1024 = scan({
  versions: versionsOf('TLSv1.2'),
  accepted: suitesFor(['TLSv1.2'], [0x009f, 0x009e], { group: 'DH 1024', kxBits: 1024 }),
  preference: preferenceOf('server', 'TLSv1.2'),
  dhMinBits: 1024,
  facts: { fallbackScsv: 'n/a' },
});

/** SSLv3 still on, with CBC suites (POODLE). */
export const sslv3 = scan({
  versions: versionsOf('SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2'),
  accepted: [
    ...suitesFor(['TLSv1.2'], [0xc02f, 0xc013], { group: 'secp256r1', kxBits: 256 }),
    ...suitesFor(['TLSv1.2', 'TLSv1.1', 'TLSv1.0', 'SSLv3'], [0x002f]),
    ...suitesFor(['TLSv1.1', 'TLSv1.0'], [0xc013], { group: 'secp256r1', kxBits: 256 }),
  ],
  preference: preferenceOf('server', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2'),
  groups: ['secp256r1'],
});

export const expired = scan({
  ...intermediate,
  certificate: certificate({
    expired: true,
    trusted: false,
    trustError: 'CERT_HAS_EXPIRED',
    daysLeft: -3,
    notAfter: '2026-03-01T00:00:00Z',
  }),
});

const SELF_SIGNED_LEAF: CertificateInChain = { ...RSA_LEAF, issuer: RSA_LEAF.subject, selfSigned: true };

export const selfSigned = scan({
  ...intermediate,
  certificate: certificate({ trusted: false, trustError: 'DEPTH_ZERO_SELF_SIGNED_CERT', lifetimeDays: 3650 }, [SELF_SIGNED_LEAF]),
});

export const wrongHost = scan({
  ...intermediate,
  certificate: certificate({ hostnameMatch: false, subjectAltNames: ['www.example.org'] }),
});

export const heartbleed = scan({ ...intermediate, facts: { ...intermediate.facts, heartbleed: true, heartbeat: true } });

export const noCertificate: TlsScan = (() => {
  const { certificate: _omitted, ...rest } = intermediate;
  return rest;
})();
