// Public-key strength on one scale. The SSL Labs rating guide and the rule sets state key sizes
// in RSA / finite-field DH bits; elliptic-curve keys are put on that scale with the comparable
// strengths of NIST SP 800-57 Part 1 Rev. 5, Table 2 (80 / 112 / 128 / 192 / 256-bit security ↔
// 1024 / 2048 / 3072 / 7680 / 15360-bit RSA ↔ 160 / 224 / 256 / 384 / 512-bit EC).

import { phrase, type Phrase } from './phrases.js';
import { NAMED_GROUPS } from './registry.js';
import { kxOf } from './suite-traits.js';
import type { AcceptedSuite, CertificateInChain } from './types.js';

/** RSA-equivalent size of an elliptic-curve key of `bits` (field size). */
export function ecToRsaBits(bits: number): number {
  // Curve25519 has a 255-bit field and ~128-bit security; OpenSSL reports it as 253 bits. Treating
  // 250+ as the 256-bit class is what BSI TR-02102 (ECC ≥ 250) and Mozilla (ecdh 250) do too.
  if (bits >= 512) return 15360;
  if (bits >= 384) return 7680;
  if (bits >= 250) return 3072;
  if (bits >= 224) return 2048;
  if (bits >= 160) return 1024;
  return 512;
}

const GROUPS = new Map(NAMED_GROUPS.map((g) => [g.name.toLowerCase(), g]));

/** OpenSSL and IANA spell some curves differently; the rule sets use the IANA names. */
const ALIASES: Record<string, string> = {
  prime256v1: 'secp256r1',
  prime192v1: 'secp192r1',
  'p-256': 'secp256r1',
  'p-384': 'secp384r1',
  'p-521': 'secp521r1',
};

export function canonicalGroup(name: string): string {
  const lower = name.toLowerCase();
  const alias = ALIASES[lower];
  if (alias) return alias;
  return GROUPS.get(lower)?.name ?? name;
}

/** RSA-equivalent strength of a named group (x25519, secp384r1, ffdhe3072, X25519MLKEM768) or a `DH 1024` custom group. */
export function groupRsaBits(name: string): number | undefined {
  const custom = /^DH (\d+)/i.exec(name);
  if (custom) return Number(custom[1]);
  const g = GROUPS.get(canonicalGroup(name).toLowerCase());
  if (!g) return undefined;
  switch (g.kind) {
    case 'ffdhe':
      return g.bits;
    case 'ec':
    case 'ecx':
      return ecToRsaBits(g.bits);
    case 'hybrid':
      // A hybrid is at least as strong as its classical half (its `bits` is that half's size).
      return ecToRsaBits(g.bits);
    case 'kem':
      // ML-KEM-512/768/1024 are NIST categories 1/3/5 (FIPS 203 §8): AES-128/192/256-like.
      return g.bits >= 1024 ? 15360 : g.bits >= 768 ? 7680 : 3072;
  }
}

/** Is the key exchange finite-field (DHE / DH / ffdhe group) rather than elliptic-curve? */
export function isFiniteFieldKx(s: AcceptedSuite): boolean {
  if (s.group) return /^DH |^ffdhe/i.test(s.group);
  return /^DHE?(_|$)/.test(kxOf(s));
}

/** RSA-equivalent strength of the server's ephemeral (or static DH) key in this handshake, when known. */
export function ephemeralRsaBits(s: AcceptedSuite): number | undefined {
  if (s.group) {
    const fromGroup = groupRsaBits(s.group);
    if (fromGroup !== undefined) return fromGroup;
  }
  if (s.kxBits === undefined) return undefined;
  return isFiniteFieldKx(s) ? s.kxBits : ecToRsaBits(s.kxBits);
}

/** RSA-equivalent strength of a certificate's public key. */
export function certificateRsaBits(cert: CertificateInChain): number | undefined {
  switch (cert.keyType) {
    case 'RSA':
    case 'DSA':
      return cert.keyBits || undefined;
    case 'EC':
    case 'SM2':
      return cert.keyBits ? ecToRsaBits(cert.keyBits) : undefined;
    case 'Ed25519':
      return 3072;
    case 'Ed448':
      return 7680;
    default:
      return undefined;
  }
}

/** `RSA 2048 bits`, `EC prime256v1 (256 bits)`, `Ed25519`: a certificate key as findings name it. */
export function certificateKeyLabel(cert: CertificateInChain): Phrase {
  if (cert.keyType === 'EC' || cert.keyType === 'SM2') {
    return phrase('tls.key.named', { type: cert.keyType, name: cert.curve ?? phrase('tls.key.unknown-curve'), bits: cert.keyBits });
  }
  if (cert.keyType === 'Ed25519' || cert.keyType === 'Ed448') return cert.keyType;
  return dhOrRsaBits(cert.keyType, cert.keyBits);
}

/** `DH 1024 bits`, `DH ffdhe2048 (2048 bits)`, `ECDH secp192r1 (192 bits)`: an ephemeral key as findings name it. */
export function ephemeralKeyLabel(s: AcceptedSuite): Phrase {
  if (isFiniteFieldKx(s)) {
    const bits = s.kxBits ?? groupRsaBits(s.group ?? '') ?? '?';
    return s.group && !/^DH /i.test(s.group) ? phrase('tls.key.named', { type: 'DH', name: s.group, bits }) : dhOrRsaBits('DH', bits);
  }
  const name = s.group ?? phrase('tls.key.unknown-group');
  return s.kxBits ? phrase('tls.key.named', { type: 'ECDH', name, bits: s.kxBits }) : phrase('tls.key.group', { type: 'ECDH', name });
}

/** `DH 1024 bits`, `RSA 2048 bits`. */
export function dhOrRsaBits(type: string, bits: number | string): Phrase {
  return phrase('tls.key.bits', { type, bits });
}

/** Digest the certificate was signed with: md5, sha1, sha256 … or undefined for EdDSA and the unknown. */
export function signatureDigest(cert: CertificateInChain): string | undefined {
  if (cert.signatureHash) return cert.signatureHash.toLowerCase().replace(/-/g, '');
  const name = cert.signatureAlgorithm.toLowerCase().replace(/-/g, '');
  for (const h of ['md2', 'md5', 'sha512', 'sha384', 'sha256', 'sha224', 'sha3', 'sm3']) if (name.includes(h)) return h;
  if (/sha1|sha(?!\d)/.test(name)) return 'sha1';
  return undefined;
}
