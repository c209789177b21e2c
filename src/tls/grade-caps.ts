// The rules that cap an SSL Labs grade whatever the numeric score: the "Changes" of the SSL Server
// Rating Guide (ssllabs/research docs/SSL_Server_Rating_Guide.xml, 2009c–2009e) and the grading
// changes SSL Labs announced since (blog.qualys.com/ssllabs, through revision 2009r of May 2025).
//
// SSL Labs decides several caps from browser handshake simulations ("not penalised if never
// negotiated with clients that can do better"). A scan of accepted suites has no simulations, so:
// forward secrecy and AEAD are judged at the highest version, by the server's first pick when it
// enforces its order (what a modern client would get); RC4 and 64-bit block ciphers count whenever
// they are accepted with TLS 1.1 or newer — the stricter reading, since a client may offer them.

import type { MessageParam } from '../i18n/types.js';
import {
  certificateKeyLabel,
  certificateRsaBits,
  dhOrRsaBits,
  ephemeralKeyLabel,
  ephemeralRsaBits,
  signatureDigest,
} from './key-strength.js';
import { hstsFailure, listOf, phrase, uniquePhrases, type Phrase } from './phrases.js';
import {
  has64BitBlock,
  highestVersion,
  isAnonymous,
  isCbc,
  isExport,
  isNullCipher,
  isRc4,
  suiteLabel,
  suitesAt,
  unique,
  versionRank,
} from './suite-traits.js';
import type { AcceptedSuite, Grade, TlsScan, TlsVersionName } from './types.js';

export interface Cap {
  id: string;
  cap: Grade;
  /** What the reason names: data, or phrases (phrases.ts). */
  params?: Record<string, MessageParam>;
  source: string;
}

const GUIDE_2009C = 'SSL Server Rating Guide 2009c (7 Feb 2013)';
const GUIDE_2009E = 'SSL Server Rating Guide 2009e (21 Jan 2014)';
const HEARTBLEED_2014 = 'SSL Labs grading, April 2014 (Heartbleed)';
const END_OF_2014 = 'SSL Labs "End of Year 2014 Updates" (8 Dec 2014)';
const SSLLABS_1_17 = 'SSL Labs 1.17 "RC4, Obsolete Crypto, and Logjam" (21 May 2015)';
const RC4_ONLY_2015 = 'SSL Labs "New Penalty for RC4-Only Servers" (Oct 2015)';
const CHANGES_2017 = 'SSL Labs "Announcing Grading Changes for 2017" (16 Nov 2016)';
const JANUARY_2017 = 'SSL Labs "Grading Changes January 2017" (live in 1.28.3, 3 Apr 2017)';
const FS_AEAD_2018 = 'SSL Labs "Forward Secrecy, Authenticated Encryption and ROBOT" (1 Mar 2018)';
const TLS1X_2020 = 'SSL Labs "Grade Change for TLS 1.0 and TLS 1.1" (live 31 Jan 2020, 2009q)';
const GUIDE_2009R = 'SSL Server Rating Guide 2009r (16 May 2025)';
const CERT_INSPECTION = 'SSL Server Rating Guide, Certificate Inspection; T and M grades (2009o)';

/** A+ needs HSTS with a long max-age; SSL Labs' threshold is 180 days. */
export const HSTS_A_PLUS_SECONDS = 180 * 24 * 3600;

/** Enough of a list to say what is wrong without flooding a cap reason. */
const CAP_LISTED = 3;
const labels = (suites: AcceptedSuite[]): Phrase => listOf(unique(suites.map(suiteLabel)), CAP_LISTED);
const modern = (s: AcceptedSuite): boolean => versionRank(s.version) >= versionRank('TLSv1.1');

function protocolCaps(scan: TlsScan, offered: TlsVersionName[]): Cap[] {
  const caps: Cap[] = [];
  const has = (v: TlsVersionName) => offered.includes(v);
  if (has('SSLv2')) caps.push({ id: 'tls-grade.sslv2', cap: 'F', source: GUIDE_2009C });
  if (highestVersion(scan) === 'SSLv3') caps.push({ id: 'tls-grade.sslv3-only', cap: 'F', source: END_OF_2014 });
  if (has('SSLv3')) {
    caps.push({ id: 'tls-grade.sslv3', cap: 'B', source: END_OF_2014 });
    // POODLE needs a CBC suite under SSLv3. When the SSLv3 suites are unknown, assume one: every
    // SSLv3 server that is not RC4-only has one.
    const ssl3 = suitesAt(scan, 'SSLv3');
    if (ssl3.length === 0 || ssl3.some(isCbc)) caps.push({ id: 'tls-grade.poodle', cap: 'C', source: END_OF_2014 });
  }
  if (has('TLSv1.0')) caps.push({ id: 'tls-grade.tls10', cap: 'B', source: TLS1X_2020 });
  if (has('TLSv1.1')) caps.push({ id: 'tls-grade.tls11', cap: 'B', source: TLS1X_2020 });
  // Introduced (at B, then C in 2015) when TLS 1.2 was the newest version; SSL Labs reworded it
  // for TLS 1.3 in 2020, and a TLS 1.3-only server is not capped.
  if (!has('TLSv1.2') && !has('TLSv1.3')) caps.push({ id: 'tls-grade.no-tls12', cap: 'C', source: SSLLABS_1_17 });
  if (!has('TLSv1.3')) caps.push({ id: 'tls-grade.no-tls13', cap: 'A-', source: GUIDE_2009R });
  return caps;
}

