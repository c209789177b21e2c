// Checks the rule sets share: which versions, suites and groups a scan shows outside an allowed
// set, how strong its keys are. Each returns the offending items (data, or phrases of
// phrases.ts), or undefined when the scan does not have the facts to tell (the rule is then
// reported as not evaluated).

import {
  canonicalGroup,
  certificateKeyLabel,
  certificateRsaBits,
  dhOrRsaBits,
  ephemeralKeyLabel,
  groupRsaBits,
  isFiniteFieldKx,
  signatureDigest,
} from '../key-strength.js';
import { eitherOf, phrase, uniquePhrases, type Phrase } from '../phrases.js';
import { NAMED_GROUPS } from '../registry.js';
import { offeredVersions, suiteCode, suiteLabel, unique } from '../suite-traits.js';
import type { AcceptedSuite, CertificateFacts, CertificateInChain, TlsScan, TlsVersionName, Tristate } from '../types.js';

/** What a rule set says about one rule; rules.ts adds the id, title, fix and pass/fail. */
export interface RuleOutcome {
  /** Last part of the id: `protocols` in `mozilla-intermediate.protocols`. */
  key: string;
  source: string;
  level: 'required' | 'recommended';
  /** undefined: not evaluated. */
  offending: Phrase[] | undefined;
}

export interface VersionPolicy {
  allowed: readonly TlsVersionName[];
  /** Each must be offered. */
  required?: readonly TlsVersionName[];
  /** At least one must be offered. */
  requiredAny?: readonly TlsVersionName[];
}

/** Versions offered outside `allowed`, and required versions that are not offered. */
export function versionFindings(scan: TlsScan, policy: VersionPolicy): Phrase[] | undefined {
  const offered = offeredVersions(scan);
  const unknown = (v: TlsVersionName) => scan.versions[v] === 'unknown' && !offered.includes(v);
  const offending: Phrase[] = offered.filter((v) => !policy.allowed.includes(v));
  for (const v of policy.required ?? [])
    if (!offered.includes(v) && !unknown(v)) offending.push(phrase('tls.item.not-offered', { versions: v }));
  const any = policy.requiredAny ?? [];
  if (any.length && !any.some((v) => offered.includes(v)) && !any.some(unknown))
    offending.push(phrase('tls.item.not-offered', { versions: eitherOf(any) }));
  if (offending.length) return offending;
  const undecided = Object.keys(scan.versions).some((v) => unknown(v as TlsVersionName));
  return undecided ? undefined : [];
}

export type SuiteScope = 'tls13' | 'legacy';

function inScope(s: AcceptedSuite, scope: SuiteScope): boolean {
  return scope === 'tls13' ? s.version === 'TLSv1.3' : s.version !== 'TLSv1.3';
}

/** Accepted suites of the scope whose IANA value is not in `allowed`. */
export function suitesOutside(scan: TlsScan, scope: SuiteScope, allowed: ReadonlySet<number>): Phrase[] {
  return scan.accepted.filter((s) => inScope(s, scope) && !allowed.has(suiteCode(s))).map(suiteLabel);
}

/** Named groups the server accepted ((EC)DHE and TLS 1.3 key shares), IANA spelling. */
export function acceptedGroups(scan: TlsScan): string[] {
  const named = [...scan.groups, ...scan.accepted.map((s) => s.group).filter((g): g is string => g !== undefined)].filter(
    (g) => !/^DH /i.test(g),
  );
  return unique(named.map(canonicalGroup));
}

export function groupsOutside(scan: TlsScan, allowed: readonly string[]): string[] {
  const ok = new Set(allowed.map((g) => canonicalGroup(g).toLowerCase()));
  return acceptedGroups(scan).filter((g) => !ok.has(g.toLowerCase()));
}

const GROUP_FIELD_BITS = new Map(NAMED_GROUPS.map((g) => [g.name.toLowerCase(), g.bits]));

/** Field size of an elliptic-curve ephemeral key: the group's, else what the handshake showed. */
function ecFieldBits(s: AcceptedSuite): number | undefined {
  if (s.group) {
    const bits = GROUP_FIELD_BITS.get(canonicalGroup(s.group).toLowerCase());
    if (bits !== undefined) return bits;
  }
  return s.kxBits;
}

