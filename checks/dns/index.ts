// Resolution of every endpoint host name, once per run: the addresses, the time taken and how it
// failed. Measuring records the answer; judging decides what a failure means for the endpoints on
// the host (blocked anyway, reached through a proxy, or needed by clients).

import { defineCheck, type Block, type Endpoint, type KeyValueBlock, type Severity, type Target } from '../../src/plugin-api.js';
import { DnsLookupError, type DnsAnswer, type DnsFailureKind, type ResolvedAddress } from '../../src/net/dns.js';
import { pathFailureFinding, pathMessages } from '../../src/net/path-messages.js';
import { routeFor } from '../../src/net/proxy.js';
import { lookupOnce, timingScore } from '../../src/net/shared.js';
import { unreachableSeverity } from '../../src/net/endpoint-severity.js';
import planning, { type Options } from './plan.js';

const messages = {
  en: {
    ...pathMessages.en,
    'dns.slow': '{host} took {ms} ms to resolve (over {limit} ms).',
    'dns.slow.fix': "Slow resolution delays every reconnect: check the site resolver's forwarders and caching.",
    'dns.block.lookup': 'Lookup',
    'dns.block.addresses': 'Addresses',
    'dns.resolver': 'Resolver',
    'dns.resolver.system': 'the system resolver',
    'dns.resolver.literal': 'none (an IP literal)',
    'dns.resolveMs': 'Time (ms)',
    'dns.endpoints': 'Endpoints on this host',
    'dns.kind': 'Failure',
    'dns.code': 'Code',
    'dns.col.address': 'Address',
    'dns.col.family': 'Family',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    'dns.slow': '{host} 解析用时 {ms} 毫秒（超过 {limit} 毫秒）。',
    'dns.slow.fix': '解析缓慢会拖慢每次重连：检查站点 DNS 的转发器和缓存。',
    'dns.block.lookup': '解析',
    'dns.block.addresses': '地址',
    'dns.resolver': '解析器',
    'dns.resolver.system': '系统解析器',
    'dns.resolver.literal': '无（IP 字面量）',
    'dns.resolveMs': '用时（毫秒）',
    'dns.endpoints': '该主机上的端点',
    'dns.kind': '失败类型',
    'dns.code': '代码',
    'dns.col.address': '地址',
    'dns.col.family': '协议族',
  },
};

/** One host's resolution. Compliance reads `addresses` and `endpoints`. */
export interface DnsFacts {
  host: string;
  classification: 'ok' | 'dns-failure';
  /** Names of the endpoints on this host, when it was resolved. */
  endpoints: string[];
  resolver: DnsAnswer['resolver'];
  /** How long the lookup took (to its answer, or to its failure), ms. */
  resolveMs: number;
  addresses?: ResolvedAddress[];
  /** How it failed. */
  kind?: DnsFailureKind;
  code?: string;
  message?: string;
  /** A failed lookup: 'proxy' when every endpoint on this host goes through a proxy (clients never resolve the name). */
  path?: 'direct' | 'proxy';
}

const factsSchema = {
  type: 'object',
  required: ['host', 'classification', 'endpoints', 'resolver', 'resolveMs'],
  properties: {
    host: { type: 'string' },
    classification: { enum: ['ok', 'dns-failure'] },
    endpoints: { type: 'array', items: { type: 'string' } },
    resolver: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    resolveMs: { type: 'number', minimum: 0 },
    addresses: {
      type: 'array',
      items: { type: 'object', required: ['address', 'family'], properties: { address: { type: 'string' }, family: { enum: [4, 6] } } },
    },
    kind: { enum: ['nxdomain', 'nodata', 'servfail', 'refused', 'timeout', 'no-resolver', 'other'] },
    code: { type: 'string' },
    message: { type: 'string' },
    path: { enum: ['direct', 'proxy'] },
  },
} as const;

