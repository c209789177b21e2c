// Reading an identity provider along the endpoint's route: the OpenID configuration, the URLs it
// names and its key set, or the SAML metadata, its certificates and locations. What the documents
// say is recorded as facts (reviewed for problems, bounded like any peer text); the judge decides.

import type { Endpoint, MeasureContext } from '../../src/plugin-api.js';
import { PathError } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import type { Route } from '../../src/net/proxy.js';
import { probeBudgetMs } from '../../src/net/shared.js';
import { fetchAlong, jsonObject, MAX_REDIRECTS, peerText, probeUrl } from '../../src/integration/common.js';
import { answerFacts } from '../../src/integration/facts.js';
import { discoveryLocation, reviewDiscovery, reviewJwks } from '../../src/integration/oidc.js';
import { reviewMetadata } from '../../src/integration/saml.js';
import { XmlError } from '../../src/util/xml.js';
import { unusable, type JwksFacts, type OidcEndpointField, type SsoFacts } from './facts.js';
import type { Options } from './plan.js';

type Ctx = MeasureContext<Options>;

const DOC_BYTES = 256 * 1024;
const METADATA_BYTES = 1 << 20;
/** SAML locations probed at most: an IdP lists a few bindings of one or two URLs. */
const MAX_LOCATIONS = 6;

export function ssoKind(ep: Endpoint): 'oidc' | 'saml' {
  const configured = (ep.extra.sso as { kind?: 'oidc' | 'saml' } | undefined)?.kind;
  if (configured) return configured;
  return /metadata|\.xml$|\/saml/i.test(new URL(ep.url!).pathname) ? 'saml' : 'oidc';
}

/** The probe for measureAlong: the provider's documents, then the classification they earn. */
export async function readProvider(ctx: Ctx, ep: Endpoint, route: Route, facts: SsoFacts): Promise<void> {
  if (facts.ssoKind === 'saml') await saml(ctx, ep, route, facts);
  else await oidc(ctx, ep, route, facts);
  if (facts.classification === 'ok' && unusable(facts)) facts.classification = 'server-error';
}

/** Secondary URLs (endpoints, key set) get part of what is left, so one stall cannot eat the whole task. */
function shareOfBudget(ctx: Ctx): number {
  return Math.max(300, Math.min(5000, probeBudgetMs(ctx) / 2));
}

async function oidc(ctx: Ctx, ep: Endpoint, route: Route, facts: SsoFacts): Promise<void> {
  const configuredIssuer = (ep.extra.sso as { issuer?: string } | undefined)?.issuer;
  const { discoveryUrl, expectedIssuer } = discoveryLocation(ep.url!, configuredIssuer);
  Object.assign(facts, { discoveryUrl, expectedIssuer });
  const res = await fetchAlong(ctx, ep, route, discoveryUrl, {
    maxBodyBytes: DOC_BYTES,
    redirects: MAX_REDIRECTS,
    headers: { accept: 'application/json' },
  });
  Object.assign(facts, answerFacts(res));
  if (res.status !== 200) {
    facts.classification = 'http-error';
    return;
  }
  const doc = res.truncated ? undefined : jsonObject(res.body);
  if (!doc) {
    facts.classification = 'http-error';
    facts.documentProblem = res.truncated ? { reason: 'too-large', limit: DOC_BYTES } : { reason: 'not-json' };
    return;
  }
  const review = reviewDiscovery(doc, expectedIssuer);
  Object.assign(facts, {
    ...(review.issuer !== undefined ? { issuer: review.issuer } : {}),
    endpoints: review.endpoints,
    idTokenSigningAlgs: review.signingAlgs,
    problems: review.problems,
  });

  // Endpoints and key set in parallel, each with a share of the budget.
  const budget = shareOfBudget(ctx);
  const probes = (Object.entries(review.endpoints) as Array<[OidcEndpointField, string]>).filter(([f]) => f !== 'jwks_uri');
  const [reach, jwks] = await Promise.all([
    Promise.all(probes.map(async ([field, url]) => [field, await probeUrl(ctx, ep, route, url, budget)] as const)),
    review.endpoints.jwks_uri ? keySet(ctx, ep, route, review.endpoints.jwks_uri, budget) : Promise.resolve(undefined),
  ]);
  facts.reachability = Object.fromEntries(reach);
  if (jwks) {
    facts.jwks = jwks;
    // Without its keys no ID token can be verified: the key set's failure is the endpoint's.
    if (jwks.classification) facts.classification = jwks.classification;
  }
}