/** Ephemeral keys below the minimum sizes: finite-field DH in bits of the prime, ECDH in bits of the field. */
export function weakEphemeralKeys(scan: TlsScan, minDhBits: number, minEcBits: number): Phrase[] {
  const offending: Phrase[] = [];
  let weakDh = false;
  for (const s of scan.accepted.filter((x) => x.forwardSecrecy)) {
    if (isFiniteFieldKx(s)) {
      const bits = s.kxBits ?? (s.group ? groupRsaBits(s.group) : undefined);
      if (bits !== undefined && bits < minDhBits) {
        offending.push(ephemeralKeyLabel(s));
        weakDh = true;
      }
    } else {
      const bits = ecFieldBits(s);
      if (bits !== undefined && bits < minEcBits) offending.push(ephemeralKeyLabel(s));
    }
  }
  if (scan.dhMinBits !== undefined && scan.dhMinBits < minDhBits && !weakDh) offending.push(dhOrRsaBits('DH', scan.dhMinBits));
  return uniquePhrases(offending);
}

/** Runs a certificate check, or reports not evaluated when the scan has no certificate facts. */
export function withCertificate(scan: TlsScan, check: (c: CertificateFacts, leaf: CertificateInChain) => Phrase[]): Phrase[] | undefined {
  const c = scan.certificate;
  const leaf = c?.chain[0];
  return c && leaf ? check(c, leaf) : undefined;
}

export interface KeyPolicy {
  /** Minimum RSA / DSA modulus. */
  minRsaBits: number;
  /** Minimum EC field size. */
  minEcBits: number;
  /** When set, the only curves allowed (OpenSSL or IANA spelling). */
  curves?: readonly string[];
  /** Key types allowed besides RSA and EC (Ed25519 …); DSA needs listing too. */
  otherTypes?: readonly string[];
  /** When false, RSA keys are not allowed at all. */
  rsa?: boolean;
}

export function certificateKeyFindings(leaf: CertificateInChain, policy: KeyPolicy): Phrase[] {
  const label = certificateKeyLabel(leaf);
  switch (leaf.keyType) {
    case 'RSA':
      if (policy.rsa === false) return [label];
      return leaf.keyBits < policy.minRsaBits ? [label] : [];
    case 'EC': {
      if (leaf.keyBits < policy.minEcBits) return [label];
      if (policy.curves && !policy.curves.some((c) => canonicalGroup(c) === canonicalGroup(leaf.curve ?? ''))) return [label];
      return [];
    }
    default:
      if (policy.otherTypes?.includes(leaf.keyType)) {
        const bits = certificateRsaBits(leaf);
        return leaf.keyType === 'DSA' && bits !== undefined && bits < policy.minRsaBits ? [label] : [];
      }
      return [label];
  }
}

/** Certificates (leaf and intermediates; a root's self-signature is never checked) signed with a digest outside `allowed`. */
export function signatureFindings(c: CertificateFacts, allowed: readonly string[], leafOnly = false): Phrase[] {
  const certs = leafOnly ? c.chain.slice(0, 1) : c.chain.filter((x, i) => i === 0 || !x.selfSigned);
  return certs
    .filter((x) => {
      const d = signatureDigest(x);
      return d === undefined ? !/ed25519|ed448/i.test(x.signatureAlgorithm) : !allowed.includes(d);
    })
    .map((x) => phrase('tls.item.signed', { algorithm: x.signatureAlgorithm, subject: x.subject }));
}

/** Items for handshake facts that must be true: their names when false; undefined when one cannot be told. */
export function requiredFacts(facts: Array<[name: Phrase, value: Tristate | 'n/a']>): Phrase[] | undefined {
  const failing = facts.filter(([, v]) => v === false).map(([n]) => n);
  if (failing.length) return failing;
  return facts.some(([, v]) => v === 'unknown') ? undefined : [];
}

export function offersBelowTls13(scan: TlsScan): boolean {
  return offeredVersions(scan).some((v) => v !== 'TLSv1.3');
}

/** OCSP stapling as the handshake facts tell it, else as the certificate analysis saw it. */
export function stapling(scan: TlsScan): Tristate {
  if (scan.facts.ocspStapling !== 'unknown') return scan.facts.ocspStapling;
  return scan.certificate ? scan.certificate.ocspStapled : 'unknown';
}

export function compressionFindings(scan: TlsScan): Phrase[] | undefined {
  const c = scan.facts.compression;
  return c === 'unknown' ? undefined : c ? [phrase('tls.item.compression')] : [];
}

/** `not trusted (CERT_HAS_EXPIRED)`: OpenSSL's reason is data. */
export function notTrusted(trustError: string | undefined): Phrase {
  return phrase('tls.item.not-trusted', { error: trustError ?? phrase('tls.item.unknown-reason') });
}
