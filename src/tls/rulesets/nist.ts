// NIST SP 800-52 Rev. 2 (August 2019), "Guidelines for the Selection, Configuration, and Use of
// TLS Implementations", §3 (minimum requirements for servers), read for servers of
// government-only applications: TLS 1.2 shall, TLS 1.3 shall from 1 January 2024, TLS 1.1 should
// not and TLS 1.0 / SSL shall not be used. (Citizen- or business-facing servers may keep TLS 1.0
// and 1.1 where interoperability needs them; that looser profile is not modelled.)

import { phrase, type Phrase } from '../phrases.js';
import type { TlsScan } from '../types.js';
import { highestVersion, isCbc, offeredVersions, suitesAt } from '../suite-traits.js';
import {
  certificateKeyFindings,
  compressionFindings,
  groupsOutside,
  notTrusted,
  offersBelowTls13,
  requiredFacts,
  signatureFindings,
  stapling,
  suitesOutside,
  versionFindings,
  weakEphemeralKeys,
  withCertificate,
  type RuleOutcome,
} from './common.js';

const DOC = 'NIST SP 800-52 Rev. 2';

/** §3.3.1.1: the cipher suites a TLS 1.2 (and earlier) server may be configured with. */
export const NIST_TLS12_SUITES: readonly number[] = [
  // ECDSA certificates
  0xc02b, 0xc02c, 0xc0ac, 0xc0ad, 0xc0ae, 0xc0af, 0xc023, 0xc024, 0xc009, 0xc00a,
  // RSA certificates
  0xc02f, 0xc030, 0x009e, 0x009f, 0xc09e, 0xc09f, 0xc0a2, 0xc0a3, 0xc027, 0xc028, 0x0067, 0x006b, 0xc013, 0xc014, 0x0033, 0x0039,
  // DSA certificates
  0x00a2, 0x00a3, 0x0040, 0x006a, 0x0032, 0x0038,
  // DSA-signed and RSA-signed DH certificates
  0x00a4, 0x00a5, 0x003e, 0x0068, 0x0030, 0x0036, 0x00a0, 0x00a1, 0x003f, 0x0069, 0x0031, 0x0037,
  // ECDSA-signed and RSA-signed ECDH certificates
  0xc02d, 0xc02e, 0xc025, 0xc026, 0xc004, 0xc005, 0xc031, 0xc032, 0xc029, 0xc02a, 0xc00e, 0xc00f,
];

/** §3.3.1.2: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_AES_128_CCM_SHA256, TLS_AES_128_CCM_8_SHA256 — no ChaCha20-Poly1305, which is not a NIST-approved algorithm. */
export const NIST_TLS13_SUITES: readonly number[] = [0x1301, 0x1302, 0x1304, 0x1305];

/**
 * §3.3.2: the NIST curves and the RFC 7919 groups. x25519 and x448 are not in the 2019 text
 * (SP 800-186, which added Curve25519, came in 2023 and the guideline has not been revised since);
 * the stricter reading reports them.
 */
export const NIST_GROUPS: readonly string[] = [
  'secp256r1',
  'secp384r1',
  'secp521r1',
  'ffdhe2048',
  'ffdhe3072',
  'ffdhe4096',
  'ffdhe6144',
  'ffdhe8192',
];