async function keySet(ctx: Ctx, ep: Endpoint, route: Route, url: string, budget: number): Promise<JwksFacts> {
  let res;
  try {
    res = await fetchAlong(ctx, ep, route, url, {
      maxBodyBytes: DOC_BYTES,
      timeoutMs: budget,
      redirects: MAX_REDIRECTS,
      headers: { accept: 'application/json' },
    });
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (!(err instanceof PathError) && !(err instanceof DnsLookupError)) throw err;
    return { url, classification: err instanceof PathError ? err.classification : 'dns-failure', error: peerText(err.message, 300) };
  }
  if (res.status !== 200) return { url, status: res.status, invalid: 'status' };
  if (res.truncated) return { url, status: res.status, invalid: 'too-large', limit: DOC_BYTES };
  const doc = jsonObject(res.body);
  if (!doc) return { url, status: res.status, invalid: 'not-json' };
  const review = reviewJwks(doc);
  if (review.error) return { url, status: res.status, invalid: 'no-keys-array' };
  const problems = review.problems.length ? { problems: review.problems } : {};
  if (!review.keys.length) return { url, status: res.status, invalid: review.problems.length ? 'no-usable-key' : 'no-keys', ...problems };
  return { url, status: res.status, keys: review.keys, ...problems };
}

async function saml(ctx: Ctx, ep: Endpoint, route: Route, facts: SsoFacts): Promise<void> {
  const url = ep.url!;
  facts.metadataUrl = url;
  const res = await fetchAlong(ctx, ep, route, url, {
    maxBodyBytes: METADATA_BYTES,
    redirects: MAX_REDIRECTS,
    headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' },
  });
  Object.assign(facts, answerFacts(res));
  if (res.status !== 200) {
    facts.classification = 'http-error';
    return;
  }
  let review;
  try {
    if (res.truncated) throw new XmlError('too-large', `larger than ${METADATA_BYTES} bytes`);
    review = reviewMetadata(res.body.toString('utf8'), Date.parse(facts.measuredAt));
  } catch (err) {
    if (!(err instanceof XmlError)) throw err;
    facts.classification = 'http-error';
    facts.documentProblem = { reason: 'xml', xmlKind: err.kind, message: peerText(err.message, 200) };
    return;
  }
  Object.assign(facts, {
    ...(review.entityId !== undefined ? { entityId: review.entityId } : {}),
    ...(review.validUntil !== undefined ? { validUntil: review.validUntil } : {}),
    idp: review.idp,
    signing: review.signing,
    ...(review.unreadable.length ? { unreadableCerts: review.unreadable } : {}),
    samlEndpoints: review.endpoints,
    ...(review.signing.length ? { soonestExpiryDays: Math.min(...review.signing.map((c) => c.daysLeft)) } : {}),
  });
  // Metadata that describes no IdP names no locations worth a request.
  if (!review.idp) return;
  const locations = [...new Map(review.endpoints.map((e) => [e.location, e])).values()].slice(0, MAX_LOCATIONS);
  const budget = shareOfBudget(ctx);
  facts.reachability = await Promise.all(
    locations.map(async (e) => ({ endpoint: `${e.kind}:${e.binding}`, ...(await probeUrl(ctx, ep, route, e.location, budget)) })),
  );
}
