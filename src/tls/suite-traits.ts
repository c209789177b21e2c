// What grading and the rule sets ask of an accepted suite and of the versions a scan found.
// The registry knows each suite's parts; the name is only a fallback for values it does not know.

import { suiteByCode } from './registry.js';
import { TLS_VERSIONS, type AcceptedSuite, type CipherSuiteInfo, type TlsScan, type TlsVersionName } from './types.js';

export function suiteCode(s: AcceptedSuite): number {
  return Number.parseInt(s.code, 16);
}

function info(s: AcceptedSuite): CipherSuiteInfo | undefined {
  return suiteByCode(suiteCode(s));
}

/** `TLSv1.2 0xC013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA`: how a suite is named in findings. */
export function suiteLabel(s: AcceptedSuite): string {
  return `${s.version} ${s.code} ${s.name}`;
}

function cipherOf(s: AcceptedSuite): string {
  return info(s)?.cipher ?? s.name.replace(/^.*_WITH_/, '');
}

export const isRc4 = (s: AcceptedSuite): boolean => /RC4/.test(cipherOf(s));
export const isNullCipher = (s: AcceptedSuite): boolean => cipherOf(s) === 'NULL' || s.bits === 0;
export const isExport = (s: AcceptedSuite): boolean => info(s)?.export ?? /EXPORT|EXP1024/.test(s.name);
export const isAnonymous = (s: AcceptedSuite): boolean => (info(s)?.auth ?? '') === 'anon' || /_anon_/i.test(s.name);
export const isCbc = (s: AcceptedSuite): boolean => /CBC/.test(cipherOf(s));
/** 3DES, IDEA, RC2, DES: the block ciphers with 64-bit blocks that SWEET32 (CVE-2016-2183) attacks. */
export const has64BitBlock = (s: AcceptedSuite): boolean => /3DES|IDEA|RC2|(^|_)DES(40)?_/.test(cipherOf(s));
export const is3Des = (s: AcceptedSuite): boolean => /3DES/.test(cipherOf(s));

/** Key exchange as the registry names it: RSA, DHE, ECDHE, DH, ECDH, any (TLS 1.3) … */
export function kxOf(s: AcceptedSuite): string {
  return info(s)?.kx ?? s.kx;
}

const RANK = new Map<TlsVersionName, number>(TLS_VERSIONS.map((v, i) => [v, i]));

export function versionRank(v: TlsVersionName): number {
  return RANK.get(v) ?? -1;
}

/** Versions the server speaks, oldest first: offered by the version probes, or seen in an accepted suite. */
export function offeredVersions(scan: TlsScan): TlsVersionName[] {
  return TLS_VERSIONS.filter((v) => scan.versions[v] === true || scan.accepted.some((s) => s.version === v));
}

export function highestVersion(scan: TlsScan): TlsVersionName | undefined {
  return offeredVersions(scan).at(-1);
}

/** Suites accepted with one version, in the order the server picked them (its preference when it has one). */
export function suitesAt(scan: TlsScan, version: TlsVersionName): AcceptedSuite[] {
  return scan.accepted.filter((s) => s.version === version);
}

export function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