function cipherCaps(scan: TlsScan): Cap[] {
  const caps: Cap[] = [];
  const all = scan.accepted;
  const some = (id: string, cap: Grade, source: string, suites: AcceptedSuite[]) => {
    if (suites.length) caps.push({ id, cap, source, params: { suites: labels(suites) } });
  };
  some('tls-grade.export', 'F', SSLLABS_1_17, all.filter(isExport));
  // The guide scores anonymous key exchange 0 % and no encryption 0 %; with best/worst averaging
  // that alone would not fail a server that also offers good suites, yet an active attacker can
  // steer a client to them. The stricter reading caps at F (as testssl.sh's rating does).
  some('tls-grade.anonymous', 'F', GUIDE_2009E, all.filter(isAnonymous));
  some('tls-grade.null-cipher', 'F', GUIDE_2009E, all.filter(isNullCipher));
  some(
    'tls-grade.weak-cipher',
    'F',
    CHANGES_2017,
    all.filter((s) => !isNullCipher(s) && s.bits < 112),
  );

  const rc4 = all.filter(isRc4);
  if (rc4.length && rc4.length === all.length) caps.push({ id: 'tls-grade.rc4-only', cap: 'F', source: RC4_ONLY_2015 });
  else if (rc4.some(modern)) some('tls-grade.rc4-modern', 'C', SSLLABS_1_17, rc4.filter(modern));
  else some('tls-grade.rc4', 'B', END_OF_2014, rc4);

  some(
    'tls-grade.64-bit-block',
    'C',
    JANUARY_2017,
    all.filter((s) => has64BitBlock(s) && modern(s)),
  );

  // Forward secrecy and AEAD: what a modern client negotiates at the best version.
  const top = highestVersion(scan);
  if (top) {
    const topSuites = suitesAt(scan, top);
    const enforced = scan.preference[top] === 'server';
    const lacking = (has: (s: AcceptedSuite) => boolean): AcceptedSuite[] => {
      if (!topSuites.length) return [];
      if (!topSuites.some(has)) return topSuites;
      const first = topSuites[0];
      return enforced && first && !has(first) ? [first] : [];
    };
    const noFs = lacking((s) => s.forwardSecrecy);
    if (noFs.length)
      caps.push({ id: 'tls-grade.no-forward-secrecy', cap: 'B', source: FS_AEAD_2018, params: { version: top, suites: labels(noFs) } });
    const noAead = lacking((s) => s.aead);
    if (noAead.length)
      caps.push({ id: 'tls-grade.no-aead', cap: 'B', source: FS_AEAD_2018, params: { version: top, suites: labels(noAead) } });
  }
  return caps;
}

function handshakeCaps(scan: TlsScan, offered: TlsVersionName[]): Cap[] {
  const caps: Cap[] = [];
  const f = scan.facts;
  // 2009c capped CRIME at B; testssl.sh's implementation of the current guide caps it at C, and
  // the stricter of the two is kept.
  if (f.compression === true) caps.push({ id: 'tls-grade.compression', cap: 'C', source: GUIDE_2009C });
  if (f.heartbleed === true) caps.push({ id: 'tls-grade.heartbleed', cap: 'F', source: HEARTBLEED_2014 });
  // RFC 5746 exists only below TLS 1.3. Its absence is a warning (A-) since 2009e; the F of 2009c
  // is for servers that actually renegotiate insecurely, which needs a renegotiation attempt the
  // scan does not make.
  const legacy = offered.some((v) => versionRank(v) <= versionRank('TLSv1.2'));
  if (legacy && f.secureRenegotiation === false) caps.push({ id: 'tls-grade.no-secure-renegotiation', cap: 'A-', source: GUIDE_2009E });
  if (f.fallbackScsv === false) caps.push({ id: 'tls-grade.no-fallback-scsv', cap: 'A', source: END_OF_2014 });
  return caps;
}

function keyCaps(scan: TlsScan): Cap[] {
  const caps: Cap[] = [];
  const leaf = scan.certificate?.chain[0];
  const certBits = leaf ? certificateRsaBits(leaf) : undefined;
  if (leaf && certBits !== undefined) {
    if (certBits < 1024)
      caps.push({ id: 'tls-grade.key-insecure', cap: 'F', source: GUIDE_2009E, params: { key: certificateKeyLabel(leaf) } });
    else if (certBits < 2048)
      caps.push({ id: 'tls-grade.key-weak', cap: 'B', source: GUIDE_2009E, params: { key: certificateKeyLabel(leaf) } });
  }
  const ephemeral = scan.accepted.filter((s) => s.forwardSecrecy && !isExport(s));
  const weakest = (below: number) =>
    uniquePhrases(ephemeral.filter((s) => (ephemeralRsaBits(s) ?? Infinity) < below).map(ephemeralKeyLabel));
  const dhMin = scan.dhMinBits;
  const insecure = weakest(1024);
  if (dhMin !== undefined && dhMin < 1024 && !insecure.length) insecure.push(dhOrRsaBits('DH', dhMin));
  if (insecure.length) {
    caps.push({ id: 'tls-grade.dh-insecure', cap: 'F', source: SSLLABS_1_17, params: { keys: listOf(insecure, CAP_LISTED) } });
  } else {
    const weak = weakest(2048);
    if (dhMin !== undefined && dhMin < 2048 && !weak.length) weak.push(dhOrRsaBits('DH', dhMin));
    if (weak.length) caps.push({ id: 'tls-grade.dh-weak', cap: 'B', source: SSLLABS_1_17, params: { keys: listOf(weak, CAP_LISTED) } });
  }
  return caps;
}

