import { commonOptions, defineCheck, type Endpoint, type Finding, type Severity } from '../../src/plugin-api.js';
import { PathError, failureDetails } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { BODY_TOO_LONG, DEFAULT_MAX_BODY_BYTES, httpProbe } from '../../src/net/http.js';
import { pathFinding, pathMessages } from '../../src/net/path-messages.js';
import { lookupOnce, probeBudgetMs, timingScore, trustFor, unreachableSeverity } from '../../src/net/shared.js';
import { basicAuth, routeFor, type Route } from '../../src/net/proxy.js';
import { opener } from '../../src/net/route-connect.js';
import { pathDetails } from '../../src/net/path-messages.js';

const messages = {
  en: {
    ...pathMessages.en,
    'http.status': '{endpoint}: {url} answered HTTP {status}, expected {expected}.',
    'http.status.fix': 'Check the URL in the site file and the service behind it; a 5xx is the server or a gateway in front of it failing.',
    'http.slow': '{endpoint}: first byte after {ms} ms (target ≤ {limit} ms).',
    'http.slow.fix': 'Slow first bytes delay logins and message history: check the path to {host} and the server\'s response time.',
    'http.redirects': '{endpoint}: stopped after {count} redirects.',
    'http.redirects.fix': 'Point the site file at the final URL, or fix the redirect loop.',
    'http.body-too-long': '{endpoint}: the answer\'s body was still coming after {limit} bytes ({framing}); it never completed.',
    'http.body-too-long.fix': 'An endpoint URL answers with a page or a small document: check the URL, and a server or proxy that streams without end. If this endpoint really serves large files, raise checks.http.maxBodyBytes.',
    'http.framing.chunked': 'chunked, and the last chunk never came',
    'http.framing.length': 'it announced Content-Length {contentLength}',
    'http.framing.close': 'no length given: it ends only when the connection closes',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    'http.status': '{endpoint}：{url} 返回 HTTP {status}，预期为 {expected}。',
    'http.status.fix': '检查站点文件中的 URL 及其后端服务；5xx 表示服务器或其前端网关故障。',
    'http.slow': '{endpoint}：首字节用时 {ms} 毫秒（目标 ≤ {limit} 毫秒）。',
    'http.slow.fix': '首字节缓慢会拖慢登录和消息历史加载：检查到 {host} 的路径和服务器响应时间。',
    'http.redirects': '{endpoint}：重定向 {count} 次后停止。',
    'http.redirects.fix': '在站点文件中使用最终 URL，或修复重定向循环。',
    'http.body-too-long': '{endpoint}：应答正文超过 {limit} 字节仍未结束（{framing}），始终没有完成。',
    'http.body-too-long.fix': '端点 URL 应返回一个页面或一份小文档：请检查 URL，以及是否有服务器或代理在无休止地发送数据。若该端点确实提供大文件，请调高 checks.http.maxBodyBytes。',
    'http.framing.chunked': '分块传输，但最后一个分块始终未到',
    'http.framing.length': '声明的 Content-Length 为 {contentLength}',
    'http.framing.close': '未给出长度：只在连接关闭时结束',
  },
};

interface Options {
  connectTimeoutMs: number;
  maxRedirects: number;
  maxBodyBytes: number;
  slowMs: number;
}

