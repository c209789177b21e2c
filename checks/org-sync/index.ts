import type { Socket } from 'node:net';
import { commonOptions, defineCheck, type Finding } from '../../src/plugin-api.js';
import { keepErrors } from '../../src/net/dial.js';
import { unbindRequest, whoAmIRequest } from '../../src/net/ldap.js';
import { ldapExchange } from '../../src/net/ldap-client.js';
import { pathDetails, pathMessages } from '../../src/net/path-messages.js';
import { routeFor, type Route } from '../../src/net/proxy.js';
import { opener } from '../../src/net/route-connect.js';
import { lookupOnce, probeBudgetMs, unreachableSeverity } from '../../src/net/shared.js';
import { bodyTooLarge, connectBudgetMs, endpointTls, fetchAlong, httpAnswerMessages, isProtocolError, MAX_REDIRECTS, pathFailure, peerText, residency } from '../../src/integration/common.js';

const messages = {
  en: {
    ...pathMessages.en,
    ...httpAnswerMessages.en,
    'org-sync.not-ldap': '{endpoint}: {host}:{port} accepts connections but does not answer an LDAP request ({detail}).',
    'org-sync.not-ldap.fix': 'Check that the directory service listens on this port ({port}) and is healthy; 636 is LDAPS, 389 is LDAP, 3268/3269 the Active Directory global catalog.',
    'org-sync.status': '{endpoint}: the organisation-structure source {url} answered HTTP {status}.',
    'org-sync.status.fix': 'The IM platform imports departments and users from here: check the URL and the service behind it.',
    'org-sync.plaintext': '{endpoint}: the organisation structure is synchronised in clear text ({scheme}): names, departments and phone numbers cross the network unencrypted.',
    'org-sync.plaintext.fix': 'Use the https:// or ldaps:// address of the source (or StartTLS) for the synchronisation.',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    ...httpAnswerMessages['zh-CN'],
    'org-sync.not-ldap': '{endpoint}：{host}:{port} 接受连接，但不应答 LDAP 请求（{detail}）。',
    'org-sync.not-ldap.fix': '确认目录服务在该端口（{port}）上监听且运行正常：636 为 LDAPS，389 为 LDAP，3268/3269 为 Active Directory 全局编录。',
    'org-sync.status': '{endpoint}：组织架构同步源 {url} 返回 HTTP {status}。',
    'org-sync.status.fix': 'IM 平台从这里导入部门和用户：请检查该 URL 及其后端服务。',
    'org-sync.plaintext': '{endpoint}：组织架构以明文同步（{scheme}）：姓名、部门和电话号码未加密传输。',
    'org-sync.plaintext.fix': '同步时使用同步源的 https:// 或 ldaps:// 地址（或 StartTLS）。',
  },
};

interface Options {
  connectTimeoutMs: number;
}

const TLS_PROTOCOLS = new Set(['https', 'ldaps', 'tls']);
/** The source's answer is read only for its status; an HR / OA API's unauthenticated answer is small. */
const BODY_BYTES = 256 * 1024;

