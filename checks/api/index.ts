// Business-system APIs (HR, OA, CRM, ticketing) the IM platform integrates with: reachable along
// the endpoint's route, over TLS, and answering a request without credentials with a challenge
// (401, 403 or a login page), never with the data itself.

import { defineCheck, type Finding, type Measurement, type MeasureContext, type Endpoint } from '../../src/plugin-api.js';
import { PathError } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { first } from '../../src/net/http-fetch.js';
import { pathMessages } from '../../src/net/path-messages.js';
import type { Route } from '../../src/net/proxy.js';
import { probeBudgetMs, timingScore } from '../../src/net/shared.js';
import { unreachableSeverity } from '../../src/net/endpoint-severity.js';
import {
  bodyTooLarge,
  fetchAlong,
  isRedirectFailure,
  MAX_REDIRECTS,
  peerText,
  REDIRECT_STATUSES,
  redirectTarget,
  type FetchedAlong,
} from '../../src/integration/common.js';
import {
  answerFacts,
  answerFactsProperties,
  integrationFactsSchema,
  measureAlong,
  type AnswerFacts,
  type IntegrationFacts,
} from '../../src/integration/facts.js';
import {
  addressesItem,
  failureFinding,
  httpItems,
  integrationBlocks,
  integrationMessages,
  timingMeasurements,
} from '../../src/integration/findings.js';
import planning, { type Options } from './plan.js';

const messages = {
  en: {
    ...pathMessages.en,
    ...integrationMessages.en,
    'api.open':
      '{endpoint}: {url} answered HTTP {status} to a request without credentials: the {role} API is open to anyone who can reach it.',
    'api.open.fix':
      'Put the API behind authentication (OAuth 2.0 bearer tokens, mutual TLS, or at least an API gateway that demands credentials) before the IM platform is connected to it; if this URL is a public health page, point the site file at the API itself.',
    'api.no-challenge': '{endpoint}: {url} answered 401 without a WWW-Authenticate header.',
    'api.no-challenge.fix':
      'RFC 9110 §11.6.1 requires a challenge with every 401; clients and gateways rely on it to pick the authentication scheme.',
    'api.plaintext': '{endpoint}: the {role} API is plain HTTP ({url}): credentials and business data cross the network unencrypted.',
    'api.plaintext.fix': 'Serve the API over HTTPS (TLS 1.2+) and point the IM platform at the https:// URL.',
    'api.status': '{endpoint}: {url} answered HTTP {status}: the API is not there or not working.',
    'api.status.fix': 'Check the URL in the site file and the service behind it; a 5xx is the server or a gateway in front of it failing.',
    'api.redirect':
      '{endpoint}: {url} redirects ({status}) to {location}, which is not a login page: whether the API wants credentials is not known.',
    'api.redirect.fix': 'Point the site file at the final API URL, so that its authentication can be checked.',
    'api.slow': '{endpoint}: first byte after {ms} ms (target ≤ {limit} ms).',
    'api.slow.fix':
      "Integrations call this API on every directory lookup, approval or ticket: check the path to {host} and the server's response time.",
    'api.block.api': 'API',
    'api.item.auth': 'Without credentials',
    'api.item.schemes': 'Authentication schemes',
    'api.item.login': 'Login page',
    'api.item.location': 'Redirects to',
    'api.auth.challenge': 'asks for credentials (401)',
    'api.auth.challenge-without-scheme': '401 without a WWW-Authenticate challenge',
    'api.auth.forbidden': 'refused (403)',
    'api.auth.redirect-to-login': 'redirected to a login page',
    'api.auth.redirect': 'redirected, not to a login page',
    'api.auth.none': 'served: no authentication',
    'api.auth.unknown': 'no usable answer',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    ...integrationMessages['zh-CN'],
    'api.open': '{endpoint}：{url} 对未携带凭据的请求返回 HTTP {status}：{role} API 对所有能访问到它的人开放。',
    'api.open.fix':
      '在接入 IM 平台之前为该 API 加上身份验证（OAuth 2.0 持有者令牌、双向 TLS，或至少一个要求凭据的 API 网关）；如果该 URL 是公开的健康检查页面，请在站点文件中改为指向 API 本身。',
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
    'api.block.api': 'API',
    'api.item.auth': '不带凭据时',
    'api.item.schemes': '认证方式',
    'api.item.login': '登录页面',
    'api.item.location': '重定向到',
    'api.auth.challenge': '要求提供凭据（401）',
    'api.auth.challenge-without-scheme': '返回 401 但没有 WWW-Authenticate 质询',
    'api.auth.forbidden': '拒绝访问（403）',
    'api.auth.redirect-to-login': '重定向到登录页面',
    'api.auth.redirect': '重定向到非登录页面',
    'api.auth.none': '直接提供内容：没有身份验证',
    'api.auth.unknown': '没有可用的应答',
  },
};

