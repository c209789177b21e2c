// What the checks that open an endpoint along its route share (http, websocket, idle,
// interception): the connect deadline left to them, the route (or the failure deciding it), the
// name resolved when the client itself resolves it, the trust and server name the endpoint asks
// for — and, as plain facts, the path the attempt took and how it failed. Measuring (reach) and
// judging (reachFailureFinding) meet only through those facts.

import type { SecureContext } from 'node:tls';
import type { Catalog, Classification, Endpoint, Finding, KeyValueBlock, MeasureContext } from '../plugin-api.js';
import { PathError } from './classify.js';
import { DnsLookupError } from './dns.js';
import type { Dialed } from './dial.js';
import { pathDetails, pathFailureFinding, pathFailureOf, pathFailureSchema, type PathFailure } from './path-messages.js';
import { routeFor, type Route } from './proxy.js';
import { opener, type OpenTarget, type Opened } from './route-connect.js';
import { lookupOnce, trustFor } from './shared.js';
import { unreachableSeverity } from './endpoint-severity.js';

/** The path an endpoint's traffic took: direct, or through a proxy (and why, when a PAC or noProxy decided). */
export interface RouteFacts {
  path: 'direct' | 'proxy';
  proxy?: string;
  proxySource?: string;
  route?: string;
}

/** How an attempt to open the endpoint went. */
export interface ReachFacts extends RouteFacts {
  classification: Classification;
  /** The TCP connect deadline the attempt had. */
  connectTimeoutMs: number;
  /** Why it failed, when it did. */
  failure?: PathFailure;
}

/** What node:tls said of a finished handshake. */
export type TlsFacts = NonNullable<Dialed['tls']>;

export const tlsFactsSchema = {
  type: 'object',
  required: ['protocol', 'cipher', 'alpn', 'authorized'],
  properties: {
    protocol: { type: ['string', 'null'] },
    cipher: { type: ['string', 'null'] },
    alpn: { type: ['string', 'boolean', 'null'] },
    authorized: { type: 'boolean' },
  },
} as const;

/** Properties of RouteFacts, for a facts schema. */
export const routeFactsProperties = {
  path: { enum: ['direct', 'proxy'] },
  proxy: { type: 'string' },
  proxySource: { type: 'string' },
  route: { type: 'string' },
} as const;

/** Properties and required fields of ReachFacts, for a facts schema. */
export const reachFactsProperties = {
  classification: { type: 'string' },
  ...routeFactsProperties,
  connectTimeoutMs: { type: 'number', minimum: 0 },
  failure: pathFailureSchema,
} as const;
export const reachFactsRequired = ['classification', 'path', 'connectTimeoutMs'] as const;

/** The connect deadline an option asks for, shortened to what is left of the task. */
export function connectBudgetMs(ctx: MeasureContext<unknown>, optionMs: number): number {
  return Math.min(optionMs, Math.max(50, ctx.remainingMs() - 200));
}

/** The trust (site and endpoint CAs) and server name (`tls.serverName`) an endpoint asks for, when it asks. */
export interface EndpointTls {
  secureContext?: SecureContext;
  servername?: string;
}

export async function endpointTls(ctx: MeasureContext<unknown>, ep: Endpoint): Promise<EndpointTls | undefined> {
  const secureContext = await trustFor(ctx, ep);
  const servername = (ep.extra.tls as { serverName?: string } | undefined)?.serverName;
  return secureContext || servername ? { ...(secureContext ? { secureContext } : {}), ...(servername ? { servername } : {}) } : undefined;
}

/** What an attempt gets to open the endpoint with. */
export interface Reaching {
  route: Route;
  open(target: OpenTarget): Promise<Opened>;
  tls?: EndpointTls;
  connectTimeoutMs: number;
}

export type Reached<T> = { facts: ReachFacts; value: T } | { facts: ReachFacts & { failure: PathFailure }; value?: undefined };

/**
 * Runs `attempt` along the endpoint's route. A failure of the path (a PathError or a DnsLookupError,
 * from deciding the route, resolving the name or the attempt itself) becomes facts; anything else
 * is not a measurement and is thrown, as is the task's own abort.
 */
export async function reach<T>(
  ctx: MeasureContext<unknown>,
  ep: Endpoint,
  connectTimeoutOptionMs: number,
  attempt: (r: Reaching) => Promise<T>,
): Promise<Reached<T>> {
  const connectTimeoutMs = connectBudgetMs(ctx, connectTimeoutOptionMs);
  // Unset only when the route decision itself failed: a via: proxy endpoint with no usable proxy.
  let route: Route | undefined;
  try {
    route = await routeFor(ctx, ep);
    // Through a proxy the client never resolves the name itself: the proxy does.
    if (route.path === 'direct') await lookupOnce(ctx, ep.host);
    const tls = await endpointTls(ctx, ep);
    const value = await attempt({ route, open: opener(ctx, route, connectTimeoutMs), ...(tls ? { tls } : {}), connectTimeoutMs });
    return { facts: { classification: 'ok', ...pathDetails(route), connectTimeoutMs }, value };
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (!(err instanceof PathError) && !(err instanceof DnsLookupError)) throw err;
    const failure = pathFailureOf(err);
    return {
      facts: { classification: failure.classification, ...(route ? pathDetails(route) : { path: 'proxy' }), connectTimeoutMs, failure },
    };
  }
}

