// The source the IM platform imports its organisation structure (departments, users, managers)
// from: an http(s) API that answers, a directory that speaks LDAP, a TCP/TLS service that accepts.
// Clear text on the way is reported; the directory check does the rest for LDAP sources.

import type { Socket } from 'node:net';
import { defineCheck, type Endpoint, type Finding, type Severity } from '../../src/plugin-api.js';
import { keepErrors } from '../../src/net/dial.js';
import { resultName, unbindRequest, whoAmIRequest } from '../../src/net/ldap.js';
import { ldapExchange } from '../../src/net/ldap-client.js';
import { pathMessages } from '../../src/net/path-messages.js';
import { opener } from '../../src/net/route-connect.js';
import { probeBudgetMs } from '../../src/net/shared.js';
import { unreachableSeverity } from '../../src/net/endpoint-severity.js';
import { bodyTooLarge, endpointTls, fetchAlong, MAX_REDIRECTS, peerText } from '../../src/integration/common.js';
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
    'org-sync.not-ldap': '{endpoint}: {host}:{port} accepts connections but does not answer an LDAP request ({detail}).',
    'org-sync.not-ldap.fix':
      'Check that the directory service listens on this port ({port}) and is healthy; 636 is LDAPS, 389 is LDAP, 3268/3269 the Active Directory global catalog.',
    'org-sync.status': '{endpoint}: the organisation-structure source {url} answered HTTP {status}.',
    'org-sync.status.fix': 'The IM platform imports departments and users from here: check the URL and the service behind it.',
    'org-sync.plaintext':
      '{endpoint}: the organisation structure is synchronised in clear text ({scheme}): names, departments and phone numbers cross the network unencrypted.',
    'org-sync.plaintext.fix': 'Use the https:// or ldaps:// address of the source (or StartTLS) for the synchronisation.',
    'org-sync.block.source': 'Sync source',
    'org-sync.item.ldap': 'LDAP "Who am I?"',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    ...integrationMessages['zh-CN'],
    'org-sync.not-ldap': '{endpoint}：{host}:{port} 接受连接，但不应答 LDAP 请求（{detail}）。',
    'org-sync.not-ldap.fix':
      '确认目录服务在该端口（{port}）上监听且运行正常：636 为 LDAPS，389 为 LDAP，3268/3269 为 Active Directory 全局编录。',
    'org-sync.status': '{endpoint}：组织架构同步源 {url} 返回 HTTP {status}。',
    'org-sync.status.fix': 'IM 平台从这里导入部门和用户：请检查该 URL 及其后端服务。',
    'org-sync.plaintext': '{endpoint}：组织架构以明文同步（{scheme}）：姓名、部门和电话号码未加密传输。',
    'org-sync.plaintext.fix': '同步时使用同步源的 https:// 或 ldaps:// 地址（或 StartTLS）。',
    'org-sync.block.source': '同步源',
    'org-sync.item.ldap': 'LDAP “Who am I?”',
  },
};

/** The answer (AnswerFacts) is the http(s) source's; connectMs and TLS are the connection's for the others. */
export interface OrgSyncFacts extends IntegrationFacts, AnswerFacts {
  /** The http(s) URL requested (absent for ldap, tls and tcp sources). */
  url?: string;
  /** The URLs the request was redirected to, in order. */
  redirects?: string[];
  /** The answer to "Who am I?" (ldap and ldaps sources): any result code means the server speaks LDAP. */
  ldap?: { resultCode: number };
}

const factsSchema = integrationFactsSchema({
  url: { type: 'string' },
  ...answerFactsProperties,
  redirects: { type: 'array', items: { type: 'string' } },
  ldap: { type: 'object', required: ['resultCode'], properties: { resultCode: { type: 'integer' } } },
});

const TLS_PROTOCOLS = new Set(['https', 'ldaps', 'tls']);
/** The source's answer is read only for its status; an HR / OA API's unauthenticated answer is small. */
const BODY_BYTES = 256 * 1024;

