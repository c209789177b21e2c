// OpenID Connect Discovery 1.0: where the provider configuration is, and whether a document
// fetched from there is one (§3 metadata, §4.3 issuer validation), plus what a JSON Web Key Set
// (RFC 7517) says about the keys ID tokens are signed with.

import { peerText } from './peer-text.js';

export const WELL_KNOWN = '/.well-known/openid-configuration';

/** §4: the configuration lives at the issuer + /.well-known/openid-configuration (trailing "/" removed first). */
export function discoveryLocation(url: string, configuredIssuer?: string): { discoveryUrl: string; expectedIssuer: string } {
  const u = new URL(url);
  u.hash = '';
  if (u.pathname.endsWith(WELL_KNOWN)) {
    const issuer = `${u.origin}${u.pathname.slice(0, -WELL_KNOWN.length)}`;
    return { discoveryUrl: u.toString(), expectedIssuer: configuredIssuer ?? issuer };
  }
  const issuer = `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  return { discoveryUrl: `${issuer}${WELL_KNOWN}`, expectedIssuer: configuredIssuer ?? issuer };
}

/** §3 REQUIRED metadata (token_endpoint is required unless only the implicit flow is used). */
export const REQUIRED_FIELDS = [
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'jwks_uri',
  'response_types_supported',
  'subject_types_supported',
  'id_token_signing_alg_values_supported',
] as const;

export const ENDPOINT_FIELDS = [
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'jwks_uri',
  'end_session_endpoint',
] as const;

export type DiscoveryProblem =
  | { kind: 'missing'; field: string }
  | { kind: 'wrong-type'; field: string; expected: 'string' | 'array' }
  | { kind: 'issuer-mismatch'; issuer: string; expected: string }
  | { kind: 'not-https'; field: string; value: string }
  | { kind: 'bad-url'; field: string; value: string }
  | { kind: 'alg-none' }
  | { kind: 'no-rs256' };

export interface DiscoveryReview {
  issuer?: string;
  endpoints: Partial<Record<(typeof ENDPOINT_FIELDS)[number], string>>;
  signingAlgs: string[];
  problems: DiscoveryProblem[];
}

export function reviewDiscovery(doc: Record<string, unknown>, expectedIssuer: string): DiscoveryReview {
  const problems: DiscoveryProblem[] = [];
  for (const f of REQUIRED_FIELDS) {
    const v = doc[f];
    const expected = f.endsWith('_supported') ? 'array' : 'string';
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) problems.push({ kind: 'missing', field: f });
    else if (expected === 'array' ? !Array.isArray(v) || !v.every((x) => typeof x === 'string') : typeof v !== 'string')
      problems.push({ kind: 'wrong-type', field: f, expected });
  }
  // Values from another server end up in findings and details: bounded like any peer text.
  const raw = typeof doc.issuer === 'string' ? doc.issuer : undefined;
  const issuer = raw === undefined ? undefined : peerText(raw, 300);
  // §4.3: "MUST be identical" — compared as strings, as relying parties do.
  if (raw !== undefined && raw !== expectedIssuer) problems.push({ kind: 'issuer-mismatch', issuer: issuer!, expected: expectedIssuer });
  if (raw !== undefined) checkHttps('issuer', raw, problems);
  const endpoints: DiscoveryReview['endpoints'] = {};
  for (const f of ENDPOINT_FIELDS) {
    const v = doc[f];
    if (typeof v !== 'string') continue;
    const usable = checkHttps(f, v, problems);
    if (usable) endpoints[f] = usable;
  }
  const algs = Array.isArray(doc.id_token_signing_alg_values_supported)
    ? doc.id_token_signing_alg_values_supported
        .filter((a): a is string => typeof a === 'string')
        .slice(0, 50)
        .map((a) => peerText(a, 50))
    : [];
  if (algs.some((a) => a.toLowerCase() === 'none')) problems.push({ kind: 'alg-none' });
  if (algs.length && !algs.includes('RS256')) problems.push({ kind: 'no-rs256' });
  return { ...(issuer !== undefined ? { issuer } : {}), endpoints, signingAlgs: algs, problems };
}

/** Longest issuer or URL taken from a document; browsers and gateways refuse much shorter URLs. */
const MAX_TEXT = 2048;

/** The URL to use (normalised) when `value` is http(s); problems recorded for anything else. */
function checkHttps(field: string, value: string, problems: DiscoveryProblem[]): string | undefined {
  let u: URL;
  try {
    if (value.length > MAX_TEXT) throw new Error('too long');
    u = new URL(value);
  } catch {
    problems.push({ kind: 'bad-url', field, value: peerText(value, 200) });
    return undefined;
  }
  if (u.protocol !== 'https:') {
    problems.push({ kind: 'not-https', field, value: peerText(value, 200) });
    // Still a URL to try: reachability is a separate question from the scheme.
    return u.protocol === 'http:' ? u.toString() : undefined;
  }
  return u.toString();
}

// ---- JWKS ----------------------------------------------------------------------------------

export interface KeyFacts {
  kid?: string;
  kty: string;
  alg?: string;
  use?: string;
  crv?: string;
  /** RSA modulus length in bits. */
  bits?: number;
}

export type KeyProblem =
  | { kind: 'symmetric'; kid?: string }
  | { kind: 'alg-none'; kid?: string }
  | { kind: 'weak-rsa'; kid?: string; bits: number }
  /** A key no one can verify with: not an object, no `kty`, an RSA key without a modulus. */
  | { kind: 'malformed'; kid?: string; why: 'not-object' | 'no-kty' | 'no-modulus' };

/** NIST SP 800-131A Rev. 2 §3: RSA signatures with keys shorter than 2048 bits are disallowed. */
export const MIN_RSA_BITS = 2048;
const MAX_KEYS = 100;

export function reviewJwks(doc: unknown): { keys: KeyFacts[]; problems: KeyProblem[]; error?: string } {
  const list = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) return { keys: [], problems: [], error: 'no "keys" array' };
  const keys: KeyFacts[] = [];
  const problems: KeyProblem[] = [];
  for (const raw of list.slice(0, MAX_KEYS)) {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push({ kind: 'malformed', why: 'not-object' });
      continue;
    }
    const k = raw as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' ? peerText(v, 200) : undefined);
    const facts: KeyFacts = {
      kty: str(k.kty) ?? '?',
      ...(str(k.kid) ? { kid: str(k.kid)! } : {}),
      ...(str(k.alg) ? { alg: str(k.alg)! } : {}),
      ...(str(k.use) ? { use: str(k.use)! } : {}),
      ...(str(k.crv) ? { crv: str(k.crv)! } : {}),
    };
    const kid = facts.kid !== undefined ? { kid: facts.kid } : {};
    // RFC 7517 §4.1: kty is REQUIRED; a key without it is no key.
    if (typeof k.kty !== 'string' || !k.kty) {
      problems.push({ kind: 'malformed', ...kid, why: 'no-kty' });
      continue;
    }
    if (facts.kty === 'oct' || /^HS\d+$/i.test(facts.alg ?? '')) problems.push({ kind: 'symmetric', ...kid });
    if (facts.alg?.toLowerCase() === 'none') problems.push({ kind: 'alg-none', ...kid });
    if (facts.kty === 'RSA') {
      const n = typeof k.n === 'string' ? Buffer.from(k.n, 'base64url') : undefined;
      if (!n?.length) {
        // Not a key anyone can verify with: reported, and not counted among the keys.
        problems.push({ kind: 'malformed', ...kid, why: 'no-modulus' });
        continue;
      } else {
        let start = 0;
        while (start < n.length && n[start] === 0) start++;
        const bytes = n.length - start;
        facts.bits = bytes === 0 ? 0 : (bytes - 1) * 8 + (32 - Math.clz32(n[start]!));
        if (facts.bits < MIN_RSA_BITS) problems.push({ kind: 'weak-rsa', ...kid, bits: facts.bits });
      }
    }
    keys.push(facts);
  }
  return { keys, problems };
}