/** What the API did with a request without credentials. */
export type ApiAuth = 'challenge' | 'challenge-without-scheme' | 'forbidden' | 'redirect-to-login' | 'redirect' | 'none' | 'unknown';

/** One hop of a redirect followed to its end: the last one has the final status, or the error that ended it. */
export interface RedirectHop {
  url: string;
  status?: number;
  error?: string;
}

export interface ApiFacts extends IntegrationFacts, AnswerFacts {
  /** The URL requested. */
  url: string;
  auth?: ApiAuth;
  /** The schemes of the WWW-Authenticate challenge (Bearer, Basic, Negotiate …). */
  schemes?: string[];
  /** Where a redirect to a login page points. */
  loginUrl?: string;
  /** Where a redirect that is not to a login page points. */
  location?: string;
  redirects?: RedirectHop[];
}

const AUTHS: ApiAuth[] = ['challenge', 'challenge-without-scheme', 'forbidden', 'redirect-to-login', 'redirect', 'none', 'unknown'];

const factsSchema = integrationFactsSchema(
  {
    url: { type: 'string' },
    ...answerFactsProperties,
    auth: { enum: AUTHS },
    schemes: { type: 'array', items: { type: 'string' } },
    loginUrl: { type: 'string' },
    location: { type: 'string' },
    redirects: {
      type: 'array',
      items: {
        type: 'object',
        required: ['url'],
        properties: { url: { type: 'string' }, status: { type: 'integer' }, error: { type: 'string' } },
      },
    },
  },
  ['url'],
);

/** An unauthenticated request gets a challenge or an error page; anything larger is not an API's answer to judge. */
const BODY_BYTES = 256 * 1024;

