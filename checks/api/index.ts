import { commonOptions, defineCheck, type CheckContext, type Endpoint, type Finding, type Measurement } from '../../src/plugin-api.js';
import { first } from '../../src/net/http-fetch.js';
import { pathDetails, pathMessages } from '../../src/net/path-messages.js';
import { routeFor, type Route } from '../../src/net/proxy.js';
import { lookupOnce, probeBudgetMs, timingScore, unreachableSeverity } from '../../src/net/shared.js';
import { failureDetails, PathError } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { bodyTooLarge, connectBudgetMs, fetchAlong, httpAnswerFinding, httpAnswerMessages, isRedirectFailure, MAX_REDIRECTS, pathFailure, peerText, REDIRECT_STATUSES, redirectTarget, residency, type FetchedAlong } from '../../src/integration/common.js';

const messages = {
  en: {
    ...pathMessages.en,
    ...httpAnswerMessages.en,
    'api.open': '{endpoint}: {url} answered HTTP {status} to a request without credentials: the {role} API is open to anyone who can reach it.',
    'api.open.fix': 'Put the API behind authentication (OAuth 2.0 bearer tokens, mutual TLS, or at least an API gateway that demands credentials) before the IM platform is connected to it; if this URL is a public health page, point the site file at the API itself.',
    'api.no-challenge': '{endpoint}: {url} answered 401 without a WWW-Authenticate header.',
    'api.no-challenge.fix': 'RFC 9110 §11.6.1 requires a challenge with every 401; clients and gateways rely on it to pick the authentication scheme.',
    'api.plaintext': '{endpoint}: the {role} API is plain HTTP ({url}): credentials and business data cross the network unencrypted.',
    'api.plaintext.fix': 'Serve the API over HTTPS (TLS 1.2+) and point the IM platform at the https:// URL.',
    'api.status': '{endpoint}: {url} answered HTTP {status}: the API is not there or not working.',
    'api.status.fix': 'Check the URL in the site file and the service behind it; a 5xx is the server or a gateway in front of it failing.',
    'api.redirect': '{endpoint}: {url} redirects ({status}) to {location}, which is not a login page: whether the API wants credentials is not known.',
    'api.redirect.fix': 'Point the site file at the final API URL, so that its authentication can be checked.',
    'api.slow': '{endpoint}: first byte after {ms} ms (target ≤ {limit} ms).',
    'api.slow.fix': 'Integrations call this API on every directory lookup, approval or ticket: check the path to {host} and the server\'s response time.',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    ...httpAnswerMessages['zh-CN'],
    'api.open': '{endpoint}：{url} 对未携带凭据的请求返回 HTTP {status}：{role} API 对所有能访问到它的人开放。',
    'api.open.fix': '在接入 IM 平台之前为该 API 加上身份验证（OAuth 2.0 持有者令牌、双向 TLS，或至少一个要求凭据的 API 网关）；如果该 URL 是公开的健康检查页面，请在站点文件中改为指向 API 本身。',
    'api.no-challenge': '{endpoint}：{url} 返回 401，但没有 WWW-Authenticate 头。',
    'api.no-challenge.fix': 'RFC 9110 §11.6.1 要求每个 401 都附带质询；客户端和网关依赖它来选择认证方式。',
    'api.plaintext': '{endpoint}：{role} API 使用明文 HTTP（{url}）：凭据和业务数据未加密传输。',
    'api.plaintext.fix': '通过 HTTPS（TLS 1.2 及以上）提供该 API，并让 IM 平台使用 https:// URL。',
    'api.status': '{endpoint}：{url} 返回 HTTP {status}：API 不存在或工作不正常。',
    'api.status.fix': '检查站点文件中的 URL 及其后端服务；5xx 表示服务器或其前端网关故障。',
    'api.redirect': '{endpoint}：{url} 重定向（{status}）到 {location}，该地址不是登录页面：无法判断 API 是否要求凭据。',
    'api.redirect.fix': '在站点文件中使用最终的 API URL，以便检查其身份验证。',
    'api.slow': '{endpoint}：首字节用时 {ms} 毫秒（目标 ≤ {limit} 毫秒）。',
    'api.slow.fix': '集成在每次目录查询、审批或工单操作时都会调用该 API：检查到 {host} 的路径和服务器响应时间。',
  },
};

interface Options {
  connectTimeoutMs: number;
  slowMs: number;
}

/** Business systems the IM platform integrates with over HTTP APIs. */
const API_ROLES = new Set(['hr', 'oa', 'crm', 'ticketing', 'integration']);
/** An unauthenticated request gets a challenge or an error page; anything larger is not an API's answer to judge. */
const BODY_BYTES = 256 * 1024;