/** Reachable by HTTP(S) means answered: auth-protected APIs answer 401/403 and are reachable. */
const DEFAULT_OK = (s: number) => (s >= 200 && s < 400) || s === 401 || s === 403;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One GET per http/https endpoint: status, time to first byte, redirects, TLS failure kind. */
export default defineCheck<Options>({
  meta: {
    id: 'http',
    title: 'HTTP(S) endpoints answer',
    failureTitle: 'HTTP(S) endpoints do not answer',
    description:
      'Sends one GET to every http/https endpoint over the addresses the dns check found, follows redirects by hand ' +
      '(each hop recorded), and records the status, the time to first byte (connect + TLS + server time), the TLS ' +
      'version and cipher. A failure is classified by the phase it happened in: refused / filtered / unreachable at ' +
      'connect, `tls-failure` with its kind (expired, self-signed, untrusted issuer, hostname mismatch, protocol ' +
      'mismatch, reset during the handshake), or `http-error` (unexpected status). 401 and 403 count as reachable ' +
      'unless `expectStatus` says otherwise. Certificates are verified against Node\'s roots plus `security.trust.caFile`.',
    category: 'network',
    severity: 'critical',
    weight: 3,
    timeoutMs: 15000,
    references: [
      { title: 'RFC 9110 — HTTP Semantics', clause: '§15 (status codes)' },
      { title: 'RFC 5280 — Internet X.509 PKI certificate and CRL profile', clause: '§6 (path validation)' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        maxRedirects: { type: 'integer', minimum: 0, maximum: 20 },
        maxBodyBytes: { type: 'integer', minimum: 1024, description: 'the longest body an answer may have; one still coming past it fails' },
        slowMs: { type: 'number', minimum: 1 },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000, maxRedirects: 5, maxBodyBytes: DEFAULT_MAX_BODY_BYTES, slowMs: 1000 },
  },
  messages,
  targets(site) {
    return site.platform.endpoints
      .filter((ep) => (ep.protocol === 'http' || ep.protocol === 'https') && ep.expect === 'reachable')
      .map((ep) => ({ id: ep.name, endpoint: ep, location: ep.location }));
  },
  async run(ctx, target) {
    const ep = target.endpoint!;
    const severity = unreachableSeverity(ep);
    const connectTimeoutMs = Math.min(ctx.options.connectTimeoutMs, Math.max(50, ctx.remainingMs() - 200));
    const slowMs = ctx.threshold('ttfbMs', ctx.options.slowMs);
    // Unset only when the route decision itself failed: a via: proxy endpoint with no usable proxy.
    let route: Route | undefined;
    try {
      route = await routeFor(ctx, ep);
      // Through a proxy the client never resolves the name itself: the proxy does.
      if (route.path === 'direct') await lookupOnce(ctx, ep.host);
      const ca = await trustFor(ctx, ep);
      const serverName = (ep.extra.tls as { serverName?: string } | undefined)?.serverName;
      const res = await httpProbe({
        url: ep.url!,
        open: opener(ctx, route, connectTimeoutMs),
        ...(route.path === 'proxy' ? { proxyForPlainHttp: route.proxy.auth ? { authorization: basicAuth(route.proxy.auth) } : {} } : {}),
        ...(ca || serverName ? { tls: { ...(ca ? { secureContext: ca } : {}), ...(serverName ? { servername: serverName } : {}) } } : {}),
        connectTimeoutMs,
        timeoutMs: probeBudgetMs(ctx),
        maxRedirects: ctx.options.maxRedirects,
        maxBodyBytes: ctx.options.maxBodyBytes,
        signal: ctx.signal,
      });
      // A redirect still pending after maxRedirects hops is a loop (or too long a chain), not an answer.
      const redirectsExhausted = REDIRECTS.has(res.status) && res.hops.length > ctx.options.maxRedirects && res.hops.at(-1)?.location !== undefined;
      const okStatus = ep.expectStatus ? ep.expectStatus.includes(res.status) : !redirectsExhausted && DEFAULT_OK(res.status);
      const details = {
        classification: okStatus ? 'ok' : 'http-error',
        expect: ep.expect,
        ...pathDetails(route),
        status: res.status,
        finalUrl: res.finalUrl,
        hops: res.hops,
        ...(res.tls ? { tls: res.tls } : {}),
      };
      const measurements = [
        { id: 'status', value: res.status },
        { id: 'ttfbMs', value: res.ttfbMs, unit: 'ms', threshold: { max: slowMs } },
        { id: 'redirects', value: res.hops.length - 1, unit: 'count' },
        ...(res.hops[0]?.timings.connectMs !== undefined ? [{ id: 'connectMs', value: res.hops[0].timings.connectMs, unit: 'ms' }] : []),
        ...(res.hops[0]?.timings.tlsMs !== undefined ? [{ id: 'tlsHandshakeMs', value: res.hops[0].timings.tlsMs, unit: 'ms' }] : []),
      ];
      const findings: Finding[] = [];
      if (!okStatus) {
        const redirected = res.status >= 300 && res.status < 400;
        findings.push(
          redirected
            ? { id: 'http.redirects', severity, message: { id: 'http.redirects', params: { endpoint: ep.name, count: res.hops.length - 1 } }, remediation: { id: 'http.redirects.fix' } }
            : {
                id: 'http.status',
                severity,
                message: { id: 'http.status', params: { endpoint: ep.name, url: res.finalUrl, status: res.status, expected: ep.expectStatus?.join('/') ?? '2xx/3xx/401/403' } },
                remediation: { id: 'http.status.fix' },
                evidence: { hops: res.hops },
              },
        );
        return { status: 'fail', score: 0, measurements, findings, details };
      }
      if (res.ttfbMs > slowMs) {
        findings.push({
          id: 'http.slow',
          severity: 'medium',
          message: { id: 'http.slow', params: { endpoint: ep.name, ms: Math.round(res.ttfbMs), limit: slowMs } },
          remediation: { id: 'http.slow.fix', params: { host: ep.host } },
        });
      }
      return { status: findings.length ? 'warn' : 'pass', score: timingScore(res.ttfbMs, slowMs, slowMs * 3), measurements, findings, details };
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (!(err instanceof PathError) && !(err instanceof DnsLookupError)) throw err;
      const classification = err instanceof DnsLookupError ? 'dns-failure' : err.classification;
      return {
        status: 'fail',
        score: 0,
        findings: [err instanceof PathError && err.code === BODY_TOO_LONG ? bodyTooLong(ep, err, severity) : pathFinding('http', err, ep, severity, connectTimeoutMs)],
        details: {
          classification,
          expect: ep.expect,
          ...(route ? pathDetails(route) : { path: 'proxy' }),
          ...(err instanceof PathError ? failureDetails(err) : { dnsKind: err.kind }),
        },
      };
    }
  },
});

/** An answer whose body never ended within maxBodyBytes. */
function bodyTooLong(ep: Endpoint, err: PathError, severity: Severity): Finding {
  const d = err.detail ?? {};
  const params = { endpoint: ep.name, limit: Number(d.limit), framing: `@http.framing.${String(d.framing)}`, contentLength: String(d.contentLength ?? '-') };
  return { id: 'http.body-too-long', severity, message: { id: 'http.body-too-long', params }, remediation: { id: 'http.body-too-long.fix' }, evidence: { ...d } };
}