/** HR / OA / CRM / ticketing APIs: reachable, TLS, an authentication challenge, latency. */
export default defineCheck<Options, ApiFacts>({
  ...planning,
  facts: { version: 1, schema: factsSchema },
  messages,

  async measure(ctx, target) {
    const ep = target.endpoint!;
    const url = ep.url!;
    return measureAlong<ApiFacts>(
      ctx,
      ep,
      async (route, facts) => {
        const res = await fetchAlong(ctx, ep, route, url, { maxBodyBytes: BODY_BYTES, headers: { accept: 'application/json, */*' } });
        Object.assign(facts, answerFacts(res));
        const challenge = first(res.headers['www-authenticate']);
        const location = first(res.headers.location);
        // A redirect counts as a login only if the chain ends somewhere: a loop never reaches a login page.
        const redirected = REDIRECT_STATUSES.has(res.status) && location !== undefined && location !== '';
        if (redirected) facts.redirects = await redirectChain(ctx, ep, route, res);
        const auth: ApiAuth =
          res.status === 401
            ? challenge
              ? 'challenge'
              : 'challenge-without-scheme'
            : res.status === 403
              ? 'forbidden'
              : redirected
                ? looksLikeLogin(url, location)
                  ? 'redirect-to-login'
                  : 'redirect'
                : res.status >= 200 && res.status < 300
                  ? 'none'
                  : 'unknown';
        facts.auth = auth;
        if (challenge)
          facts.schemes = String(res.headers['www-authenticate'])
            .split(',')
            .map((c) => c.trim().split(/\s+/)[0]!)
            .filter((c) => /^[A-Za-z][\w-]*$/.test(c))
            .slice(0, 10);
        if (auth === 'redirect-to-login') facts.loginUrl = peerText(new URL(location!, url).toString(), 300);
        if (auth === 'redirect') facts.location = peerText(new URL(location!, url).toString(), 300);
        if (res.status >= 500 || auth === 'unknown') facts.classification = 'http-error';
        if (res.truncated) throw bodyTooLarge(res, BODY_BYTES);
      },
      { init: { url } },
    );
  },

  judge(facts, { options, threshold, target }) {
    const ep = target.endpoint!;
    const severity = unreachableSeverity(ep);
    const slowMs = threshold('ttfbMs', options.slowMs);
    const base = { endpoint: ep.name, url: facts.url, role: ep.role, host: ep.host };
    const measurements: Measurement[] = [
      ...(facts.status !== undefined ? [{ id: 'status', value: facts.status }] : []),
      ...(facts.ttfbMs !== undefined ? [{ id: 'ttfbMs', value: facts.ttfbMs, unit: 'ms', threshold: { max: slowMs } }] : []),
      ...timingMeasurements(facts),
    ];
    const open: Finding = {
      id: 'api.open',
      severity: 'high',
      message: { id: 'api.open', params: { ...base, status: facts.status ?? 0 } },
      remediation: { id: 'api.open.fix' },
    };
    if (facts.failure) {
      // An open API stays the finding to act on, whatever the size of what it serves.
      return {
        score: 0,
        measurements,
        findings: [failureFinding('api', { ...facts, failure: facts.failure }, ep, severity), ...(facts.auth === 'none' ? [open] : [])],
      };
    }
    if (facts.classification === 'http-error') {
      return {
        score: 0,
        measurements,
        findings: [
          {
            id: 'api.status',
            severity,
            message: { id: 'api.status', params: { ...base, status: facts.status ?? 0 } },
            remediation: { id: 'api.status.fix' },
          },
        ],
      };
    }
    const findings: Finding[] = [];
    const ttfbMs = facts.ttfbMs ?? 0;
    let score = timingScore(ttfbMs, slowMs, slowMs * 3);
    if (facts.url.startsWith('http:')) {
      findings.push({
        id: 'api.plaintext',
        severity: 'high',
        message: { id: 'api.plaintext', params: base },
        remediation: { id: 'api.plaintext.fix' },
      });
      score = 0;
    }
    if (facts.auth === 'none') {
      findings.push(open);
      score = 0;
    } else if (facts.auth === 'challenge-without-scheme') {
      findings.push({
        id: 'api.no-challenge',
        severity: 'low',
        message: { id: 'api.no-challenge', params: base },
        remediation: { id: 'api.no-challenge.fix' },
      });
      score = Math.min(score, 0.85);
    }
    if (facts.auth === 'redirect') {
      findings.push({
        id: 'api.redirect',
        severity: 'low',
        message: { id: 'api.redirect', params: { ...base, status: facts.status ?? 0, location: facts.location ?? '-' } },
        remediation: { id: 'api.redirect.fix' },
      });
      score = Math.min(score, 0.85);
    }
    if (ttfbMs > slowMs) {
      findings.push({
        id: 'api.slow',
        severity: 'medium',
        message: { id: 'api.slow', params: { ...base, ms: Math.round(ttfbMs), limit: slowMs } },
        remediation: { id: 'api.slow.fix', params: base },
      });
    }
    // A finding is never a pass, whatever the timing curve says.
    if (findings.length) score = Math.min(score, 0.89);
    return { score, measurements, findings };
  },

  present(facts) {
    return integrationBlocks(
      { id: 'api.block.api' },
      [
        ...httpItems(
          facts.status,
          facts.redirects?.map((h) => h.url),
        ),
        facts.auth && { label: { id: 'api.item.auth' }, value: { id: `api.auth.${facts.auth}` } },
        Boolean(facts.schemes?.length) && { label: { id: 'api.item.schemes' }, value: facts.schemes!.join(', ') },
        facts.loginUrl !== undefined && { label: { id: 'api.item.login' }, value: facts.loginUrl },
        facts.location !== undefined && { label: { id: 'api.item.location' }, value: facts.location },
        addressesItem(facts),
      ],
      facts,
    );
  },
});

/**
 * Where a redirect leads, followed to its end: the URLs after the first. A loop, too many hops or a
 * Location that is not http(s) is the answer's own failure and thrown; a login page that cannot be
 * reached is the sso check's business and only recorded here.
 */
async function redirectChain(ctx: MeasureContext<Options>, ep: Endpoint, route: Route, res: FetchedAlong): Promise<RedirectHop[]> {
  const next = redirectTarget(res);
  if (next instanceof PathError) throw next;
  try {
    // The first URL counts as seen: A → B → A is a loop from the first hop on.
    // Half of what is left: a silent login host must leave time to report the API itself.
    const rest = await fetchAlong(ctx, ep, route, next!, {
      maxBodyBytes: 4096,
      redirects: MAX_REDIRECTS - 1,
      seen: [res.url],
      timeoutMs: Math.max(300, probeBudgetMs(ctx) / 2),
    });
    return rest.chain.map((u, i) => ({ url: peerText(u, 300), ...(i === rest.chain.length - 1 ? { status: rest.status } : {}) }));
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (isRedirectFailure(err)) throw err;
    if (err instanceof PathError || err instanceof DnsLookupError)
      return [{ url: peerText(next!, 300), error: peerText(err.message, 200) }];
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
