// Whether a chain as sent is usable by any client: each certificate followed by its issuer, up to
// a self-signed root or to a root the client already has (RFC 8446 §4.4.2: "each following
// certificate SHOULD directly certify the one immediately preceding it"). Clients that do not
// fetch missing intermediates (most non-browser clients, IM desktop and mobile apps among them)
// fail on an incomplete chain even when a browser succeeds.

import type { X509Certificate } from 'node:crypto';
import type { ChainIssue } from './types.js';

export interface ChainVerdict {
  /** In order and complete up to a trust anchor or a self-signed root. */
  complete: boolean;
  issues: ChainIssue[];
}

/** `child` names `parent` as its issuer and `parent`'s key verifies its signature. */
export function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    // A key type OpenSSL cannot use for verification: not provably the issuer.
    return false;
  }
}

/**
 * Names itself as issuer and its own key verifies its signature. Not X509Certificate.checkIssued:
 * that also wants keyCertSign, which a self-signed server certificate rightly lacks.
 */
export function isSelfSigned(cert: X509Certificate): boolean {
  try {
    return cert.subject === cert.issuer && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

/**
 * `sent`: leaf first, as received. `known`: certificates the local verifier added (Node's verified
 * chain beyond what was sent) — the anchors the client's trust store supplied.
 */
export function judgeChain(sent: X509Certificate[], known: X509Certificate[]): ChainVerdict {
  const issues: ChainIssue[] = [];
  if (sent.length === 0) return { complete: false, issues: ['incomplete'] };

  // Follow issuers from the leaf through what was sent, preferring the next certificate.
  const path = [0];
  const used = new Set(path);
  for (;;) {
    const at = path[path.length - 1]!;
    const current = sent[at]!;
    if (isSelfSigned(current)) break;
    const order = [at + 1, ...sent.keys()].filter((i) => i < sent.length && !used.has(i));
    const next = order.find((i) => issuedBy(current, sent[i]!));
    if (next === undefined) break;
    path.push(next);
    used.add(next);
  }

  const misordered = path.some((index, position) => index !== position);
  if (misordered) issues.push('misordered');
  if (used.size < sent.length) issues.push('extraneous');

  const top = sent[path[path.length - 1]!]!;
  let anchored: boolean;
  if (isSelfSigned(top)) {
    anchored = true;
    if (path.length > 1) issues.push('contains-anchor');
  } else {
    // Only a self-signed root from the store counts: an intermediate that happens to sit in the
    // local bundle would hide that the server leaves it out.
    anchored = known.some((k) => isSelfSigned(k) && issuedBy(top, k));
  }
  if (!anchored) issues.push('incomplete');
  return { complete: anchored && !misordered, issues };
}
