// Lookups over the cipher suite registry (registry-data.ts), plus the IANA tables of named groups
// and signature schemes a ClientHello offers and a ServerHello / ServerKeyExchange names.

import { AEAD, EXPORT, FS, GM, SSL2, SUITE_ROWS, TLS13, type ScsvRow, type SuiteRow } from './registry-data.js';
import type { CipherSuiteInfo } from './types.js';

/** A registry entry; `scsv` and `sslv2` tell the entries that are not TLS cipher suites proper. */
export interface RegistrySuite extends CipherSuiteInfo {
  /** Signalling value (TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV): offered, never chosen. */
  scsv?: true;
  /** A three-byte SSLv2 cipher kind. */
  sslv2?: true;
}

function fromRow(row: SuiteRow | ScsvRow): RegistrySuite {
  if (!Array.isArray(row)) {
    const s = row as ScsvRow;
    return {
      code: s.code,
      name: s.name,
      kx: 'NULL',
      auth: 'NULL',
      cipher: 'NULL',
      bits: 0,
      mac: 'NULL',
      aead: false,
      forwardSecrecy: false,
      export: false,
      tls13: false,
      gm: false,
      strength: 'insecure',
      scsv: true,
    };
  }
  const [code, name, openssl, kx, auth, cipher, bits, mac, flags, strength] = row as SuiteRow;
  return {
    code,
    name,
    ...(openssl ? { openssl } : {}),
    kx,
    auth,
    cipher,
    bits,
    mac,
    aead: (flags & AEAD) !== 0,
    forwardSecrecy: (flags & FS) !== 0,
    export: (flags & EXPORT) !== 0,
    tls13: (flags & TLS13) !== 0,
    gm: (flags & GM) !== 0,
    strength,
    ...((flags & SSL2) !== 0 ? { sslv2: true as const } : {}),
  };
}

const SUITES: readonly RegistrySuite[] = Object.freeze(SUITE_ROWS.map((r) => Object.freeze(fromRow(r))));
const BY_CODE = new Map<number, RegistrySuite>(SUITES.map((s) => [s.code, s]));

export const TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
export const TLS_FALLBACK_SCSV = 0x5600;

/** Every entry: IANA suites in registry order, then GM/T and TLCP suites, then SSLv2 kinds. SCSVs included. */
export function allSuites(): readonly RegistrySuite[] {
  return SUITES;
}

export function suiteByCode(code: number): RegistrySuite | undefined {
  return BY_CODE.get(code);
}

/** `0xC02F`: four upper-case hex digits, six for a three-byte SSLv2 kind. */
export function formatCode(code: number): string {
  return `0x${code
    .toString(16)
    .toUpperCase()
    .padStart(code > 0xffff ? 6 : 4, '0')}`;
}

/** A name for any value, assigned or not (servers may pick what no registry knows). */
export function suiteName(code: number): string {
  return suiteByCode(code)?.name ?? `UNKNOWN_${formatCode(code)}`;
}

/** Suites a TLS 1.3 ClientHello can offer. */
export function tls13Suites(): RegistrySuite[] {
  return SUITES.filter((s) => s.tls13);
}

/** Suites an SSLv3 … TLS 1.2 ClientHello can offer (GM suites included: some servers take them in TLS 1.2 hellos). */
export function legacySuites(): RegistrySuite[] {
  return SUITES.filter((s) => !s.tls13 && !s.scsv && !s.sslv2);
}

export function sslv2Kinds(): RegistrySuite[] {
  return SUITES.filter((s) => s.sslv2);
}

/** The suites of GM/T 0024 / GB/T 38636 (TLCP) that a TLCP hello offers. */
export function tlcpSuites(): RegistrySuite[] {
  return SUITES.filter((s) => s.gm && !s.tls13);
}

// ---------------------------------------------------------------------------------------------
// Named groups (IANA TLS Supported Groups, RFC 8422 / 7919 / 8446 / 8998, GOST, hybrid ML-KEM)

export interface NamedGroup {
  code: number;
  name: string;
  kind: 'ec' | 'ecx' | 'ffdhe' | 'hybrid' | 'kem';
  /** Strength as OpenSSL reports the key size (x25519 253, P-256 256, ffdhe2048 2048). */
  bits: number;
  /** TLS 1.3 allows it (RFC 8446 §4.2.7 dropped the binary and most prime curves). */
  tls13: boolean;
}

const g = (code: number, name: string, kind: NamedGroup['kind'], bits: number, tls13 = false): NamedGroup => ({
  code,
  name,
  kind,
  bits,
  tls13,
});