function certificateCaps(scan: TlsScan): Cap[] {
  const c = scan.certificate;
  if (!c) {
    // A handshake was tried and failed: whatever the raw hellos saw, no client gets a working
    // connection (or a certificate anyone can check), so the server fails.
    const e = scan.certificateError;
    if (e) {
      const id = e.stage === 'handshake' ? 'tls-grade.no-finished-handshake' : 'tls-grade.certificate-unreadable';
      return [{ id, cap: 'F', source: CERT_INSPECTION, params: { error: e.message.slice(0, 200) } }];
    }
    // Not tried: nothing about trust, name or key can be graded; an A+ would claim more than is known.
    return [{ id: 'tls-grade.certificate-unknown', cap: 'A', source: CERT_INSPECTION }];
  }
  const caps: Cap[] = [];
  const leaf = c.chain[0];
  if (c.expired) caps.push({ id: 'tls-grade.expired', cap: 'T', source: CERT_INSPECTION, params: { date: c.notAfter } });
  if (c.notYetValid) caps.push({ id: 'tls-grade.not-yet-valid', cap: 'T', source: CERT_INSPECTION, params: { date: c.notBefore } });
  if (leaf?.selfSigned) caps.push({ id: 'tls-grade.self-signed', cap: 'T', source: CERT_INSPECTION });
  // Not trusted for a reason not already given above (unknown CA, broken signature …).
  if (!c.trusted && !c.expired && !c.notYetValid && !leaf?.selfSigned) {
    caps.push({
      id: 'tls-grade.untrusted',
      cap: 'T',
      source: CERT_INSPECTION,
      params: { error: c.trustError ?? phrase('tls.item.unknown-reason') },
    });
  }
  // The 2009 guide gives a revoked certificate a zero score (F).
  if (c.ocspStatus === 'revoked') caps.push({ id: 'tls-grade.revoked', cap: 'F', source: CERT_INSPECTION });
  if (!c.hostnameMatch)
    caps.push({ id: 'tls-grade.hostname-mismatch', cap: 'M', source: CERT_INSPECTION, params: { name: c.checkedName } });

  const leafDigest = leaf ? signatureDigest(leaf) : undefined;
  const brokenDigest = c.chain.map(signatureDigest).find((d) => d === 'md5' || d === 'md2');
  if (brokenDigest)
    caps.push({ id: 'tls-grade.md5-signature', cap: 'F', source: GUIDE_2009E, params: { digest: brokenDigest.toUpperCase() } });
  if (leafDigest === 'sha1') caps.push({ id: 'tls-grade.sha1-leaf', cap: 'T', source: JANUARY_2017 });
  // A root's own signature is never checked, so only intermediates count.
  if (c.chain.slice(1).some((x) => !x.selfSigned && signatureDigest(x) === 'sha1'))
    caps.push({ id: 'tls-grade.sha1-chain', cap: 'A', source: END_OF_2014 });
  if (c.trusted && (!c.chainComplete || c.chainIssues?.includes('incomplete')))
    caps.push({ id: 'tls-grade.incomplete-chain', cap: 'B', source: END_OF_2014 });
  return caps;
}

function hstsCaps(scan: TlsScan): Cap[] {
  const h = scan.hsts;
  if (!h) return [{ id: 'tls-grade.hsts-not-checked', cap: 'A', source: GUIDE_2009E }];
  if (h.error) return [{ id: 'tls-grade.hsts-unknown', cap: 'A', source: GUIDE_2009E, params: { error: hstsFailure(h.error) } }];
  if (!h.present) return [{ id: 'tls-grade.hsts-missing', cap: 'A', source: GUIDE_2009E }];
  const maxAge = h.maxAgeSeconds ?? 0;
  if (maxAge < HSTS_A_PLUS_SECONDS) return [{ id: 'tls-grade.hsts-short', cap: 'A', source: GUIDE_2009E, params: { maxAge } }];
  return [];
}

export function gradeCaps(scan: TlsScan, offered: TlsVersionName[]): Cap[] {
  return [
    ...protocolCaps(scan, offered),
    ...cipherCaps(scan),
    ...keyCaps(scan),
    ...handshakeCaps(scan, offered),
    ...certificateCaps(scan),
    ...hstsCaps(scan),
  ];
}
