// The TLS audit's data contract: what the scanner finds (TlsScan), what the certificate analysis
// finds (CertificateFacts), and what grading and the rule sets make of them. The codec, the
// enumeration, the certificate analysis, the grading and the check each own one side of it.

import type { MessageParam } from '../i18n/types.js';

/** Names as the report contract spells them (details.accepted[].version). */
export type TlsVersionName = 'SSLv2' | 'SSLv3' | 'TLSv1.0' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export const TLS_VERSIONS: readonly TlsVersionName[] = ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** Wire values (SSLv2 has none in the TLS sense; 0x0002 is its CLIENT-HELLO version field). */
export const VERSION_CODES: Readonly<Record<TlsVersionName, number>> = {
  SSLv2: 0x0002,
  SSLv3: 0x0300,
  'TLSv1.0': 0x0301,
  'TLSv1.1': 0x0302,
  'TLSv1.2': 0x0303,
  'TLSv1.3': 0x0304,
};

/**
 * Strength class of a suite, after ciphersuite.info and the SSL Labs rating guide:
 * insecure — broken (NULL, anonymous, EXPORT, RC4, DES, MD5 MAC);
 * weak — usable but to be phased out (3DES, no forward secrecy, CBC mode, SHA-1 MAC);
 * secure — forward secrecy and AEAD (or TLS 1.3);
 * recommended — secure and listed by Mozilla's modern/intermediate profiles.
 */
export type SuiteStrength = 'insecure' | 'weak' | 'secure' | 'recommended';

/** One entry of the IANA TLS Cipher Suites registry (plus GM/T and TLCP suites), as data. */
export interface CipherSuiteInfo {
  /** IANA value, e.g. 0xC02F. SSLv2 kinds are 3 bytes (0x010080 …). */
  code: number;
  /** IANA name: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256. */
  name: string;
  /** OpenSSL's name where it has one: ECDHE-RSA-AES128-GCM-SHA256. */
  openssl?: string;
  /** Key exchange: RSA, DHE, ECDHE, DH, ECDH, PSK, DHE_PSK, ECDHE_PSK, RSA_PSK, SRP, KRB5, ECC (SM2), NULL, any (TLS 1.3). */
  kx: string;
  /** Authentication: RSA, DSS, ECDSA, anon, PSK, SM2, KRB5, NULL, any (TLS 1.3). */
  auth: string;
  /** Bulk cipher: AES_128_GCM, CHACHA20_POLY1305, 3DES_EDE_CBC, RC4_128, SM4_GCM, NULL … */
  cipher: string;
  /** Effective symmetric strength in bits (3DES 112, NULL 0, EXPORT 40 …). */
  bits: number;
  /** MAC or PRF hash: SHA256, SHA384, SHA, MD5, SM3, AEAD. */
  mac: string;
  aead: boolean;
  forwardSecrecy: boolean;
  export: boolean;
  /** Only meaningful in TLS 1.3 (0x1301–0x1305, 0x00C6/0x00C7). */
  tls13: boolean;
  /** China GM/T 0024 / TLCP / RFC 8998 suites. */
  gm: boolean;
  strength: SuiteStrength;
}

/** One (version, suite) the server accepted: the report contract's details.accepted[] item. */
export interface AcceptedSuite {
  version: TlsVersionName;
  /** IANA value as `0xC02F` (four hex digits, upper case; six for SSLv2 kinds). */
  code: string;
  name: string;
  strength: SuiteStrength;
  kx: string;
  bits: number;
  forwardSecrecy: boolean;
  aead: boolean;
  /** Key exchange group the server chose with this suite (x25519, secp256r1, ffdhe2048, DH 1024 …). */
  group?: string;
  /** Size of the server's ephemeral DH / ECDH key in bits, when the handshake showed it. */
  kxBits?: number;
  /** RSA_EXPORT suites: size of the temporary RSA key in the ServerKeyExchange (512 bits is FREAK territory). */
  ephemeralRsaBits?: number;
}

export type Preference = 'server' | 'client' | 'indeterminate';

export type Tristate = boolean | 'unknown';

/** Facts from raw hellos, independent of any one suite. */
export interface HandshakeFacts {
  /** RFC 5746 renegotiation_info in the ServerHello. */
  secureRenegotiation: Tristate;
  /** RFC 7507: an inappropriate-fallback alert to a lower version with TLS_FALLBACK_SCSV. 'n/a' with one version only. */
  fallbackScsv: Tristate | 'n/a';
  /** The server chose a compression method other than null (CRIME). */
  compression: Tristate;
  /** RFC 7627 extended_master_secret echoed (TLS ≤ 1.2). */
  extendedMasterSecret: Tristate;
  /** Session ID set in a TLS ≤ 1.2 ServerHello (resumption by ID offered). */
  sessionIdResumption: Tristate;
  /** RFC 5077 session_ticket echoed, or a NewSessionTicket sent. */
  sessionTicket: Tristate;
  /** RFC 6520 heartbeat extension echoed. */
  heartbeat: Tristate;
  /** A non-exploiting Heartbleed probe (payload length > record) got an over-long answer. */
  heartbleed: Tristate;
  /** ALPN protocols the server accepted, in the order probed (h2, http/1.1). */
  alpn: string[];
  /** OCSP stapling (status_request answered). */
  ocspStapling: Tristate;
}

