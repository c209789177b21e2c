// What a TLS server presented, in a form a report can show and a policy can match: each
// certificate's subject, issuer, SHA-256 fingerprint and SPKI pin, and whether the chain ends at
// one of Node's public roots or at a private CA.

import { X509Certificate, createHash } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { nodeTls } from '../util/node-builtins.js';
import { certificateSpki } from './der.js';

export interface PresentedCert {
  subject: string;
  issuer: string;
  fingerprint256: string;
  /** base64(SHA-256(SubjectPublicKeyInfo)), as HPKP and most pinning configurations write it. */
  spkiSha256: string;
  validTo: string;
}

export interface PresentedChain {
  certs: PresentedCert[];
  /** The trust anchor's subject, when the chain reached one. */
  anchor?: string;
  publicRoot: boolean;
  authorized: boolean;
  authorizationError?: string;
}

let publicRootFingerprints: Set<string> | undefined;

function publicRoots(): Set<string> {
  publicRootFingerprints ??= new Set(nodeTls().rootCertificates.map((pem) => new X509Certificate(pem).fingerprint256));
  return publicRootFingerprints;
}

/** Whether a certificate (by its SHA-256 fingerprint) is one of Node's bundled public roots. */
export function isPublicRoot(fingerprint256: string): boolean {
  return publicRoots().has(fingerprint256);
}

/** base64(SHA-256(SPKI)); 'unknown' when the certificate holds no SubjectPublicKeyInfo that can be read. */
export function spkiPin(cert: X509Certificate): string {
  let spki: Uint8Array;
  try {
    spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  } catch {
    // A key type Node cannot load (SM2 under OpenSSL 3, unusual curves): the certificate's own bytes.
    const own = certificateSpki(cert.raw);
    if (!own.ok) return 'unknown';
    spki = own.value;
  }
  return createHash('sha256').update(spki).digest('base64');
}

export function presentedChain(socket: TLSSocket): PresentedChain {
  const certs: PresentedCert[] = [];
  const seen = new Set<string>();
  let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (c && c.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    const x = new X509Certificate(c.raw);
    certs.push({
      subject: x.subject.replace(/\n/g, ', '),
      issuer: x.issuer.replace(/\n/g, ', '),
      fingerprint256: x.fingerprint256,
      spkiSha256: spkiPin(x),
      validTo: x.validTo,
    });
    c = c.issuerCertificate;
  }
  const top = certs.at(-1);
  const roots = publicRoots();
  const anchored = top && top.subject === top.issuer;
  return {
    certs,
    ...(anchored ? { anchor: top.subject } : {}),
    publicRoot: Boolean(top && roots.has(top.fingerprint256)),
    authorized: socket.authorized,
    ...(socket.authorizationError ? { authorizationError: String(socket.authorizationError) } : {}),
  };
}

/** "CN=Corp Proxy CA, O=Example" style match: every part of the expectation must appear in an issuer. */
export function issuerMatches(chain: PresentedChain, expected: string): boolean {
  const want = expected
    .toLowerCase()
    .split(/[,\n]/)
    .map((p) => p.trim())
    .filter(Boolean);
  return chain.certs.some((c) => want.every((w) => c.issuer.toLowerCase().includes(w)));
}

export function pinMatches(chain: PresentedChain, pins: string[]): boolean {
  const set = new Set(pins.map((p) => p.replace(/^sha256\//, '')));
  return chain.certs.some((c) => set.has(c.spkiSha256));
}
