import { commonOptions, defineCheck, type Finding } from '../../src/plugin-api.js';
import { pathDetails, pathMessages } from '../../src/net/path-messages.js';
import { routeFor, type Route } from '../../src/net/proxy.js';
import { opener } from '../../src/net/route-connect.js';
import { lookupOnce, unreachableSeverity } from '../../src/net/shared.js';
import { connectBudgetMs, endpointTls, fetchAlong, pathFailure, residency } from '../../src/integration/common.js';

const messages = {
  en: {
    ...pathMessages.en,
    'org-sync.status': '{endpoint}: the organisation-structure source {url} answered HTTP {status}.',
    'org-sync.status.fix': 'The IM platform imports departments and users from here: check the URL and the service behind it.',
    'org-sync.plaintext': '{endpoint}: the organisation structure is synchronised in clear text ({scheme}): names, departments and phone numbers cross the network unencrypted.',
    'org-sync.plaintext.fix': 'Use the https:// or ldaps:// address of the source (or StartTLS) for the synchronisation.',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
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

/** The source the IM platform imports the organisation structure from answers. */
export default defineCheck<Options>({
  meta: {
    id: 'org-sync',
    title: 'The organisation-structure sync source is reachable',
    failureTitle: 'The organisation-structure sync source is unreachable',
    description:
      'For every endpoint with role `directory-sync`, or any endpoint with `orgSync: true` (a directory or an HR / OA API ' +
      'that is also the source of departments and users): along the endpoint\'s route, an http(s) URL must answer (any ' +
      'status below 500 — the sync authenticates with its own credentials), an ldap(s) / tls / tcp address must accept ' +
      'the connection (with a verified TLS handshake for ldaps and tls). A clear-text source (http, tcp) is reported; ' +
      'ldap(s) sources also get the directory check (StartTLS, binds).',
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
      if (ep.url && (ep.protocol === 'http' || ep.protocol === 'https')) {
        const res = await fetchAlong(ctx, ep, route, ep.url, { maxBodyBytes: 4096 });
        details.status = res.status;
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
        opened.socket.destroy();
        connectMs = opened.timings.connectMs;
        if (opened.tls) details.tls = opened.tls;
      }
      if (!TLS_PROTOCOLS.has(ep.protocol) && ep.protocol !== 'ldap') {
        findings.push({ id: 'org-sync.plaintext', severity: 'medium', message: { id: 'org-sync.plaintext', params: { endpoint: ep.name, scheme: ep.protocol } }, remediation: { id: 'org-sync.plaintext.fix' } });
      }
      return {
        status: findings.length ? 'warn' : 'pass',
        score: findings.length ? 0.6 : 1,
        measurements: connectMs !== undefined ? [{ id: 'connectMs', value: connectMs, unit: 'ms' }] : [],
        findings,
        details,
      };
    } catch (err) {
      return pathFailure('org-sync', ctx, err, ep, severity, connectTimeoutMs, route, where);
    }
  },
});
