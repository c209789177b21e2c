// One GET per http/https endpoint along its route: status, time to first byte, every redirect hop,
// the TLS agreed, and the phase of a failure. Measuring records the answer; judging applies the
// endpoint's expected statuses and the time-to-first-byte threshold.

import { defineCheck, type Block, type Endpoint, type Finding, type Severity } from '../../src/plugin-api.js';
import { BODY_TOO_LONG, httpProbe, type HttpHop } from '../../src/net/http.js';
import { pathMessages, type PathFailure } from '../../src/net/path-messages.js';
import { basicAuth } from '../../src/net/proxy.js';
import {
  connectionBlock,
  failureBlock,
  reach,
  reachFactsProperties,
  reachFactsRequired,
  reachFailureFinding,
  reachMessages,
  tlsFactsSchema,
  type ReachFacts,
  type TlsFacts,
} from '../../src/net/reach.js';
import { probeBudgetMs, timingScore } from '../../src/net/shared.js';
import { unreachableSeverity } from '../../src/net/endpoint-severity.js';
import { round } from '../../src/util/number.js';
import planning, { type Options } from './plan.js';

const messages = {
  en: {
    ...pathMessages.en,
    ...reachMessages.en,
    'http.status': '{endpoint}: {url} answered HTTP {status}, expected {expected}.',
    'http.status.fix': 'Check the URL in the site file and the service behind it; a 5xx is the server or a gateway in front of it failing.',
    'http.slow': '{endpoint}: first byte after {ms} ms (target ≤ {limit} ms).',
    'http.slow.fix': "Slow first bytes delay logins and message history: check the path to {host} and the server's response time.",
    'http.redirects': '{endpoint}: stopped after {count} redirects.',
    'http.redirects.fix': 'Point the site file at the final URL, or fix the redirect loop.',
    'http.body-too-long': "{endpoint}: the answer's body was still coming after {limit} bytes ({framing}); it never completed.",
    'http.body-too-long.fix':
      'An endpoint URL answers with a page or a small document: check the URL, and a server or proxy that streams without end. If this endpoint really serves large files, raise checks.http.maxBodyBytes.',
    'http.framing.chunked': 'chunked, and the last chunk never came',
    'http.framing.length': 'it announced Content-Length {contentLength}',
    'http.framing.close': 'no length given: it ends only when the connection closes',
    'http.expected.default': '2xx/3xx/401/403',
    'http.block.hops': 'Requests',
    'http.col.url': 'URL',
    'http.col.status': 'Status',
    'http.col.address': 'Address',
    'http.col.connect': 'Connect (ms)',
    'http.col.tls': 'TLS (ms)',
    'http.col.ttfb': 'First byte (ms)',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    ...reachMessages['zh-CN'],
    'http.status': '{endpoint}：{url} 返回 HTTP {status}，预期为 {expected}。',
    'http.status.fix': '检查站点文件中的 URL 及其后端服务；5xx 表示服务器或其前端网关故障。',
    'http.slow': '{endpoint}：首字节用时 {ms} 毫秒（目标 ≤ {limit} 毫秒）。',
    'http.slow.fix': '首字节缓慢会拖慢登录和消息历史加载：检查到 {host} 的路径和服务器响应时间。',
    'http.redirects': '{endpoint}：重定向 {count} 次后停止。',
    'http.redirects.fix': '在站点文件中使用最终 URL，或修复重定向循环。',
    'http.body-too-long': '{endpoint}：应答正文超过 {limit} 字节仍未结束（{framing}），始终没有完成。',
    'http.body-too-long.fix':
      '端点 URL 应返回一个页面或一份小文档：请检查 URL，以及是否有服务器或代理在无休止地发送数据。若该端点确实提供大文件，请调高 checks.http.maxBodyBytes。',
    'http.framing.chunked': '分块传输，但最后一个分块始终未到',
    'http.framing.length': '声明的 Content-Length 为 {contentLength}',
    'http.framing.close': '未给出长度：只在连接关闭时结束',
    'http.expected.default': '2xx/3xx/401/403',
    'http.block.hops': '请求',
    'http.col.url': 'URL',
    'http.col.status': '状态',
    'http.col.address': '地址',
    'http.col.connect': '建连（毫秒）',
    'http.col.tls': 'TLS（毫秒）',
    'http.col.ttfb': '首字节（毫秒）',
  },
};