export const NAMED_GROUPS: readonly NamedGroup[] = Object.freeze([
  g(0x0001, 'sect163k1', 'ec', 163),
  g(0x0002, 'sect163r1', 'ec', 163),
  g(0x0003, 'sect163r2', 'ec', 163),
  g(0x0004, 'sect193r1', 'ec', 193),
  g(0x0005, 'sect193r2', 'ec', 193),
  g(0x0006, 'sect233k1', 'ec', 233),
  g(0x0007, 'sect233r1', 'ec', 233),
  g(0x0008, 'sect239k1', 'ec', 239),
  g(0x0009, 'sect283k1', 'ec', 283),
  g(0x000a, 'sect283r1', 'ec', 283),
  g(0x000b, 'sect409k1', 'ec', 409),
  g(0x000c, 'sect409r1', 'ec', 409),
  g(0x000d, 'sect571k1', 'ec', 571),
  g(0x000e, 'sect571r1', 'ec', 571),
  g(0x000f, 'secp160k1', 'ec', 160),
  g(0x0010, 'secp160r1', 'ec', 160),
  g(0x0011, 'secp160r2', 'ec', 160),
  g(0x0012, 'secp192k1', 'ec', 192),
  g(0x0013, 'secp192r1', 'ec', 192),
  g(0x0014, 'secp224k1', 'ec', 224),
  g(0x0015, 'secp224r1', 'ec', 224),
  g(0x0016, 'secp256k1', 'ec', 256),
  g(0x0017, 'secp256r1', 'ec', 256, true),
  g(0x0018, 'secp384r1', 'ec', 384, true),
  g(0x0019, 'secp521r1', 'ec', 521, true),
  g(0x001a, 'brainpoolP256r1', 'ec', 256),
  g(0x001b, 'brainpoolP384r1', 'ec', 384),
  g(0x001c, 'brainpoolP512r1', 'ec', 512),
  g(0x001d, 'x25519', 'ecx', 253, true),
  g(0x001e, 'x448', 'ecx', 448, true),
  g(0x001f, 'brainpoolP256r1tls13', 'ec', 256, true),
  g(0x0020, 'brainpoolP384r1tls13', 'ec', 384, true),
  g(0x0021, 'brainpoolP512r1tls13', 'ec', 512, true),
  g(0x0022, 'GC256A', 'ec', 256, true),
  g(0x0023, 'GC256B', 'ec', 256, true),
  g(0x0024, 'GC256C', 'ec', 256, true),
  g(0x0025, 'GC256D', 'ec', 256, true),
  g(0x0026, 'GC512A', 'ec', 512, true),
  g(0x0027, 'GC512B', 'ec', 512, true),
  g(0x0028, 'GC512C', 'ec', 512, true),
  g(0x0029, 'curveSM2', 'ec', 256, true),
  g(0x0100, 'ffdhe2048', 'ffdhe', 2048, true),
  g(0x0101, 'ffdhe3072', 'ffdhe', 3072, true),
  g(0x0102, 'ffdhe4096', 'ffdhe', 4096, true),
  g(0x0103, 'ffdhe6144', 'ffdhe', 6144, true),
  g(0x0104, 'ffdhe8192', 'ffdhe', 8192, true),
  g(0x0200, 'MLKEM512', 'kem', 512, true),
  g(0x0201, 'MLKEM768', 'kem', 768, true),
  g(0x0202, 'MLKEM1024', 'kem', 1024, true),
  g(0x11eb, 'SecP256r1MLKEM768', 'hybrid', 256, true),
  g(0x11ec, 'X25519MLKEM768', 'hybrid', 253, true),
  g(0x11ed, 'SecP384r1MLKEM1024', 'hybrid', 384, true),
  g(0x6399, 'X25519Kyber768Draft00', 'hybrid', 253, true),
]);

const GROUP_BY_CODE = new Map(NAMED_GROUPS.map((x) => [x.code, x]));

export function groupByCode(code: number): NamedGroup | undefined {
  return GROUP_BY_CODE.get(code);
}

export function groupName(code: number): string {
  return groupByCode(code)?.name ?? `group_${formatCode(code)}`;
}

/** What clients list first; a server that follows the client's order then picks what a browser would get. */
const PREFERRED_GROUPS = [0x001d, 0x0017, 0x0018, 0x001e, 0x0019];

function preferredFirst(groups: NamedGroup[]): NamedGroup[] {
  const rank = (x: NamedGroup) => {
    const i = PREFERRED_GROUPS.indexOf(x.code);
    return i < 0 ? PREFERRED_GROUPS.length : i;
  };
  return [...groups].sort((a, b) => rank(a) - rank(b) || a.code - b.code);
}

/** Groups offered for (EC)DHE in TLS ≤ 1.2 hellos: every curve RFC 8422 and its predecessors defined, and ffdhe. */
export function legacyGroups(): NamedGroup[] {
  return preferredFirst(
    NAMED_GROUPS.filter((x) => x.kind === 'ec' || x.kind === 'ecx' || x.kind === 'ffdhe').filter((x) => !/tls13$|^GC/.test(x.name)),
  );
}

/** Groups a TLS 1.3 hello can name. */
export function tls13Groups(): NamedGroup[] {
  return preferredFirst(NAMED_GROUPS.filter((x) => x.tls13));
}

