// The facts every integration check (directory, sso, api, storage, org-sync) records, and the one
// way they are measured: the addresses the host resolves to (for residency rules), the route
// (direct or the proxy's tunnel), the name resolved when the path is direct, then the check's own
// probe; a path or protocol failure on the way becomes facts (classification + PathFailure), not
// a throw.

import type { Endpoint, MeasureContext } from '../plugin-api.js';
import { failureDetails, PathError } from '../net/classify.js';
import { DnsLookupError } from '../net/dns.js';
import { pathDetails, pathFailureOf } from '../net/path-messages.js';
import { routeFor, type Route } from '../net/proxy.js';
import { reachFactsProperties, reachFactsRequired, type ReachFacts } from '../net/reach.js';
import type { HttpFetchResult } from '../net/http-fetch.js';
import { lookupOnce } from '../net/shared.js';
import { connectBudgetMs, residency } from './common.js';
import { peerText } from './peer-text.js';

import { tlsFactsSchema, type TlsFacts } from '../net/reach.js';

export { tlsFactsSchema, type TlsFacts };

/** What every integration check records: the route and failure as the other reach checks say them, and residency. */
export interface IntegrationFacts extends ReachFacts {
  /** What the host resolves to, for residency: resolved even through a proxy. */
  addresses: string[];
  /** Why `addresses` is empty: the lookup's failure kind. */
  dnsFailure?: string;
  /** The failure's message repeated a secret (a server quoting the bind password back) and is not kept. */
  messageWithheld?: true;
  /** The failure at a glance, as every check's facts say it: phase, code, TLS kind, protocol error. */
  phase?: string;
  code?: string;
  tlsKind?: string;
  kind?: 'protocol-error';
  protocol?: string;
  dnsKind?: string;
}

/** What an HTTP answer says of the connection and the server's speed. */
export interface AnswerFacts {
  status?: number;
  ttfbMs?: number;
  connectMs?: number;
  tlsHandshakeMs?: number;
  tls?: TlsFacts;
}

export const answerFactsProperties = {
  status: { type: 'integer' },
  ttfbMs: { type: 'number', minimum: 0 },
  connectMs: { type: 'number', minimum: 0 },
  tlsHandshakeMs: { type: 'number', minimum: 0 },
  tls: tlsFactsSchema,
} as const;

/** An HTTP answer's status, timings and TLS, as facts. */
export function answerFacts(res: HttpFetchResult): AnswerFacts {
  const t = res.timings;
  return {
    status: res.status,
    ttfbMs: t.ttfbMs,
    ...(t.connectMs !== undefined ? { connectMs: t.connectMs } : {}),
    ...(t.tlsMs !== undefined ? { tlsHandshakeMs: t.tlsMs } : {}),
    ...(res.tls ? { tls: res.tls } : {}),
  };
}

const baseProperties = {
  ...reachFactsProperties,
  addresses: { type: 'array', items: { type: 'string' } },
  dnsFailure: { type: 'string' },
  messageWithheld: { const: true },
  phase: { type: 'string' },
  code: { type: 'string' },
  tlsKind: { type: 'string' },
  kind: { const: 'protocol-error' },
  protocol: { type: 'string' },
  dnsKind: { type: 'string' },
} as const;

/** A check's facts schema: the shared fields plus its own. */
export function integrationFactsSchema(properties: Record<string, unknown>, required: string[] = []): Record<string, unknown> {
  return {
    type: 'object',
    required: [...reachFactsRequired, 'addresses', ...required],
    properties: { ...baseProperties, ...properties },
  };
}

export interface MeasureAlongOptions<F> {
  /** Facts known before anything is measured (what the check is about to try). */
  init?: Partial<F>;
  /** True for a failure message that must not be kept: it repeats a secret. */
  secret?: (text: string) => boolean;
}

/**
 * Residency lookup, route, DNS, then `probe`, which fills `facts` as it learns (what it learnt
 * before a failure stays). A PathError or a failed lookup ends the probe and is recorded; anything
 * else is a defect of the check and thrown.
 */
export async function measureAlong<F extends IntegrationFacts>(
  ctx: MeasureContext<{ connectTimeoutMs: number }>,
  ep: Endpoint,
  probe: (route: Route, facts: F) => Promise<void>,
  opts: MeasureAlongOptions<F> = {},
): Promise<F> {
  const connectTimeoutMs = connectBudgetMs(ctx);
  const where = await residency(ctx, ep.host);
  // Until the route is known, a failure is the route's: a proxy that does not resolve, a PAC file that fails.
  const facts = { classification: 'ok', path: 'proxy', ...where, connectTimeoutMs, ...opts.init } as F;
  try {
    const route = await routeFor(ctx, ep);
    Object.assign(facts, pathDetails(route));
    if (route.path === 'direct') await lookupOnce(ctx, ep.host);
    await probe(route, facts);
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (!(err instanceof PathError) && !(err instanceof DnsLookupError)) throw err;
    Object.assign(facts, failureFacts(err, opts.secret));
  }
  return facts;
}

type FailureFacts = Pick<
  IntegrationFacts,
  'classification' | 'failure' | 'messageWithheld' | 'phase' | 'code' | 'tlsKind' | 'kind' | 'protocol' | 'dnsKind'
>;

/**
 * A failure as facts. The message is bounded and cleaned, as anything a peer may have said; one
 * that repeats a secret is tested whole, before cleaning could break the secret up, and dropped.
 */
export function failureFacts(err: PathError | DnsLookupError, secret?: (text: string) => boolean): FailureFacts {
  const failure = pathFailureOf(err);
  const withheld = secret?.(failure.message) ?? false;
  failure.message = withheld ? '-' : peerText(failure.message, 500);
  const marks = withheld ? { messageWithheld: true as const } : {};
  if (err instanceof DnsLookupError) return { classification: 'dns-failure', failure, ...marks, dnsKind: err.kind };
  return {
    classification: err.classification,
    failure,
    ...marks,
    ...(failureDetails(err) as Pick<IntegrationFacts, 'phase' | 'code' | 'tlsKind' | 'kind' | 'protocol'>),
  };
}
