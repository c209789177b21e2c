// Mozilla Server Side TLS 6.0, as its machine-readable form states it
// (https://ssl-config.mozilla.org/guidelines/6.0.json, mozilla/ssl-config-generator
// src/static/guidelines/6.0.json). The fixes in rule-messages.ts are the generator's own nginx
// lines for 6.0.

import { hstsProblem, phrase, type Phrase } from '../phrases.js';
import type { TlsScan, TlsVersionName } from '../types.js';
import {
  certificateKeyFindings,
  groupsOutside,
  stapling,
  suitesOutside,
  versionFindings,
  weakEphemeralKeys,
  withCertificate,
  type KeyPolicy,
  type RuleOutcome,
} from './common.js';

interface MozillaProfile {
  name: 'modern' | 'intermediate';
  tlsVersions: readonly TlsVersionName[];
  /** ciphers.iana, TLS ≤ 1.2. */
  ciphers: readonly number[];
  /** ciphersuites, TLS 1.3. */
  ciphersuites: readonly number[];
  tlsCurves: readonly string[];
  dhParamSize: number | null;
  certificate: KeyPolicy;
  certificateSignatures: readonly string[];
  maximumCertificateLifespan: number;
  hstsMinAge: number;
}

const TLS13_SUITES = [0x1301, 0x1302, 0x1303]; // TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256
const CURVES = ['X25519MLKEM768', 'x25519', 'prime256v1', 'secp384r1'];
const CERT_CURVES = ['prime256v1', 'secp384r1'];
const ECDSA_SIGNATURES = ['ecdsa-with-SHA256', 'ecdsa-with-SHA384', 'ecdsa-with-SHA512'];

export const MOZILLA_MODERN: MozillaProfile = {
  name: 'modern',
  tlsVersions: ['TLSv1.3'],
  ciphers: [],
  ciphersuites: TLS13_SUITES,
  tlsCurves: CURVES,
  dhParamSize: null,
  certificate: { minRsaBits: Infinity, minEcBits: 256, curves: CERT_CURVES, rsa: false },
  certificateSignatures: ECDSA_SIGNATURES,
  maximumCertificateLifespan: 90,
  hstsMinAge: 63072000,
};

export const MOZILLA_INTERMEDIATE: MozillaProfile = {
  name: 'intermediate',
  tlsVersions: ['TLSv1.2', 'TLSv1.3'],
  ciphers: [
    0xc02b, // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    0xc02f, // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    0xc02c, // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    0xc030, // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    0xcca9, // TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
    0xcca8, // TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
  ],
  ciphersuites: TLS13_SUITES,
  tlsCurves: CURVES,
  dhParamSize: 2048,
  certificate: { minRsaBits: 2048, minEcBits: 256, curves: CERT_CURVES },
  certificateSignatures: ['sha256WithRSAEncryption', ...ECDSA_SIGNATURES],
  maximumCertificateLifespan: 366,
  hstsMinAge: 63072000,
};

function source(p: MozillaProfile, field: string): string {
  return `Mozilla Server Side TLS 6.0, ${p.name} configuration: ${field}`;
}

export function mozillaRules(scan: TlsScan, p: MozillaProfile): RuleOutcome[] {
  const rules: RuleOutcome[] = [
    // The generator's ssl_protocols line is the profile: offering less breaks its oldest clients,
    // offering more is outside it.
    {
      key: 'protocols',
      level: 'required',
      source: source(p, 'tls_versions'),
      offending: versionFindings(scan, { allowed: p.tlsVersions, required: p.tlsVersions }),
    },
    { key: 'cipher-suites', level: 'required', source: source(p, 'ciphers'), offending: suitesOutside(scan, 'legacy', new Set(p.ciphers)) },
    {
      key: 'tls13-cipher-suites',
      level: 'required',
      source: source(p, 'ciphersuites'),
      offending: suitesOutside(scan, 'tls13', new Set(p.ciphersuites)),
    },
    { key: 'groups', level: 'required', source: source(p, 'tls_curves'), offending: groupsOutside(scan, p.tlsCurves) },
  ];
  if (p.dhParamSize !== null) {
    rules.push({
      key: 'dh-param-size',
      level: 'required',
      source: source(p, 'dh_param_size'),
      offending: weakEphemeralKeys(scan, p.dhParamSize, 0),
    });
  }
  const signatures = p.certificateSignatures.map((s) => s.toLowerCase());
  rules.push(
    {
      key: 'certificate-type',
      level: 'required',
      source: source(p, 'certificate_types, certificate_curves, rsa_key_size'),
      offending: withCertificate(scan, (_c, leaf) => certificateKeyFindings(leaf, p.certificate)),
    },
    {
      key: 'certificate-signature',
      level: 'required',
      source: source(p, 'certificate_signatures'),
      offending: withCertificate(scan, (_c, leaf) =>
        signatures.includes(leaf.signatureAlgorithm.toLowerCase()) ? [] : [leaf.signatureAlgorithm],
      ),
    },
    {
      key: 'certificate-lifespan',
      level: 'required',
      source: source(p, 'maximum_certificate_lifespan'),
      offending: withCertificate(scan, (c) =>
        c.lifetimeDays > p.maximumCertificateLifespan ? [phrase('tls.item.lifetime', { days: c.lifetimeDays })] : [],
      ),
    },
    { key: 'ocsp-stapling', level: 'recommended', source: source(p, 'ocsp_staple'), offending: ocspFindings(scan) },
    { key: 'hsts', level: 'recommended', source: source(p, 'hsts_min_age'), offending: hstsFindings(scan, p.hstsMinAge) },
    // server_preferred_order: false — let the client pick among suites that are all strong.
    {
      key: 'cipher-preference',
      level: 'recommended',
      source: source(p, 'server_preferred_order'),
      offending: p.tlsVersions
        .filter((v) => scan.preference[v] === 'server')
        .map((version) => phrase('tls.item.preference.server', { version })),
    },
  );
  return rules;
}

function ocspFindings(scan: TlsScan): Phrase[] | undefined {
  const s = stapling(scan);
  return s === 'unknown' ? undefined : s ? [] : [phrase('tls.item.no-ocsp-staple')];
}

export function hstsFindings(scan: TlsScan, minAge: number): Phrase[] | undefined {
  const h = scan.hsts;
  if (!h || h.error) return undefined;
  if (!h.present) return [h.invalid ? phrase('tls.item.hsts-ignored', { reason: hstsProblem(h.invalid) }) : phrase('tls.item.no-hsts')];
  const maxAge = h.maxAgeSeconds ?? 0;
  return maxAge < minAge ? [phrase('tls.item.hsts-max-age', { maxAge })] : [];
}