/** HR / OA / CRM / ticketing APIs: reachable, TLS, an authentication challenge, latency. */
export default defineCheck<Options>({
  meta: {
    id: 'api',
    title: 'Business-system APIs are reachable and protected',
    failureTitle: 'Business-system APIs are unreachable or unprotected',
    description:
      'For every endpoint with role `hr`, `oa`, `crm`, `ticketing` or `integration` (and `api` endpoints that list this ' +
      'check in their `checks`), one request without credentials along the endpoint\'s route: the answer must be an ' +
      'authentication challenge — 401 with `WWW-Authenticate` (RFC 9110 §11.6.1), a redirect to a login page (SSO), or ' +
      '403. A 2xx answer means the API serves anyone who can reach it: a finding. Plain `http://` is a finding; TLS ' +
      'failures are classified like the http check. Time to first byte is compared with `slowMs`.',
    category: 'integration',
    severity: 'high',
    weight: 2,
    timeoutMs: 15_000,
    references: [
      { title: 'RFC 9110 — HTTP Semantics', clause: '§11.6.1 (WWW-Authenticate), §15.5.2 (401), §15.5.4 (403)' },
      { title: 'OWASP API Security Top 10 (2023)', url: 'https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/', clause: 'API2:2023 Broken Authentication' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        slowMs: { type: 'number', minimum: 1 },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000, slowMs: 1000 },
  },
  messages,
  targets(site) {
    return site.platform.endpoints
      .filter((ep) => (ep.protocol === 'http' || ep.protocol === 'https') && ep.expect === 'reachable')
      .filter((ep) => API_ROLES.has(ep.role) || (ep.role === 'api' && ep.checks?.includes('api')))
      .map((ep) => ({ id: ep.name, endpoint: ep, location: ep.location }));
  },
  async run(ctx, target) {
    const ep = target.endpoint!;
    const severity = unreachableSeverity(ep);
    const connectTimeoutMs = connectBudgetMs(ctx);
    const slowMs = ctx.threshold('ttfbMs', ctx.options.slowMs);
    const where = await residency(ctx, ep.host);
    let route: Route | undefined;
    try {
      route = await routeFor(ctx, ep);
      if (route.path === 'direct') await lookupOnce(ctx, ep.host);
      const url = ep.url!;
      const res = await fetchAlong(ctx, ep, route, url, { maxBodyBytes: BODY_BYTES, headers: { accept: 'application/json, */*' } });
      const challenge = first(res.headers['www-authenticate']);
      const location = first(res.headers.location);
      // A redirect counts as a login only if the chain ends somewhere: a loop never reaches a login page.
      const chain = REDIRECT_STATUSES.has(res.status) && location ? await redirectChain(ctx, ep, route, res) : undefined;
      const auth =
        res.status === 401 ? (challenge ? 'challenge' : 'challenge-without-scheme')
        : res.status === 403 ? 'forbidden'
        : REDIRECT_STATUSES.has(res.status) && location ? (looksLikeLogin(url, location) ? 'redirect-to-login' : 'redirect')
        : res.status >= 200 && res.status < 300 ? 'none'
        : 'unknown';
      const base = { endpoint: ep.name, url, role: ep.role, host: ep.host };
      const details: Record<string, unknown> = {
        classification: res.status >= 500 || auth === 'unknown' || res.truncated ? 'http-error' : 'ok',
        ...pathDetails(route),
        status: res.status,
        auth,
        ...(challenge ? { schemes: String(res.headers['www-authenticate']).split(',').map((c) => c.trim().split(/\s+/)[0]!).filter((c) => /^[A-Za-z][\w-]*$/.test(c)).slice(0, 10) } : {}),
        ...(auth === 'redirect-to-login' ? { loginUrl: peerText(new URL(location!, url).toString(), 300) } : {}),
        ...(auth === 'redirect' ? { location: peerText(new URL(location!, url).toString(), 300) } : {}),
        ...(chain ? { redirects: chain } : {}),
        ...(res.tls ? { tls: res.tls } : {}),
        ...where,
      };
      const measurements: Measurement[] = [
        { id: 'status', value: res.status },
        { id: 'ttfbMs', value: res.timings.ttfbMs, unit: 'ms', threshold: { max: slowMs } },
        ...(res.timings.connectMs !== undefined ? [{ id: 'connectMs', value: res.timings.connectMs, unit: 'ms' }] : []),
        ...(res.timings.tlsMs !== undefined ? [{ id: 'tlsHandshakeMs', value: res.timings.tlsMs, unit: 'ms' }] : []),
      ];
      const findings: Finding[] = [];
      let score = timingScore(res.timings.ttfbMs, slowMs, slowMs * 3);
      if (res.truncated) {
        const tooLarge = bodyTooLarge(res, BODY_BYTES);
        findings.push(httpAnswerFinding('api', tooLarge, ep, severity)!);
        Object.assign(details, failureDetails(tooLarge));
        // An open API stays the finding to act on, whatever the size of what it serves.
        if (auth === 'none') findings.push({ id: 'api.open', severity: 'high', message: { id: 'api.open', params: { ...base, status: res.status } }, remediation: { id: 'api.open.fix' } });
        return { status: 'fail', score: 0, measurements, findings, details };
      }
      if (details.classification === 'http-error') {
        findings.push({ id: 'api.status', severity, message: { id: 'api.status', params: { ...base, status: res.status } }, remediation: { id: 'api.status.fix' } });
        return { status: 'fail', score: 0, measurements, findings, details };
      }
      if (ep.protocol === 'http') {
        findings.push({ id: 'api.plaintext', severity: 'high', message: { id: 'api.plaintext', params: base }, remediation: { id: 'api.plaintext.fix' } });
        score = 0;
      }
      if (auth === 'none') {
        findings.push({ id: 'api.open', severity: 'high', message: { id: 'api.open', params: { ...base, status: res.status } }, remediation: { id: 'api.open.fix' } });
        score = 0;
      } else if (auth === 'challenge-without-scheme') {
        findings.push({ id: 'api.no-challenge', severity: 'low', message: { id: 'api.no-challenge', params: base }, remediation: { id: 'api.no-challenge.fix' } });
        score = Math.min(score, 0.85);
      }
      if (auth === 'redirect') {
        findings.push({ id: 'api.redirect', severity: 'low', message: { id: 'api.redirect', params: { ...base, status: res.status, location: String(details.location) } }, remediation: { id: 'api.redirect.fix' } });
        score = Math.min(score, 0.85);
      }
      if (res.timings.ttfbMs > slowMs) {
        findings.push({ id: 'api.slow', severity: 'medium', message: { id: 'api.slow', params: { ...base, ms: Math.round(res.timings.ttfbMs), limit: slowMs } }, remediation: { id: 'api.slow.fix', params: base } });
      }
      const status = score === 0 ? 'fail' : findings.length ? 'warn' : 'pass';
      return { status, score, measurements, findings, details };
    } catch (err) {
      return pathFailure('api', ctx, err, ep, severity, connectTimeoutMs, route, where);
    }
  },
});

/**
 * Where a redirect leads, followed to its end: the URLs after the first. A loop, too many hops or a
 * Location that is not http(s) is the answer's own failure and thrown; a login page that cannot be
 * reached is the sso check's business and only recorded here.
 */
async function redirectChain(ctx: CheckContext<Options>, ep: Endpoint, route: Route, res: FetchedAlong): Promise<Array<{ url: string; status?: number; error?: string }>> {
  const next = redirectTarget(res);
  if (next instanceof PathError) throw next;
  try {
    // The first URL counts as seen: A → B → A is a loop from the first hop on.
    // Half of what is left: a silent login host must leave time to report the API itself.
    const rest = await fetchAlong(ctx, ep, route, next!, { maxBodyBytes: 4096, redirects: MAX_REDIRECTS - 1, seen: [res.url], timeoutMs: Math.max(300, probeBudgetMs(ctx) / 2) });
    return rest.chain.map((u, i) => ({ url: peerText(u, 300), ...(i === rest.chain.length - 1 ? { status: rest.status } : {}) }));
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (isRedirectFailure(err)) throw err;
    if (err instanceof PathError || err instanceof DnsLookupError) return [{ url: peerText(next!, 300), error: peerText(err.message, 200) }];
    throw err;
  }
}

const LOGIN_WORDS = /login|logon|signin|sign-in|auth|sso|oauth|saml|openid|adfs|idp|\bcas\b/i;

/** A redirect to a login page: another host (an identity provider), or a path that names a login. */
function looksLikeLogin(from: string, location: string): boolean {
  const a = new URL(from);
  const b = new URL(location, from);
  // http → https on the same host and path is a TLS upgrade, not a login.
  if (a.hostname === b.hostname && a.pathname === b.pathname) return false;
  return a.hostname !== b.hostname || LOGIN_WORDS.test(`${b.pathname}${b.search}`);
}
