// What the integration checks' judges share: the findings for an HTTP answer that is itself broken
// (a redirect loop, a body without end), the finding for any other failed path, and what every
// check shows (resolved addresses, the connection, the failure) — one wording, two languages.

import type { Block, Catalog, Cell, Endpoint, Finding, Measurement, Message, Severity } from '../plugin-api.js';
import { pathFailureFinding, type PathFailure } from '../net/path-messages.js';
import { connectionBlock, failureBlock, reachMessages } from '../net/reach.js';
import { MAX_REDIRECTS } from './common.js';
import type { AnswerFacts, IntegrationFacts } from './facts.js';
import { peerText } from './peer-text.js';

export const integrationMessages: { en: Catalog; 'zh-CN': Catalog } = {
  en: {
    ...reachMessages.en,
    'integration.redirect-loop': '{endpoint}: {url} redirects in a loop ({chain}): clients give up without an answer.',
    'integration.too-many-redirects': '{endpoint}: {url} redirects more than {limit} times ({chain}): clients give up without an answer.',
    'integration.redirect.fix':
      'Fix the redirect rules of the server or the gateway in front of it (a common cause: http↔https or trailing-slash rules that undo each other behind a TLS-terminating proxy), or point the site file at the final URL.',
    'integration.bad-redirect': '{endpoint}: {url} redirects (HTTP {status}) to {location}, which is not an http(s) URL.',
    'integration.bad-redirect.fix': 'Fix the Location the server sends; the IM platform can only follow http(s) redirects.',
    'integration.body-too-large':
      '{endpoint}: the answer from {url} (HTTP {status}) did not end within {limit} bytes and was cut off there.',
    'integration.body-too-large.fix':
      'A service answer this large (or one that never ends) is a misbehaving server or something else answering at this address: check the URL and the service behind it.',
    'integration.item.addresses': 'Resolved addresses',
    'integration.item.status': 'HTTP status',
    'integration.item.redirects': 'Redirected to',
    'integration.none': 'none',
  },
  'zh-CN': {
    ...reachMessages['zh-CN'],
    'integration.redirect-loop': '{endpoint}：{url} 循环重定向（{chain}）：客户端得不到应答就会放弃。',
    'integration.too-many-redirects': '{endpoint}：{url} 重定向超过 {limit} 次（{chain}）：客户端得不到应答就会放弃。',
    'integration.redirect.fix':
      '修正服务器或其前端网关的重定向规则（常见原因：在终结 TLS 的代理之后，http↔https 或末尾斜杠规则相互抵消），或在站点文件中使用最终的 URL。',
    'integration.bad-redirect': '{endpoint}：{url} 重定向（HTTP {status}）到 {location}，该地址不是 http(s) URL。',
    'integration.bad-redirect.fix': '修正服务器发送的 Location；IM 平台只能跟随 http(s) 重定向。',
    'integration.body-too-large': '{endpoint}：{url} 的应答（HTTP {status}）在 {limit} 字节内没有结束，已在此处截断。',
    'integration.body-too-large.fix':
      '如此大（或永不结束）的服务应答说明服务器行为异常，或在该地址应答的是其他东西：请检查 URL 及其后端服务。',
    'integration.item.addresses': '解析出的地址',
    'integration.item.status': 'HTTP 状态',
    'integration.item.redirects': '重定向到',
    'integration.none': '无',
  },
};

