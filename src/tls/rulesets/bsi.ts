// BSI TR-02102-2 "Kryptographische Verfahren: Verwendung von Transport Layer Security (TLS)",
// edition 2025-01 (the suite tables are unchanged since 2023-01). The 2026-01 edition was announced
// with later end dates, DHE suites recommended only until 2029 and TLS 1.2 until 2031; its text was
// not available here, so its changes are not encoded.

import { phrase } from '../phrases.js';
import type { TlsScan } from '../types.js';
import {
  certificateKeyFindings,
  compressionFindings,
  groupsOutside,
  offersBelowTls13,
  requiredFacts,
  signatureFindings,
  suitesOutside,
  versionFindings,
  weakEphemeralKeys,
  withCertificate,
  type RuleOutcome,
} from './common.js';

const DOC = 'BSI TR-02102-2 (2025-01)';

/** Tabelle 1: the recommended TLS 1.2 suites, all with forward secrecy. */
export const BSI_TLS12_SUITES: readonly number[] = [
  0xc023,
  0xc024,
  0xc02b,
  0xc02c,
  0xc0ac,
  0xc0ad, // ECDHE_ECDSA with AES CBC-SHA256/384, GCM, CCM
  0xc027,
  0xc028,
  0xc02f,
  0xc030, // ECDHE_RSA with AES CBC-SHA256/384, GCM
  0x0040,
  0x006a,
  0x00a2,
  0x00a3, // DHE_DSS with AES CBC-SHA256, GCM
  0x0067,
  0x006b,
  0x009e,
  0x009f,
  0xc09e,
  0xc09f, // DHE_RSA with AES CBC-SHA256, GCM, CCM
];

/** Tabelle 11 (§3.4.4): TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_AES_128_CCM_SHA256. */
export const BSI_TLS13_SUITES: readonly number[] = [0x1301, 0x1302, 0x1304];

/**
 * §3.3.2 and §3.4.2: NIST and Brainpool curves and the RFC 7919 groups of at least 3000 bits.
 * Curve25519/448 are not among the curves TR-02102 recommends, and hybrid ML-KEM groups are not
 * in the TLS tables of this edition; both are reported (the stricter reading).
 */
export const BSI_GROUPS: readonly string[] = [
  'secp256r1',
  'secp384r1',
  'secp521r1',
  'brainpoolP256r1',
  'brainpoolP384r1',
  'brainpoolP512r1',
  'brainpoolP256r1tls13',
  'brainpoolP384r1tls13',
  'brainpoolP512r1tls13',
  'ffdhe3072',
  'ffdhe4096',
];

export function bsiRules(scan: TlsScan): RuleOutcome[] {
  const f = scan.facts;
  return [
    {
      key: 'protocols',
      level: 'required',
      source: `${DOC} §3.2`,
      offending: versionFindings(scan, { allowed: ['TLSv1.2', 'TLSv1.3'], requiredAny: ['TLSv1.2', 'TLSv1.3'] }),
    },
    {
      key: 'cipher-suites',
      level: 'required',
      source: `${DOC} §3.3.1, Tabelle 1`,
      offending: suitesOutside(scan, 'legacy', new Set(BSI_TLS12_SUITES)),
    },
    {
      key: 'tls13-cipher-suites',
      level: 'required',
      source: `${DOC} §3.4.4`,
      offending: suitesOutside(scan, 'tls13', new Set(BSI_TLS13_SUITES)),
    },
    { key: 'groups', level: 'required', source: `${DOC} §3.3.2, §3.4.2`, offending: groupsOutside(scan, BSI_GROUPS) },
    // Minimum key lengths: DH 3000 bits (since 2023), ECDH 250 bits.
    { key: 'key-exchange', level: 'required', source: `${DOC} §3.6`, offending: weakEphemeralKeys(scan, 3000, 250) },
    {
      key: 'certificate-key',
      level: 'required',
      source: `${DOC} §3.6; TR-02102-1 §3.6`,
      // RSA and DSA 3000 bits (2000-bit keys were tolerated until the end of 2023), ECDSA 250 bits.
      offending: withCertificate(scan, (_c, leaf) =>
        certificateKeyFindings(leaf, { minRsaBits: 3000, minEcBits: 250, otherTypes: ['DSA'] }),
      ),
    },
    {
      key: 'certificate-signature',
      level: 'required',
      source: `${DOC} §3.3.3, §3.4.3`,
      offending: withCertificate(scan, (c) => signatureFindings(c, ['sha256', 'sha384', 'sha512', 'sha3'])),
    },
    {
      key: 'extensions',
      level: 'required',
      source: `${DOC} §3.3.4`,
      // TLS ≤ 1.2 only: secure renegotiation (§3.3.4.1), extended master secret (§3.3.4.5); the
      // heartbeat extension should not be offered (§3.3.4.4).
      offending: offersBelowTls13(scan)
        ? requiredFacts([
            ['renegotiation_info', f.secureRenegotiation],
            ['extended_master_secret', f.extendedMasterSecret],
            [phrase('tls.item.no-heartbeat'), f.heartbeat === 'unknown' ? 'unknown' : !f.heartbeat],
          ])
        : [],
    },
    {
      key: 'compression',
      level: 'required',
      source: `${DOC} §3.3.4.3`,
      offending: compressionFindings(scan),
    },
  ];
}