export type { HttpHop, TlsFacts };

/**
 * How the GET went. `classification` is the answer's class by HTTP's own rules: `ok` for 2xx, 3xx,
 * 401 and 403 (reachable: an API that wants credentials answers), `http-error` for any other status
 * or a redirect still pending after `maxRedirects` hops; the endpoint's `expectStatus` is applied
 * by the judge, not here.
 */
export interface HttpFacts extends ReachFacts {
  /** The URL asked for. */
  url: string;
  /** Redirects the probe would follow. */
  maxRedirects: number;
  /** The last answer's status (absent when no answer came). */
  status?: number;
  finalUrl?: string;
  hops?: HttpHop[];
  tls?: TlsFacts;
}

const hopSchema = {
  type: 'object',
  required: ['url', 'status', 'timings'],
  properties: {
    url: { type: 'string' },
    status: { type: 'integer' },
    location: { type: 'string' },
    address: { type: 'string' },
    path: { enum: ['direct', 'proxy'] },
    timings: {
      type: 'object',
      required: ['ttfbMs'],
      properties: { connectMs: { type: 'number' }, tunnelMs: { type: 'number' }, tlsMs: { type: 'number' }, ttfbMs: { type: 'number' } },
    },
  },
} as const;

const factsSchema = {
  type: 'object',
  required: [...reachFactsRequired, 'url', 'maxRedirects'],
  properties: {
    ...reachFactsProperties,
    url: { type: 'string' },
    maxRedirects: { type: 'integer', minimum: 0 },
    status: { type: 'integer' },
    finalUrl: { type: 'string' },
    hops: { type: 'array', items: hopSchema },
    tls: tlsFactsSchema,
  },
} as const;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A redirect still pending after maxRedirects hops is a loop (or too long a chain), not an answer. */
function redirectsExhausted(status: number, hops: HttpHop[], maxRedirects: number): boolean {
  return REDIRECTS.has(status) && hops.length > maxRedirects && hops.at(-1)?.location !== undefined;
}

/** Reachable by HTTP(S) means answered: auth-protected APIs answer 401/403 and are reachable. */
function answered(status: number, hops: HttpHop[], maxRedirects: number): boolean {
  return ((status >= 200 && status < 400) || status === 401 || status === 403) && !redirectsExhausted(status, hops, maxRedirects);
}