export function nistRules(scan: TlsScan): RuleOutcome[] {
  return [
    {
      key: 'protocols',
      level: 'required',
      source: `${DOC} §3.1`,
      // TLS 1.2 may be left off a server that has TLS 1.3 (§3.1), so either satisfies "shall".
      offending: versionFindings(scan, { allowed: ['TLSv1.2', 'TLSv1.3'], requiredAny: ['TLSv1.2', 'TLSv1.3'] }),
    },
    { key: 'tls13', level: 'required', source: `${DOC} §3.1 (TLS 1.3 by 1 January 2024)`, offending: tls13Findings(scan) },
    {
      key: 'cipher-suites',
      level: 'required',
      source: `${DOC} §3.3.1.1`,
      offending: suitesOutside(scan, 'legacy', new Set(NIST_TLS12_SUITES)),
    },
    {
      key: 'tls13-cipher-suites',
      level: 'required',
      source: `${DOC} §3.3.1.2`,
      offending: suitesOutside(scan, 'tls13', new Set(NIST_TLS13_SUITES)),
    },
    { key: 'cipher-preference', level: 'recommended', source: `${DOC} §3.3.1`, offending: preferenceFindings(scan) },
    { key: 'groups', level: 'required', source: `${DOC} §3.3.2`, offending: groupsOutside(scan, NIST_GROUPS) },
    // 112-bit security (§3.3.1, SP 800-57): DH primes of 2048 bits, curves of 224 bits.
    { key: 'key-exchange', level: 'required', source: `${DOC} §3.3.1, §3.3.2`, offending: weakEphemeralKeys(scan, 2048, 224) },
    {
      key: 'certificate-key',
      level: 'required',
      source: `${DOC} §3.2.1`,
      // RSA 2048+; the curve "should be P-256 or P-384"; DSA keep a 2048-bit prime.
      offending: withCertificate(scan, (_c, leaf) =>
        certificateKeyFindings(leaf, { minRsaBits: 2048, minEcBits: 256, curves: ['secp256r1', 'secp384r1'], otherTypes: ['DSA'] }),
      ),
    },
    {
      key: 'certificate-signature',
      level: 'required',
      source: `${DOC} §3.2.1`,
      // The signature shall give 112-bit security: SHA-224 or stronger, never SHA-1 or MD5.
      offending: withCertificate(scan, (c) => signatureFindings(c, ['sha224', 'sha256', 'sha384', 'sha512', 'sha3'])),
    },
    {
      key: 'certificate-validity',
      level: 'required',
      source: `${DOC} §3.2.1, §3.2.2`,
      offending: withCertificate(scan, (c) => {
        const out: Phrase[] = [];
        if (!c.trusted) out.push(notTrusted(c.trustError));
        if (c.expired) out.push(phrase('tls.item.expired', { date: c.notAfter }));
        if (c.notYetValid) out.push(phrase('tls.item.not-yet-valid', { date: c.notBefore }));
        // The subjectAltName shall carry the server's DNS name.
        if (!c.hostnameMatch) out.push(phrase('tls.item.no-san-match', { name: c.checkedName }));
        // Validity period: 3 years or less.
        if (c.lifetimeDays > 1096) out.push(phrase('tls.item.lifetime', { days: c.lifetimeDays }));
        return out;
      }),
    },
    { key: 'extensions', level: 'required', source: `${DOC} §3.4.1`, offending: extensionFindings(scan) },
    {
      key: 'compression',
      level: 'required',
      source: `${DOC} §3.7`,
      offending: compressionFindings(scan),
    },
  ];
}

function tls13Findings(scan: TlsScan): Phrase[] | undefined {
  if (offeredVersions(scan).includes('TLSv1.3')) return [];
  return scan.versions['TLSv1.3'] === 'unknown' ? undefined : [phrase('tls.item.not-offered', { versions: 'TLSv1.3' })];
}

/**
 * §3.3.1: prefer ephemeral key exchange and then AEAD. Nothing to order when every suite offered
 * at TLS 1.2 already is both; otherwise the server must enforce its order and put such a suite first.
 */
function preferenceFindings(scan: TlsScan): Phrase[] {
  const top = highestVersion(scan);
  const v = top === 'TLSv1.3' ? 'TLSv1.2' : top;
  if (!v) return [];
  const suites = suitesAt(scan, v);
  const best = (s: (typeof suites)[number]) => s.forwardSecrecy && s.aead && !isCbc(s);
  if (suites.every(best)) return [];
  if (!suites.some(best)) return [phrase('tls.item.no-ephemeral-aead', { version: v })];
  const first = suites[0];
  if (scan.preference[v] !== 'server') return [phrase(`tls.item.preference.${scan.preference[v] ?? 'client'}`, { version: v })];
  return first && !best(first) ? [phrase('tls.item.first-choice', { version: v, suite: `${first.code} ${first.name}` })] : [];
}

/**
 * §3.4.1: the server shall support renegotiation_info and extended_master_secret (TLS ≤ 1.2
 * only; TLS 1.3 has neither) and status_request (OCSP stapling). server_name and
 * signature_algorithms are not observable from the server side of a scan.
 */
function extensionFindings(scan: TlsScan): Phrase[] | undefined {
  const facts: Array<[Phrase, boolean | 'unknown' | 'n/a']> = [[phrase('tls.item.status-request'), stapling(scan)]];
  if (offersBelowTls13(scan)) {
    facts.push(['renegotiation_info', scan.facts.secureRenegotiation], ['extended_master_secret', scan.facts.extendedMasterSecret]);
  }
  return requiredFacts(facts);
}
