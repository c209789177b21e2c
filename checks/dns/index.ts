import { defineCheck, type Endpoint, type Target } from '../../src/plugin-api.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { pathFinding, pathMessages } from '../../src/net/path-messages.js';
import { lookupOnce, timingScore, unreachableSeverity } from '../../src/net/shared.js';
import { routeFor } from '../../src/net/proxy.js';
import { isIP } from 'node:net';

const messages = {
  en: {
    ...pathMessages.en,
    'dns.slow': '{host} took {ms} ms to resolve (over {limit} ms).',
    'dns.slow.fix': 'Slow resolution delays every reconnect: check the site resolver\'s forwarders and caching.',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    'dns.slow': '{host} 解析用时 {ms} 毫秒（超过 {limit} 毫秒）。',
    'dns.slow.fix': '解析缓慢会拖慢每次重连：检查站点 DNS 的转发器和缓存。',
  },
};

interface Options {
  slowMs: number;
}

/** Resolution of every endpoint host name: addresses, time, and how it failed. */
export default defineCheck<Options>({
  meta: {
    id: 'dns',
    title: 'Endpoint host names resolve',
    failureTitle: 'Endpoint host names do not resolve',
    description:
      'Resolves every endpoint host name once, with the site resolver (`network.dns.servers`) or the system one, ' +
      'and records the addresses, the time taken and the failure kind (NXDOMAIN, NODATA, SERVFAIL, REFUSED, timeout). ' +
      'The answer is shared with the tcp, http and websocket checks, which connect to exactly these addresses.',
    category: 'network',
    severity: 'critical',
    weight: 2,
    timeoutMs: 8000,
    references: [
      { title: 'RFC 1035 — Domain names: implementation and specification' },
      { title: 'RFC 2308 — Negative caching of DNS queries (NXDOMAIN vs NODATA)', clause: '§1, §2' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: { slowMs: { type: 'number', minimum: 1 }, timeoutMs: { type: 'integer', minimum: 100 } },
    },
    defaults: { slowMs: 500 },
  },
  messages,
  targets(site) {
    const byHost = new Map<string, Endpoint[]>();
    for (const ep of site.platform.endpoints) {
      if (isIP(ep.host)) continue;
      const key = ep.host.toLowerCase();
      byHost.set(key, [...(byHost.get(key) ?? []), ep]);
    }
    return [...byHost.entries()].map(([host, eps]): Target => ({
      id: host,
      endpoint: eps[0]!,
      location: site.locate(`${eps[0]!.location.path}/${eps[0]!.url ? 'url' : 'host'}`),
      data: { endpoints: eps },
    }));
  },
  async run(ctx, target) {
    const endpoints = target.data!.endpoints as Endpoint[];
    const expectBlocked = endpoints.every((e) => e.expect === 'blocked');
    const expect = expectBlocked ? 'blocked' : 'reachable';
    const host = target.id;
    const slowMs = ctx.threshold('resolveMs', ctx.options.slowMs);
    try {
      const answer = await lookupOnce(ctx, host);
      const slow = answer.durationMs > slowMs;
      const score = timingScore(answer.durationMs, slowMs, slowMs * 4, 0.7);
      return {
        status: slow ? 'warn' : 'pass',
        score,
        measurements: [
          { id: 'resolveMs', value: answer.durationMs, unit: 'ms', threshold: { max: slowMs } },
          { id: 'addresses', value: answer.addresses.length, unit: 'count' },
        ],
        findings: slow
          ? [{ id: 'dns.slow', severity: 'low', message: { id: 'dns.slow', params: { host, ms: answer.durationMs, limit: slowMs } }, remediation: { id: 'dns.slow.fix' } }]
          : [],
        details: {
          classification: 'ok',
          expect,
          addresses: answer.addresses,
          resolver: answer.resolver,
          endpoints: endpoints.map((e) => e.name),
        },
      };
    } catch (err) {
      if (!(err instanceof DnsLookupError)) throw err;
      const details = {
        classification: 'dns-failure',
        expect,
        kind: err.kind,
        ...(err.code ? { code: err.code } : {}),
        resolver: err.resolver,
        endpoints: endpoints.map((e) => e.name),
      };
      const measurements = [{ id: 'resolveMs', value: err.durationMs, unit: 'ms' }];
      // A host that only serves ports the policy wants blocked may as well not resolve.
      if (expectBlocked) return { status: 'pass', score: 1, measurements, details };
      // Clients that reach every endpoint on this host through the proxy never resolve it themselves.
      const routes = await Promise.all(endpoints.map((e) => routeFor(ctx, e).catch(() => undefined)));
      if (routes.every((r) => r?.path === 'proxy')) return { status: 'info', score: null, measurements, details: { ...details, path: 'proxy' } };
      const worst = endpoints.map(unreachableSeverity).sort((a, b) => rank(b) - rank(a))[0]!;
      return {
        status: 'fail',
        score: 0,
        measurements,
        findings: [pathFinding('dns', err, { ...target.endpoint!, name: endpoints.map((e) => e.name).join(', ') }, worst, 0)],
        details,
      };
    }
  },
});

function rank(s: string): number {
  return ['info', 'low', 'medium', 'high', 'critical'].indexOf(s);
}