export default defineCheck<Options, HttpFacts>({
  ...planning,
  facts: { version: 1, schema: factsSchema },
  messages,

  async measure(ctx, target) {
    const ep = target.endpoint!;
    const { maxRedirects } = ctx.options;
    const asked = { url: ep.url!, maxRedirects };
    const got = await reach(ctx, ep, ctx.options.connectTimeoutMs, ({ route, open, tls, connectTimeoutMs }) =>
      httpProbe({
        url: ep.url!,
        open,
        ...(route.path === 'proxy' ? { proxyForPlainHttp: route.proxy.auth ? { authorization: basicAuth(route.proxy.auth) } : {} } : {}),
        ...(tls ? { tls } : {}),
        connectTimeoutMs,
        timeoutMs: probeBudgetMs(ctx),
        maxRedirects,
        maxBodyBytes: ctx.options.maxBodyBytes,
        signal: ctx.signal,
      }),
    );
    if (!got.value) return { ...got.facts, ...asked };
    const res = got.value;
    return {
      ...got.facts,
      ...asked,
      classification: answered(res.status, res.hops, maxRedirects) ? 'ok' : 'http-error',
      status: res.status,
      finalUrl: res.finalUrl,
      hops: res.hops,
      ...(res.tls ? { tls: res.tls } : {}),
    };
  },

  judge(facts, { options, threshold, target }) {
    const ep = target.endpoint!;
    const severity = unreachableSeverity(ep);
    if (facts.failure || facts.status === undefined || !facts.hops) {
      return {
        score: 0,
        findings: [
          facts.failure?.code === BODY_TOO_LONG ? bodyTooLong(ep, facts.failure, severity) : reachFailureFinding('http', facts, ep),
        ],
      };
    }
    const { status, hops } = facts;
    const slowMs = threshold('ttfbMs', options.slowMs);
    const ttfbMs = round(hops.reduce((a, h) => a + h.timings.ttfbMs, 0));
    const first = hops[0]?.timings;
    const measurements = [
      { id: 'status', value: status },
      { id: 'ttfbMs', value: ttfbMs, unit: 'ms', threshold: { max: slowMs } },
      { id: 'redirects', value: hops.length - 1, unit: 'count' },
      ...(first?.connectMs !== undefined ? [{ id: 'connectMs', value: first.connectMs, unit: 'ms' }] : []),
      ...(first?.tlsMs !== undefined ? [{ id: 'tlsHandshakeMs', value: first.tlsMs, unit: 'ms' }] : []),
    ];
    const okStatus = ep.expectStatus ? ep.expectStatus.includes(status) : answered(status, hops, facts.maxRedirects);
    if (!okStatus) {
      const finding: Finding =
        status >= 300 && status < 400
          ? {
              id: 'http.redirects',
              severity,
              message: { id: 'http.redirects', params: { endpoint: ep.name, count: hops.length - 1 } },
              remediation: { id: 'http.redirects.fix' },
            }
          : {
              id: 'http.status',
              severity,
              message: {
                id: 'http.status',
                params: {
                  endpoint: ep.name,
                  url: facts.finalUrl ?? facts.url,
                  status,
                  expected: ep.expectStatus?.join('/') ?? { id: 'http.expected.default' },
                },
              },
              remediation: { id: 'http.status.fix' },
              evidence: { hops },
            };
      return { score: 0, measurements, findings: [finding] };
    }
    if (ttfbMs <= slowMs) return { score: 1, measurements };
    return {
      // A first byte over the target is a finding, so never a pass whatever the curve says.
      score: Math.min(timingScore(ttfbMs, slowMs, slowMs * 3), 0.89),
      measurements,
      findings: [
        {
          id: 'http.slow',
          severity: 'medium',
          message: { id: 'http.slow', params: { endpoint: ep.name, ms: Math.round(ttfbMs), limit: slowMs } },
          remediation: { id: 'http.slow.fix', params: { host: ep.host } },
        },
      ],
    };
  },

  present(facts) {
    const blocks: Block[] = [];
    if (facts.hops?.length) {
      blocks.push({
        kind: 'table',
        title: { id: 'http.block.hops' },
        columns: [
          { key: 'url', label: { id: 'http.col.url' } },
          { key: 'status', label: { id: 'http.col.status' }, numeric: true },
          { key: 'address', label: { id: 'http.col.address' } },
          { key: 'connect', label: { id: 'http.col.connect' }, numeric: true },
          { key: 'tls', label: { id: 'http.col.tls' }, numeric: true },
          { key: 'ttfb', label: { id: 'http.col.ttfb' }, numeric: true },
        ],
        rows: facts.hops.map((h) => ({
          url: h.url,
          status: h.status,
          address: h.address ?? null,
          connect: h.timings.connectMs ?? null,
          tls: h.timings.tlsMs ?? null,
          ttfb: h.timings.ttfbMs,
        })),
      });
    }
    blocks.push(connectionBlock(facts, facts.tls ? { tls: facts.tls } : {}));
    if (facts.failure) blocks.push(failureBlock(facts.failure));
    return blocks;
  },
});

/** An answer whose body never ended within maxBodyBytes. */
function bodyTooLong(ep: Endpoint, failure: PathFailure, severity: Severity): Finding {
  const d = failure.detail ?? {};
  const contentLength = String(d.contentLength ?? '-');
  const framing = { id: `http.framing.${String(d.framing)}`, params: { contentLength } };
  return {
    id: 'http.body-too-long',
    severity,
    message: { id: 'http.body-too-long', params: { endpoint: ep.name, limit: Number(d.limit), framing } },
    remediation: { id: 'http.body-too-long.fix' },
    evidence: { ...d },
  };
}