/** The finding for facts whose attempt failed, worded from the failure alone. */
export function reachFailureFinding(checkId: string, facts: ReachFacts, ep: Endpoint): Finding {
  const failure = facts.failure ?? { classification: facts.classification, message: facts.classification };
  return pathFailureFinding(checkId, failure, ep, unreachableSeverity(ep), facts.connectTimeoutMs);
}

export const reachMessages: { en: Catalog; 'zh-CN': Catalog } = {
  en: {
    'reach.block.connection': 'Connection',
    'reach.block.failure': 'Failure',
    'reach.path': 'Path',
    'reach.path.direct': 'direct',
    'reach.path.proxy': 'through the proxy {proxy}',
    'reach.route': 'Route decided by',
    'reach.address': 'Address',
    'reach.connectMs': 'TCP connect (ms)',
    'reach.tunnelMs': 'Proxy tunnel (ms)',
    'reach.tlsMs': 'TLS handshake (ms)',
    'reach.tls.protocol': 'TLS version',
    'reach.tls.cipher': 'Cipher suite',
    'reach.tls.alpn': 'ALPN',
    'reach.tls.authorized': 'Certificate verified',
    'reach.failure.classification': 'Classification',
    'reach.failure.phase': 'Phase',
    'reach.failure.code': 'Code',
    'reach.failure.message': 'Error',
  },
  'zh-CN': {
    'reach.block.connection': '连接',
    'reach.block.failure': '失败',
    'reach.path': '路径',
    'reach.path.direct': '直连',
    'reach.path.proxy': '经代理 {proxy}',
    'reach.route': '路由依据',
    'reach.address': '地址',
    'reach.connectMs': 'TCP 建连（毫秒）',
    'reach.tunnelMs': '代理隧道（毫秒）',
    'reach.tlsMs': 'TLS 握手（毫秒）',
    'reach.tls.protocol': 'TLS 版本',
    'reach.tls.cipher': '密码套件',
    'reach.tls.alpn': 'ALPN',
    'reach.tls.authorized': '证书已验证',
    'reach.failure.classification': '分类',
    'reach.failure.phase': '阶段',
    'reach.failure.code': '代码',
    'reach.failure.message': '错误',
  },
};

/**
 * The connection as a person reads it: the path, where it went, how long each step took and what
 * TLS was agreed — or, when it failed, where and why.
 */
export function connectionBlock(
  facts: ReachFacts,
  seen: { address?: string; timings?: { connectMs?: number; tunnelMs?: number; tlsMs?: number }; tls?: TlsFacts } = {},
): KeyValueBlock {
  const items: KeyValueBlock['items'] = [
    {
      label: { id: 'reach.path' },
      value: facts.path === 'proxy' ? { id: 'reach.path.proxy', params: { proxy: facts.proxy ?? '?' } } : { id: 'reach.path.direct' },
    },
  ];
  if (facts.route) items.push({ label: { id: 'reach.route' }, value: facts.route });
  if (seen.address) items.push({ label: { id: 'reach.address' }, value: seen.address });
  const t = seen.timings ?? {};
  if (t.connectMs !== undefined) items.push({ label: { id: 'reach.connectMs' }, value: t.connectMs });
  if (t.tunnelMs !== undefined) items.push({ label: { id: 'reach.tunnelMs' }, value: t.tunnelMs });
  if (t.tlsMs !== undefined) items.push({ label: { id: 'reach.tlsMs' }, value: t.tlsMs });
  if (seen.tls) {
    items.push(
      { label: { id: 'reach.tls.protocol' }, value: seen.tls.protocol },
      { label: { id: 'reach.tls.cipher' }, value: seen.tls.cipher },
      { label: { id: 'reach.tls.alpn' }, value: seen.tls.alpn || null },
      { label: { id: 'reach.tls.authorized' }, value: seen.tls.authorized },
    );
  }
  return { kind: 'key-value', title: { id: 'reach.block.connection' }, items };
}

/** Where and why an attempt failed, as the error said it. */
export function failureBlock(failure: PathFailure): KeyValueBlock {
  return {
    kind: 'key-value',
    title: { id: 'reach.block.failure' },
    items: [
      { label: { id: 'reach.failure.classification' }, value: failure.classification },
      ...(failure.phase ? [{ label: { id: 'reach.failure.phase' }, value: failure.phase }] : []),
      ...(failure.code ? [{ label: { id: 'reach.failure.code' }, value: failure.code }] : []),
      { label: { id: 'reach.failure.message' }, value: failure.message },
    ],
  };
}