export default defineCheck<Options, DnsFacts>({
  ...planning,
  facts: { version: 1, schema: factsSchema },
  messages,

  async measure(ctx, target) {
    const endpoints = endpointsOf(target);
    const base = { host: target.id, endpoints: endpoints.map((e) => e.name) };
    try {
      const answer = await lookupOnce(ctx, target.id);
      return { ...base, classification: 'ok', resolver: answer.resolver, resolveMs: answer.durationMs, addresses: answer.addresses };
    } catch (err) {
      if (!(err instanceof DnsLookupError)) throw err;
      // Clients that reach every endpoint on this host through the proxy never resolve it themselves.
      const routes = await Promise.all(endpoints.map((e) => routeFor(ctx, e).catch(() => undefined)));
      return {
        ...base,
        classification: 'dns-failure',
        resolver: err.resolver,
        resolveMs: err.durationMs,
        kind: err.kind,
        ...(err.code ? { code: err.code } : {}),
        message: err.message,
        path: routes.every((r) => r?.path === 'proxy') ? 'proxy' : 'direct',
      };
    }
  },

  judge(facts, { options, threshold, target }) {
    const endpoints = endpointsOf(target);
    if (facts.classification === 'ok') {
      const slowMs = threshold('resolveMs', options.slowMs);
      const measurements = [
        { id: 'resolveMs', value: facts.resolveMs, unit: 'ms', threshold: { max: slowMs } },
        { id: 'addresses', value: facts.addresses?.length ?? 0, unit: 'count' },
      ];
      if (facts.resolveMs <= slowMs) return { score: 1, measurements };
      return {
        // Slower than the target is a finding, so never a pass whatever the curve says.
        score: Math.min(timingScore(facts.resolveMs, slowMs, slowMs * 4, 0.7), 0.89),
        measurements,
        findings: [
          {
            id: 'dns.slow',
            severity: 'low',
            message: { id: 'dns.slow', params: { host: facts.host, ms: facts.resolveMs, limit: slowMs } },
            remediation: { id: 'dns.slow.fix' },
          },
        ],
      };
    }
    const measurements = [{ id: 'resolveMs', value: facts.resolveMs, unit: 'ms' }];
    // A host that only serves ports the policy wants blocked may as well not resolve.
    if (endpoints.length && endpoints.every((e) => e.expect === 'blocked')) return { score: 1, measurements };
    if (facts.path === 'proxy') return { score: null, measurements };
    const worst = endpoints.map(unreachableSeverity).sort((a, b) => rank(b) - rank(a))[0] ?? 'critical';
    const failure = {
      classification: 'dns-failure' as const,
      message: facts.message ?? facts.kind ?? 'dns-failure',
      dns: { kind: facts.kind ?? 'other', ...(facts.code ? { code: facts.code } : {}), resolver: facts.resolver },
    };
    const named = { ...target.endpoint!, name: endpoints.map((e) => e.name).join(', ') || facts.host };
    return { score: 0, measurements, findings: [pathFailureFinding('dns', failure, named, worst, 0)] };
  },

  present(facts) {
    const resolver =
      facts.resolver === 'system' || facts.resolver === 'literal'
        ? { id: `dns.resolver.${facts.resolver}` }
        : [facts.resolver].flat().join(', ');
    const lookup: KeyValueBlock = {
      kind: 'key-value',
      title: { id: 'dns.block.lookup' },
      items: [
        { label: { id: 'dns.resolver' }, value: resolver },
        { label: { id: 'dns.resolveMs' }, value: facts.resolveMs },
        { label: { id: 'dns.endpoints' }, value: facts.endpoints.join(', ') },
        ...(facts.kind ? [{ label: { id: 'dns.kind' }, value: facts.kind }] : []),
        ...(facts.code ? [{ label: { id: 'dns.code' }, value: facts.code }] : []),
      ],
    };
    const blocks: Block[] = [lookup];
    if (facts.addresses?.length) {
      blocks.push({
        kind: 'table',
        title: { id: 'dns.block.addresses' },
        columns: [
          { key: 'address', label: { id: 'dns.col.address' } },
          { key: 'family', label: { id: 'dns.col.family' } },
        ],
        rows: facts.addresses.map((a) => ({ address: a.address, family: `IPv${a.family}` })),
      });
    }
    return blocks;
  },
});

function endpointsOf(target: Target): Endpoint[] {
  return (target.data?.endpoints as Endpoint[] | undefined) ?? (target.endpoint ? [target.endpoint] : []);
}

function rank(s: Severity): number {
  return ['info', 'low', 'medium', 'high', 'critical'].indexOf(s);
}
