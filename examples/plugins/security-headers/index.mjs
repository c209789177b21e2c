// A third-party check, as an organisation would write one: do the messaging platform's HTTPS
// endpoints send the security headers the organisation's web policy requires? It uses only the
// public plugin API (siteready/plugin): measure records the headers an endpoint answers with
// (facts), judge decides against the policy (pure, tested without a network in judge.test.ts),
// present shows the headers as a table. List it in a site file:
//
//   plugins: [./plugins/security-headers/index.mjs]
//   checks:
//     example/security-headers: { require: [strict-transport-security, x-content-type-options] }

import {
  defineCheck,
  fetchEndpoint,
  pathFailureFinding,
  pathFailureOf,
  pathMessages,
  PathError,
  DnsLookupError,
  unreachableSeverity,
} from 'siteready/plugin';

/** Headers a browser-facing endpoint of an IM platform should send, and why (OWASP Secure Headers Project). */
const DEFAULT_REQUIRED = ['strict-transport-security', 'x-content-type-options', 'content-security-policy'];

/**
 * @typedef {{ require: string[], minHstsSeconds: number, timeoutMs?: number }} Options
 * @typedef {{ url: string, status?: number, headers?: Record<string, string>, failure?: import('siteready/plugin').PathFailure }} Facts
 */

export default defineCheck(
  /** @type {import('siteready/plugin').MeasuredCheck<Options, Facts>} */ ({
    meta: {
      id: 'example/security-headers',
      title: 'HTTPS endpoints send the required security headers',
      failureTitle: 'HTTPS endpoints lack required security headers',
      description:
        'Fetches every https endpoint along its route and checks the response headers against the required list (HSTS with a minimum max-age, nosniff, a content security policy by default).',
      category: 'security',
      severity: 'medium',
      weight: 1,
      version: '1.0.0',
      timeoutMs: 10000,
      references: [{ title: 'OWASP Secure Headers Project', url: 'https://owasp.org/www-project-secure-headers/' }],
    },
    inputs: {
      schema: {
        type: 'object',
        additionalProperties: false,
        properties: {
          require: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9-]+$' }, minItems: 1 },
          minHstsSeconds: { type: 'integer', minimum: 0 },
          timeoutMs: { type: 'integer', minimum: 100 },
        },
      },
      defaults: { require: DEFAULT_REQUIRED, minHstsSeconds: 15552000 },
    },
    facts: {
      version: 1,
      schema: {
        type: 'object',
        required: ['url'],
        properties: {
          url: { type: 'string' },
          status: { type: 'integer' },
          headers: { type: 'object', additionalProperties: { type: 'string' } },
          failure: { type: 'object', required: ['classification', 'message'] },
        },
      },
    },
    messages: {
      // pathMessages: the wording of failed paths (refused, filtered, proxy…), shared with the built-in checks.
      en: {
        ...pathMessages.en,
        'headers.missing': '{endpoint}: the answer from {url} has no {header} header.',
        'headers.missing.fix':
          "Add `{header}` to the responses of {url} (at the load balancer or reverse proxy in front of the platform, or in the platform's web settings).",
        'headers.hsts-short': '{endpoint}: Strict-Transport-Security max-age is {seconds} s; the policy asks for at least {min} s.',
        'headers.hsts-short.fix':
          'Raise max-age to at least {min} (e.g. `Strict-Transport-Security: max-age=31536000; includeSubDomains`).',
        'headers.block': 'Response headers',
        'headers.col.header': 'Header',
        'headers.col.value': 'Value',
      },
      'zh-CN': {
        ...pathMessages['zh-CN'],
        'headers.missing': '{endpoint}：{url} 的响应缺少 {header} 响应头。',
        'headers.missing.fix': '为 {url} 的响应添加 `{header}`（在平台前端的负载均衡或反向代理上，或在平台的 Web 设置中）。',
        'headers.hsts-short': '{endpoint}：Strict-Transport-Security 的 max-age 为 {seconds} 秒；策略要求至少 {min} 秒。',
        'headers.hsts-short.fix': '将 max-age 提高到至少 {min}（例如 `Strict-Transport-Security: max-age=31536000; includeSubDomains`）。',
        'headers.block': '响应头',
        'headers.col.header': '响应头',
        'headers.col.value': '值',
      },
    },
    targets(site) {
      return site.platform.endpoints
        .filter((ep) => ep.protocol === 'https')
        .map((ep) => ({ id: ep.name, endpoint: ep, location: ep.location }));
    },

    async measure(ctx, target) {
      const ep = /** @type {import('siteready/plugin').Endpoint} */ (target.endpoint);
      const url = ep.url ?? `https://${ep.host}:${ep.port}/`;
      try {
        const res = await fetchEndpoint(ctx, ep);
        /** @type {Record<string, string>} */
        const headers = {};
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
        return { url: res.finalUrl, status: res.status, headers };
      } catch (err) {
        if (err instanceof PathError || err instanceof DnsLookupError) return { url, failure: pathFailureOf(err) };
        throw err;
      }
    },

    judge(facts, { options, target }) {
      const ep = /** @type {import('siteready/plugin').Endpoint} */ (target.endpoint);
      if (facts.failure)
        return { score: 0, findings: [pathFailureFinding('example/security-headers', facts.failure, ep, unreachableSeverity(ep), 3000)] };
      const headers = facts.headers ?? {};
      /** @type {import('siteready/plugin').Finding[]} */
      const findings = [];
      for (const header of options.require) {
        if (headers[header] === undefined) {
          findings.push({
            id: 'example/security-headers.missing',
            severity: header === 'strict-transport-security' ? 'high' : 'medium',
            message: { id: 'headers.missing', params: { endpoint: ep.name, url: facts.url, header } },
            remediation: { id: 'headers.missing.fix', params: { url: facts.url, header } },
          });
        }
      }
      const hsts = headers['strict-transport-security'];
      const maxAge = hsts ? Number(/max-age\s*=\s*"?(\d+)/i.exec(hsts)?.[1] ?? 0) : undefined;
      if (maxAge !== undefined && maxAge < options.minHstsSeconds) {
        findings.push({
          id: 'example/security-headers.hsts-short',
          severity: 'medium',
          message: { id: 'headers.hsts-short', params: { endpoint: ep.name, seconds: maxAge, min: options.minHstsSeconds } },
          remediation: { id: 'headers.hsts-short.fix', params: { min: options.minHstsSeconds } },
        });
      }
      const present = options.require.filter((h) => headers[h] !== undefined).length;
      const score = findings.length ? Math.min(0.89, present / options.require.length) : 1;
      return {
        score,
        measurements: [{ id: 'requiredHeadersPresent', value: present, unit: 'count', threshold: { min: options.require.length } }],
        findings,
      };
    },

    present(facts, { options }) {
      if (!facts.headers) return [];
      const headers = facts.headers;
      return [
        {
          kind: 'table',
          title: { id: 'headers.block' },
          columns: [
            { key: 'header', label: { id: 'headers.col.header' } },
            { key: 'value', label: { id: 'headers.col.value' } },
          ],
          rows: options.require.map((h) => ({ header: h, value: headers[h] ?? null })),
        },
      ];
    },
  }),
);