/** The source the IM platform imports the organisation structure from answers. */
export default defineCheck<Options, OrgSyncFacts>({
  ...planning,
  facts: { version: 1, schema: factsSchema },
  messages,

  async measure(ctx, target) {
    const ep = target.endpoint!;
    return measureAlong<OrgSyncFacts>(ctx, ep, async (route, facts) => {
      if (ep.url && (ep.protocol === 'http' || ep.protocol === 'https')) {
        facts.url = ep.url;
        const res = await fetchAlong(ctx, ep, route, ep.url, { maxBodyBytes: BODY_BYTES, redirects: MAX_REDIRECTS });
        if (res.truncated) throw bodyTooLarge(res, BODY_BYTES);
        Object.assign(facts, answerFacts(res));
        if (res.chain.length > 1) facts.redirects = res.chain.slice(1).map((u) => peerText(u, 300));
        if (res.status >= 500) facts.classification = 'http-error';
        return;
      }
      const tls = TLS_PROTOCOLS.has(ep.protocol) ? await endpointTls(ctx, ep) : undefined;
      const opened = await opener(ctx, route, facts.connectTimeoutMs)({ host: ep.host, port: ep.port, ...(tls ? { tls } : {}) });
      const socket = opened.socket as Socket;
      keepErrors(socket);
      try {
        if (opened.timings.connectMs !== undefined) facts.connectMs = opened.timings.connectMs;
        if (opened.tls) facts.tls = opened.tls;
        // An accepted connection is not an answer: a directory source must speak LDAP.
        if (ep.protocol === 'ldap' || ep.protocol === 'ldaps') {
          const answer = await ldapExchange(socket, whoAmIRequest(1), 1, 'extended', Math.max(100, probeBudgetMs(ctx)), ctx.signal);
          facts.ldap = { resultCode: answer.resultCode };
          if (!socket.destroyed) socket.end(unbindRequest(2));
        }
      } finally {
        socket.destroy();
      }
    });
  },

  judge(facts, { target }) {
    const ep = target.endpoint!;
    const severity = orgSyncSeverity(ep);
    if (facts.failure) {
      if (facts.failure.classification !== 'server-error')
        return { score: 0, findings: [failureFinding('org-sync', { ...facts, failure: facts.failure }, ep, severity)] };
      const base = { endpoint: ep.name, host: ep.host, port: ep.port };
      const finding: Finding = {
        id: 'org-sync.not-ldap',
        severity,
        message: { id: 'org-sync.not-ldap', params: { ...base, detail: facts.failure.message } },
        remediation: { id: 'org-sync.not-ldap.fix', params: base },
        evidence: { code: facts.failure.code ?? '-', ...(facts.failure.detail ?? {}) },
      };
      return { score: 0, findings: [finding] };
    }
    if (facts.status !== undefined && facts.status >= 500) {
      return {
        score: 0,
        findings: [
          {
            id: 'org-sync.status',
            severity,
            message: { id: 'org-sync.status', params: { endpoint: ep.name, url: facts.url ?? ep.url ?? '-', status: facts.status } },
            remediation: { id: 'org-sync.status.fix' },
          },
        ],
      };
    }
    const findings: Finding[] = [];
    // An https source that redirects to http is synchronised in clear text all the same.
    const downgraded = [facts.url, ...(facts.redirects ?? [])].some((u) => u?.startsWith('http:'));
    // ldap:// is the directory check's to judge (StartTLS): not reported here.
    if ((!TLS_PROTOCOLS.has(ep.protocol) && ep.protocol !== 'ldap') || downgraded) {
      findings.push({
        id: 'org-sync.plaintext',
        severity: 'medium',
        message: { id: 'org-sync.plaintext', params: { endpoint: ep.name, scheme: downgraded ? 'http' : ep.protocol } },
        remediation: { id: 'org-sync.plaintext.fix' },
      });
    }
    return {
      score: findings.length ? 0.6 : 1,
      measurements: timingMeasurements(facts, ['connectMs']),
      findings,
    };
  },

  present(facts) {
    return integrationBlocks(
      { id: 'org-sync.block.source' },
      [
        ...httpItems(facts.status, facts.redirects),
        facts.ldap && { label: { id: 'org-sync.item.ldap' }, value: resultName(facts.ldap.resultCode) },
        addressesItem(facts),
      ],
      facts,
    );
  },
});

/** Org sync feeds the address book: important, but not what logins or calls depend on. */
function orgSyncSeverity(ep: Endpoint): Severity {
  return ep.severity ?? (unreachableSeverity(ep) === 'critical' ? 'high' : 'medium');
}