// ---------------------------------------------------------------------------------------------
// Signature schemes (IANA TLS SignatureScheme; TLS 1.2 hash/signature pairs keep their old names)

export interface SignatureScheme {
  code: number;
  name: string;
}

const sig = (code: number, name: string): SignatureScheme => ({ code, name });

export const SIGNATURE_SCHEMES: readonly SignatureScheme[] = Object.freeze([
  sig(0x0403, 'ecdsa_secp256r1_sha256'),
  sig(0x0503, 'ecdsa_secp384r1_sha384'),
  sig(0x0603, 'ecdsa_secp521r1_sha512'),
  sig(0x0807, 'ed25519'),
  sig(0x0808, 'ed448'),
  sig(0x0804, 'rsa_pss_rsae_sha256'),
  sig(0x0805, 'rsa_pss_rsae_sha384'),
  sig(0x0806, 'rsa_pss_rsae_sha512'),
  sig(0x0809, 'rsa_pss_pss_sha256'),
  sig(0x080a, 'rsa_pss_pss_sha384'),
  sig(0x080b, 'rsa_pss_pss_sha512'),
  sig(0x0401, 'rsa_pkcs1_sha256'),
  sig(0x0501, 'rsa_pkcs1_sha384'),
  sig(0x0601, 'rsa_pkcs1_sha512'),
  sig(0x081a, 'ecdsa_brainpoolP256r1tls13_sha256'),
  sig(0x081b, 'ecdsa_brainpoolP384r1tls13_sha384'),
  sig(0x081c, 'ecdsa_brainpoolP512r1tls13_sha512'),
  sig(0x0708, 'sm2sig_sm3'),
  sig(0x0709, 'gostr34102012_256a'),
  sig(0x070a, 'gostr34102012_256b'),
  sig(0x070b, 'gostr34102012_256c'),
  sig(0x070c, 'gostr34102012_256d'),
  sig(0x070d, 'gostr34102012_512a'),
  sig(0x070e, 'gostr34102012_512b'),
  sig(0x070f, 'gostr34102012_512c'),
  sig(0x0904, 'mldsa44'),
  sig(0x0905, 'mldsa65'),
  sig(0x0906, 'mldsa87'),
  // TLS 1.2 (hash, signature) pairs that RFC 8446 did not carry over as schemes.
  sig(0x0303, 'ecdsa_sha224'),
  sig(0x0301, 'rsa_pkcs1_sha224'),
  sig(0x0302, 'dsa_sha224'),
  sig(0x0402, 'dsa_sha256'),
  sig(0x0502, 'dsa_sha384'),
  sig(0x0602, 'dsa_sha512'),
  sig(0x0203, 'ecdsa_sha1'),
  sig(0x0201, 'rsa_pkcs1_sha1'),
  sig(0x0202, 'dsa_sha1'),
  sig(0x0101, 'rsa_pkcs1_md5'),
]);

const SIG_BY_CODE = new Map(SIGNATURE_SCHEMES.map((x) => [x.code, x]));

export function signatureSchemeName(code: number): string {
  return SIG_BY_CODE.get(code)?.name ?? `sigalg_${formatCode(code)}`;
}

/** Schemes a TLS 1.3 hello offers (no SHA-1, MD5, DSA or SHA-224: RFC 8446 §4.2.3). */
export function tls13SignatureSchemes(): number[] {
  return SIGNATURE_SCHEMES.filter((x) => !/sha1$|md5$|^dsa_|sha224$/.test(x.name)).map((x) => x.code);
}

/** Everything, so that a TLS 1.2 server with a DSA or SHA-1-only key still finds a scheme it can use. */
export function legacySignatureSchemes(): number[] {
  return SIGNATURE_SCHEMES.map((x) => x.code);
}

// ---------------------------------------------------------------------------------------------
// Finite-field DH primes a ServerKeyExchange may carry

// RFC 7919 primes are 2^b − 2^(b−64) + ⌊2^(b−130)·e⌋·2^64 …, so the 64 bits after the leading
// all-ones word identify the family (RFC 2409 / 3526 MODP primes use π there and are reported as
// plain `DH <bits>`, like any other prime the server picked).
const FFDHE_PREFIX = 'ffffffffffffffffadf85458a2bb4a9a';

/** `ffdhe2048` for an RFC 7919 group, else `DH 1024` — the names AcceptedSuite.group uses. */
export function dhGroupName(prime: Buffer): string {
  let start = 0;
  while (start < prime.length && prime[start] === 0) start++;
  const p = prime.subarray(start);
  const bits = primeBits(p);
  if (p.subarray(0, 16).toString('hex') === FFDHE_PREFIX && [2048, 3072, 4096, 6144, 8192].includes(bits)) return `ffdhe${bits}`;
  return `DH ${bits}`;
}

/** Bit length of a big-endian unsigned integer. */
export function primeBits(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}