/** The finding for an answer-level HTTP failure (a redirect loop, too many hops, a Location that is not http(s), a body without end); undefined for others. */
export function httpAnswerFinding(checkId: string, failure: PathFailure, ep: Endpoint, severity: Severity): Finding | undefined {
  const d = failure.detail ?? {};
  const url = peerText(ep.url ?? `${ep.host}:${ep.port}`, 200);
  const chain = Array.isArray(d.chain) ? (d.chain as string[]).join(' → ') : '-';
  const evidence = { code: failure.code ?? '-', error: failure.message, ...d };
  switch (failure.code) {
    case 'HTTP_REDIRECT_LOOP':
    case 'HTTP_TOO_MANY_REDIRECTS':
      return {
        id: `${checkId}.redirect-loop`,
        severity,
        message: {
          id: failure.code === 'HTTP_REDIRECT_LOOP' ? 'integration.redirect-loop' : 'integration.too-many-redirects',
          params: { endpoint: ep.name, url, chain, limit: Number(d.limit ?? MAX_REDIRECTS) },
        },
        remediation: { id: 'integration.redirect.fix' },
        evidence,
      };
    case 'HTTP_BAD_REDIRECT':
      return {
        id: `${checkId}.bad-redirect`,
        severity,
        message: {
          id: 'integration.bad-redirect',
          params: { endpoint: ep.name, url, status: Number(d.status ?? 0), location: String(d.location ?? '-') },
        },
        remediation: { id: 'integration.bad-redirect.fix' },
        evidence,
      };
    case 'HTTP_BODY_TOO_LARGE':
      return {
        id: `${checkId}.body-too-large`,
        severity,
        message: {
          id: 'integration.body-too-large',
          params: { endpoint: ep.name, url, status: Number(d.status ?? 0), limit: Number(d.limit ?? 0) },
        },
        remediation: { id: 'integration.body-too-large.fix' },
        evidence,
      };
    default:
      return undefined;
  }
}

/** The finding for a failed path or a broken HTTP answer: the answer's own finding first, else the shared path finding. */
export function failureFinding(
  checkId: string,
  facts: IntegrationFacts & { failure: PathFailure },
  ep: Endpoint,
  severity: Severity,
): Finding {
  return (
    httpAnswerFinding(checkId, facts.failure, ep, severity) ??
    pathFailureFinding(checkId, facts.failure, ep, severity, facts.connectTimeoutMs)
  );
}

/** The timings the facts hold, as informative measurements (the ones a check judges it adds itself). */
export function timingMeasurements(
  facts: AnswerFacts,
  ids: Array<'connectMs' | 'tlsHandshakeMs'> = ['connectMs', 'tlsHandshakeMs'],
): Measurement[] {
  return ids.flatMap((id) => (facts[id] !== undefined ? [{ id, value: facts[id]!, unit: 'ms' }] : []));
}

/** A key-value item of a block. */
export type Item = { label: Message; value: Cell };

/** Where the host resolves: what residency is judged on. */
export function addressesItem(facts: IntegrationFacts): Item {
  return {
    label: { id: 'integration.item.addresses' },
    value: facts.addresses.length ? facts.addresses.join(', ') : { id: 'integration.none' },
  };
}

/** The connection as every reach check shows it (path, timings, TLS), and the failure when there was one. */
export function connectionBlocks(facts: IntegrationFacts & AnswerFacts): Block[] {
  const timings = {
    ...(facts.connectMs !== undefined ? { connectMs: facts.connectMs } : {}),
    ...(facts.tlsHandshakeMs !== undefined ? { tlsMs: facts.tlsHandshakeMs } : {}),
  };
  return [
    connectionBlock(facts, { timings, ...(facts.tls ? { tls: facts.tls } : {}) }),
    ...(facts.failure ? [failureBlock(facts.failure)] : []),
  ];
}

/** The status of an HTTP answer, and where the request was redirected on the way to it. */
export function httpItems(status: number | undefined, redirects: string[] | undefined): Item[] {
  return [
    ...(status !== undefined ? [{ label: { id: 'integration.item.status' }, value: status }] : []),
    ...(redirects?.length ? [{ label: { id: 'integration.item.redirects' }, value: redirects.join(' → ') }] : []),
  ];
}

/** A check's own key-value block (the items given), then its connection and failure blocks. */
export function integrationBlocks(
  title: Message,
  items: Array<Item | undefined | false>,
  facts: Parameters<typeof connectionBlocks>[0],
): Block[] {
  const shown = items.filter((i): i is Item => Boolean(i));
  return [...(shown.length ? [{ kind: 'key-value' as const, title, items: shown }] : []), ...connectionBlocks(facts)];
}
