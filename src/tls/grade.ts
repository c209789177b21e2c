// SSL Labs grade of a scan. The numeric score is the 2009 method of the SSL Server Rating Guide
// (ssllabs/research, docs/SSL_Server_Rating_Guide.xml, 2009e): protocol support 30 %, key
// exchange 30 %, cipher strength 40 %, each the average of the best and the worst thing the
// server accepts, a zero in any category making the total zero; A ≥ 80, B ≥ 65, C ≥ 50, D ≥ 35,
// E ≥ 20, else F. The grade is then capped by the rules in grade-caps.ts.

import { gradeCaps, type Cap } from './grade-caps.js';
import { certificateRsaBits, ephemeralRsaBits } from './key-strength.js';
import { is3Des, isAnonymous, isExport, kxOf, offeredVersions } from './suite-traits.js';
import type { AcceptedSuite, Grade, GradeResult, TlsScan, TlsVersionName } from './types.js';

export const GRADING_CRITERIA = 'SSL Labs SSL Server Rating Guide: 2009 score method, caps through revision 2009r (May 2025)';

// TLS 1.3 postdates the table; it scores as TLS 1.2 does (as testssl.sh's implementation does).
// SSL 2.0 is 20 % in 2009e and 0 % in the later wiki text; it caps at F either way.
const PROTOCOL_SCORE: Record<TlsVersionName, number> = {
  SSLv2: 0,
  SSLv3: 80,
  'TLSv1.0': 90,
  'TLSv1.1': 95,
  'TLSv1.2': 100,
  'TLSv1.3': 100,
};

function bestWorst(scores: number[]): number {
  if (!scores.length) return 0;
  return (Math.max(...scores) + Math.min(...scores)) / 2;
}

function protocolScore(offered: TlsVersionName[]): number {
  return bestWorst(offered.map((v) => PROTOCOL_SCORE[v]));
}

/** Key exchange table of the guide, on RSA-equivalent bits. */
function keyExchangePoints(rsaBits: number): number {
  if (rsaBits < 512) return 20;
  if (rsaBits < 1024) return 40;
  if (rsaBits < 2048) return 80;
  if (rsaBits < 4096) return 90;
  return 100;
}

/**
 * One suite's key exchange score, or undefined when its strength is unknown. With (EC)DHE the
 * handshake is as strong as the weaker of the ephemeral key and the certificate key that signs it
 * (the guide's note on DH parameters); RSA and static DH key exchange rest on the certificate key.
 */
function suiteKeyExchange(s: AcceptedSuite, certBits: number | undefined): number | undefined {
  if (isAnonymous(s)) return 0;
  if (isExport(s)) return 40;
  const ephemeral = s.forwardSecrecy ? ephemeralRsaBits(s) : undefined;
  const usesCertificateKey = kxOf(s) !== 'PSK';
  const parts = [ephemeral, usesCertificateKey ? certBits : undefined].filter((b): b is number => b !== undefined);
  return parts.length ? keyExchangePoints(Math.min(...parts)) : undefined;
}

function keyExchangeScore(scan: TlsScan): number | undefined {
  const leaf = scan.certificate?.chain[0];
  const certBits = leaf ? certificateRsaBits(leaf) : undefined;
  const known = scan.accepted.map((s) => suiteKeyExchange(s, certBits)).filter((p): p is number => p !== undefined);
  return known.length ? bestWorst(known) : undefined;
}

function cipherPoints(s: AcceptedSuite): number {
  // The guide's own examples put 3DES at 168 bits (the < 256 row); its effective 112 bits would
  // drop it to the < 128 row. The guide's reading is kept; 3DES is capped separately anyway.
  const bits = is3Des(s) ? 168 : s.bits;
  if (bits === 0) return 0;
  if (bits < 128) return 20;
  if (bits < 256) return 80;
  return 100;
}

function cipherScore(accepted: AcceptedSuite[]): number {
  return bestWorst(accepted.map(cipherPoints));
}

export function letterForScore(score: number): Grade {
  if (score >= 80) return 'A';
  if (score >= 65) return 'B';
  if (score >= 50) return 'C';
  if (score >= 35) return 'D';
  if (score >= 20) return 'E';
  return 'F';
}

const ORDER: readonly Grade[] = ['A+', 'A', 'A-', 'B', 'C', 'D', 'E', 'F'];

function worse(a: Grade, b: Grade): Grade {
  return ORDER.indexOf(b) > ORDER.indexOf(a) ? b : a;
}

function missingFacts(scan: TlsScan): string[] {
  const missing: string[] = [];
  if (!scan.certificate) missing.push('certificate');
  if (!scan.hsts || scan.hsts.error) missing.push('hsts');
  const f = scan.facts;
  for (const key of ['heartbleed', 'compression', 'secureRenegotiation', 'fallbackScsv'] as const)
    if (f[key] === 'unknown') missing.push(key);
  return missing;
}

export function gradeTls(scan: TlsScan): GradeResult {
  const offered = offeredVersions(scan);
  const caps: Cap[] = [];
  if (!offered.length || !scan.accepted.length)
    caps.push({ id: 'tls-grade.no-handshake', cap: 'F', source: 'SSL Server Rating Guide, Methodology Overview' });

  const kx = keyExchangeScore(scan);
  if (scan.accepted.length && kx === undefined)
    caps.push({ id: 'tls-grade.kx-unknown', cap: 'F', source: 'SSL Server Rating Guide, Key Exchange' });
  const subscores = { protocol: protocolScore(offered), keyExchange: kx ?? 0, cipher: cipherScore(scan.accepted) };
  const anyZero = subscores.protocol === 0 || subscores.keyExchange === 0 || subscores.cipher === 0;
  // Weights as integers: 0.3 × 95 is not exactly 28.5 in binary floating point.
  const score = anyZero ? 0 : Math.round((30 * subscores.protocol + 30 * subscores.keyExchange + 40 * subscores.cipher) / 100);

  caps.push(...gradeCaps(scan, offered));

  // A+ is an A that no cap holds back (warnings cap at A-, missing HSTS or SCSV at A).
  const fromScore = letterForScore(score);
  let letter: Grade = fromScore === 'A' ? 'A+' : fromScore;
  for (const c of caps) if (c.cap !== 'T' && c.cap !== 'M') letter = worse(letter, c.cap);
  // T (not trusted) and M (name mismatch) replace the letter: without trust an active attacker
  // owns the connection whatever its strength. T wins over M as the more fundamental failure.
  const trust = caps.some((c) => c.cap === 'T') ? 'T' : caps.some((c) => c.cap === 'M') ? 'M' : undefined;

  const missing = missingFacts(scan);
  return {
    grade: trust ?? letter,
    score,
    subscores,
    caps: caps.map((c) => ({ id: c.id, cap: c.cap, source: c.source, ...(c.params ? { params: c.params } : {}) })),
    ...(trust ? { gradeIgnoringTrust: letter } : {}),
    ...(missing.length ? { missing } : {}),
    criteria: GRADING_CRITERIA,
  };
}