export interface CertificateInChain {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  fingerprint256: string;
  /** RSA, EC, Ed25519, Ed448, DSA, SM2. */
  keyType: string;
  keyBits: number;
  /** Named curve of an EC key: prime256v1, secp384r1, SM2 … */
  curve?: string;
  /** Signature algorithm by name: sha256WithRSAEncryption, ecdsa-with-SHA384, ED25519, SM2-with-SM3 … */
  signatureAlgorithm: string;
  selfSigned: boolean;
  isCA: boolean;
  /** Digest the issuer signed over: md5, sha1, sha256 … (RSASSA-PSS: from its parameters), sm3; absent for EdDSA. */
  signatureHash?: string;
}

/**
 * What is wrong with a chain as sent (RFC 8446 §4.4.2, RFC 5246 §7.4.2):
 * incomplete — the last certificate sent is not self-signed and no trust anchor issued it;
 * misordered — a certificate is not followed by its issuer;
 * extraneous — certificates that are on no path from the leaf (or sent twice);
 * contains-anchor — the self-signed root was sent too (harmless, wasted bytes).
 */
export type ChainIssue = 'incomplete' | 'misordered' | 'extraneous' | 'contains-anchor';

/**
 * The stapled OCSP response, for the leaf (RFC 6960; its signature is not verified):
 * good / revoked / unknown — certStatus; unsuccessful — responseStatus not successful;
 * unrelated — no response for the leaf's serial; malformed — unreadable.
 */
export type OcspStapleStatus = 'good' | 'revoked' | 'unknown' | 'unsuccessful' | 'unrelated' | 'malformed';

export interface CertificateFacts {
  /** As the server sent it, leaf first. */
  chain: CertificateInChain[];
  trusted: boolean;
  /** Why not trusted, as OpenSSL says it (SELF_SIGNED_CERT_IN_CHAIN, CERT_HAS_EXPIRED …). */
  trustError?: string;
  hostnameMatch: boolean;
  /** The name checked against the certificate (SNI or the host). */
  checkedName: string;
  subjectAltNames: string[];
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  expired: boolean;
  notYetValid: boolean;
  lifetimeDays: number;
  ocspStapled: boolean;
  /** The chain is in order and complete up to a trust anchor or a self-signed root. */
  chainComplete: boolean;
  /** The chain ends at one of Node's bundled public roots (not at a private or corporate CA). */
  publicRoot?: boolean;
  /**
   * Where `chain` comes from: 'sent' — the Certificate message as received; 'reconstructed' —
   * Node's verified chain (reordered, may end in a local anchor) when the handshake could not be read.
   */
  chainSource?: 'sent' | 'reconstructed';
  /** What is wrong with the chain as sent; empty when nothing is. */
  chainIssues?: ChainIssue[];
  /** Present when a staple was received (ocspStapled). */
  ocspStatus?: OcspStapleStatus;
  /** nextUpdate of the stapled response: a staple past it is stale. */
  ocspNextUpdate?: string;
  /** Protocol version of the handshake these facts come from (TLSv1.3 …). */
  protocol?: string;
}

/** Why browsers ignore a Strict-Transport-Security field (RFC 6797 §6.1). */
export interface HstsInvalid {
  problem: 'no-max-age' | 'max-age-not-number' | 'no-valid-value' | 'repeated' | 'include-subdomains-value' | 'unexpected';
  /** The directive concerned (no-valid-value, repeated). */
  directive?: string;
  /** What stood where a value belonged (max-age-not-number: absent when there was none; unexpected: the text). */
  found?: string;
}

/** Why the HSTS request gave no answer to read. */
export interface HstsError {
  /**
   * not-http — the answer to GET / is not HTTP; closed — the connection closed without one;
   * no-http-answer / no-connection — nothing within timeoutMs, connected or not; failed — the
   * connection failed (classification, tlsKind).
   */
  kind: 'not-http' | 'closed' | 'no-http-answer' | 'no-connection' | 'failed';
  /** What the HTTP client or the connection said, as it said it. */
  message: string;
  timeoutMs?: number;
  classification?: string;
  tlsKind?: string;
}