/** The source the IM platform imports the organisation structure from answers. */
export default defineCheck<Options>({
  meta: {
    id: 'org-sync',
    title: 'The organisation-structure sync source is reachable',
    failureTitle: 'The organisation-structure sync source is unreachable',
    description:
      'For every endpoint with role `directory-sync`, or any endpoint with `orgSync: true` (a directory or an HR / OA API ' +
      'that is also the source of departments and users): along the endpoint\'s route, an http(s) URL must answer (any ' +
      'status below 500 — the sync authenticates with its own credentials — after at most 5 redirects, with a body that ' +
      'ends), an ldap(s) address must answer an LDAP request (RFC 4532 "Who am I?", no credentials), a tls / tcp address ' +
      'must accept the connection (with a verified TLS handshake for ldaps and tls). A clear-text source (http, tcp) is ' +
      'reported; ldap(s) sources also get the directory check (StartTLS, binds).',
    category: 'integration',
    severity: 'medium',
    weight: 1,
    timeoutMs: 15_000,
    references: [{ title: 'RFC 8314 — Cleartext Considered Obsolete', clause: '§3' }],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000 },
  },
  messages,
  targets(site) {
    return site.platform.endpoints
      .filter((ep) => ep.expect === 'reachable' && (ep.role === 'directory-sync' || ep.extra.orgSync === true))
      .filter((ep) => ['http', 'https', 'ldap', 'ldaps', 'tls', 'tcp'].includes(ep.protocol))
      .map((ep) => ({ id: ep.name, endpoint: ep, location: ep.location }));
  },
  async run(ctx, target) {
    const ep = target.endpoint!;
    // Org sync feeds the address book: important, but not what logins or calls depend on.
    const severity = ep.severity ?? (unreachableSeverity(ep) === 'critical' ? 'high' : 'medium');
    const connectTimeoutMs = connectBudgetMs(ctx);
    const where = await residency(ctx, ep.host);
    let route: Route | undefined;
    try {
      route = await routeFor(ctx, ep);
      if (route.path === 'direct') await lookupOnce(ctx, ep.host);
      const findings: Finding[] = [];
      const details: Record<string, unknown> = { classification: 'ok', ...pathDetails(route), ...where };
      let connectMs: number | undefined;
      let downgraded = false;
      if (ep.url && (ep.protocol === 'http' || ep.protocol === 'https')) {
        const res = await fetchAlong(ctx, ep, route, ep.url, { maxBodyBytes: BODY_BYTES, redirects: MAX_REDIRECTS });
        if (res.truncated) throw bodyTooLarge(res, BODY_BYTES);
        details.status = res.status;
        if (res.chain.length > 1) details.redirects = res.chain.slice(1).map((u) => peerText(u, 300));
        // An https source that redirects to http is synchronised in clear text all the same.
        downgraded = res.chain.some((u) => u.startsWith('http:'));
        if (res.tls) details.tls = res.tls;
        connectMs = res.timings.connectMs;
        if (res.status >= 500) {
          details.classification = 'http-error';
          findings.push({ id: 'org-sync.status', severity, message: { id: 'org-sync.status', params: { endpoint: ep.name, url: ep.url, status: res.status } }, remediation: { id: 'org-sync.status.fix' } });
          return { status: 'fail', score: 0, findings, details };
        }
      } else {
        const tls = TLS_PROTOCOLS.has(ep.protocol) ? await endpointTls(ctx, ep) : undefined;
        const opened = await opener(ctx, route, connectTimeoutMs)({ host: ep.host, port: ep.port, ...(tls ? { tls } : {}) });
        const socket = opened.socket as Socket;
        keepErrors(socket);
        try {
          connectMs = opened.timings.connectMs;
          if (opened.tls) details.tls = opened.tls;
          // An accepted connection is not an answer: a directory source must speak LDAP.
          if (ep.protocol === 'ldap' || ep.protocol === 'ldaps') {
            const answer = await ldapExchange(socket, whoAmIRequest(1), 1, 'extended', Math.max(100, probeBudgetMs(ctx)), ctx.signal);
            details.ldap = { resultCode: answer.resultCode };
            if (!socket.destroyed) socket.end(unbindRequest(2));
          }
        } finally {
          socket.destroy();
        }
      }
      if ((!TLS_PROTOCOLS.has(ep.protocol) && ep.protocol !== 'ldap') || downgraded) {
        findings.push({ id: 'org-sync.plaintext', severity: 'medium', message: { id: 'org-sync.plaintext', params: { endpoint: ep.name, scheme: downgraded ? 'http' : ep.protocol } }, remediation: { id: 'org-sync.plaintext.fix' } });
      }
      return {
        status: findings.length ? 'warn' : 'pass',
        score: findings.length ? 0.6 : 1,
        measurements: connectMs !== undefined ? [{ id: 'connectMs', value: connectMs, unit: 'ms' }] : [],
        findings,
        details,
      };
    } catch (err) {
      if (isProtocolError(err)) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        const base = { endpoint: ep.name, host: ep.host, port: ep.port };
        return {
          status: 'fail',
          score: 0,
          findings: [{ id: 'org-sync.not-ldap', severity, message: { id: 'org-sync.not-ldap', params: { ...base, detail: peerText(err.message, 200) } }, remediation: { id: 'org-sync.not-ldap.fix', params: base }, evidence: { code: err.code ?? '-', ...(err.detail ?? {}) } }],
          details: { classification: 'server-error', ...(route ? pathDetails(route) : {}), phase: err.phase, code: err.code, ...where },
        };
      }
      return pathFailure('org-sync', ctx, err, ep, severity, connectTimeoutMs, route, where);
    }
  },
});