export interface HstsFacts {
  present: boolean;
  maxAgeSeconds?: number;
  includeSubDomains?: boolean;
  preload?: boolean;
  /** What went wrong asking for it (not HTTP, request failed). */
  error?: HstsError;
  /** HTTP status of the answer to GET /. */
  status?: number;
  /** The first Strict-Transport-Security field as received (browsers process only the first, RFC 6797 §8.1). */
  header?: string;
  /** Why browsers ignore the header that was sent (no max-age, a repeated directive, bad syntax); `present` is then false. */
  invalid?: HstsInvalid;
}

export interface TlsScan {
  host: string;
  port: number;
  address: string;
  /** SNI sent; absent for IP literals. */
  serverName?: string;
  /** Per version: offered by the server, not offered, or could not be told (errors). */
  versions: Record<TlsVersionName, Tristate>;
  accepted: AcceptedSuite[];
  /** Per version the server speaks with more than one suite. */
  preference: Partial<Record<TlsVersionName, Preference>>;
  /** Named groups the server accepted for (EC)DHE, names as IANA: x25519, secp256r1, ffdhe2048 … */
  groups: string[];
  /** Smallest DHE group size seen, bits. */
  dhMinBits?: number;
  facts: HandshakeFacts;
  certificate?: CertificateFacts;
  /**
   * Why `certificate` is missing when a finished handshake was tried: it never completed
   * (`handshake`: refused, reset, a certificate OpenSSL cannot parse, no answer) or it completed and
   * the certificate could not be analysed (`certificate`). Absent when no handshake was tried.
   */
  certificateError?: { stage: 'handshake' | 'certificate'; code: string; message: string };
  hsts?: HstsFacts;
  /** Raw hellos sent. */
  probes: number;
  durationMs: number;
  /** Probes that ended in something other than an answer or a handshake alert (timeouts, malformed replies). */
  errors: Array<{ what: string; code: string; message: string }>;
  /**
   * TLCP (GB/T 38636-2020, GM/T 0024 "GMSSL", version 0x0101): whether the server speaks it and
   * the GM suites it accepts there. Absent when not probed.
   */
  tlcp?: { offered: Tristate; accepted: Array<Omit<AcceptedSuite, 'version'>> };
  /** Wall time of the scan's phases, ms: preflight, suites (every version), then the rest (preference, groups, facts). */
  timings?: { preflightMs: number; suitesMs: number; detailsMs: number };
}

export type Grade = 'A+' | 'A' | 'A-' | 'B' | 'C' | 'D' | 'E' | 'F' | 'T' | 'M';

export interface GradeResult {
  grade: Grade;
  /** 0–100, SSL Labs: 30 % protocol, 30 % key exchange, 40 % cipher strength. */
  score: number;
  subscores: { protocol: number; keyExchange: number; cipher: number };
  /** Why the grade is lower than the score alone gives: TLS 1.0 offered → B, … */
  caps: Array<{
    /** Stable id (`tls-grade.tls10`): the message of the reason in grade-messages.ts. */
    id: string;
    cap: Grade;
    /** What the reason names: data, or phrases of phrase-messages.ts. */
    params?: Record<string, MessageParam>;
    /** The rating-guide revision or announcement the cap comes from. */
    source: string;
  }>;
  /** The letter the caps give when T and M are set aside, as SSL Labs shows "if trust issues are ignored". */
  gradeIgnoringTrust?: Grade;
  /** Facts the grade could not take into account because the scan lacks them (certificate, hsts, heartbleed …). */
  missing?: string[];
  /** The criteria followed, like SSL Labs' criteriaVersion. */
  criteria?: string;
}

/** The rule sets a TLS audit can be held to, in the order reports list them. */
export const RULE_SET_IDS = ['mozilla-modern', 'mozilla-intermediate', 'nist-800-52r2', 'bsi-tr-02102-2', 'pci-dss-4'] as const;
export type RuleSetId = (typeof RULE_SET_IDS)[number];

/**
 * One rule of a rule set judged on a scan. Its title and fix are the messages `<id>` and
 * `<id>.fix` of rule-messages.ts.
 */
export interface RuleResult {
  ruleSet: RuleSetId;
  /** Stable: `mozilla-intermediate.protocols`. */
  id: string;
  passed: boolean;
  /** What broke it: versions, suites (`TLSv1.2 0xC013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA`), keys, as data or phrases. */
  offending: MessageParam[];
  /** Document and clause. */
  source: string;
  /**
   * false when the scan lacks the facts the rule needs (no certificate, a handshake fact that
   * could not be told): the rule is then neither passed nor failed, and `passed` is false.
   */
  evaluated?: false;
  /** How the document words it: a requirement (shall, must) or a recommendation (should). */
  level: 'required' | 'recommended';
}
