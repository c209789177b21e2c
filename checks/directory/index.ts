// The directory (LDAP) the IM platform reads users and groups from: LDAPS or StartTLS with a
// verified certificate, the anonymous-bind policy, and the service account's bind. Measuring
// records what the server answered; the judge decides what it means under the site's StartTLS
// policy. A server that quotes the bind password back never gets that text into the facts.

import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import { defineCheck, type Endpoint, type Finding, type Measurement, type Message } from '../../src/plugin-api.js';
import { keepErrors, tlsOver } from '../../src/net/dial.js';
import { bindRequest, resultName, startTlsRequest, unbindRequest, type LdapResult } from '../../src/net/ldap.js';
import { ldapExchange } from '../../src/net/ldap-client.js';
import { pathMessages } from '../../src/net/path-messages.js';
import { opener } from '../../src/net/route-connect.js';
import { probeBudgetMs } from '../../src/net/shared.js';
import { unreachableSeverity } from '../../src/net/endpoint-severity.js';
import { endpointTls, peerText } from '../../src/integration/common.js';
import { integrationFactsSchema, measureAlong, tlsFactsSchema, type IntegrationFacts, type TlsFacts } from '../../src/integration/facts.js';
import {
  addressesItem,
  failureFinding,
  integrationBlocks,
  integrationMessages,
  timingMeasurements,
} from '../../src/integration/findings.js';
import { round } from '../../src/util/number.js';
import planning, { type Options, type StartTlsPolicy } from './plan.js';

const messages = {
  en: {
    ...pathMessages.en,
    ...integrationMessages.en,
    'directory.not-ldap': '{endpoint}: {host}:{port} accepts connections but does not answer in LDAP ({detail}).',
    'directory.not-ldap.fix':
      'Check that the directory service listens on this port ({port}); 636 is LDAPS, 389 is LDAP with StartTLS, 3268/3269 the Active Directory global catalog.',
    'directory.starttls-refused':
      '{endpoint}: StartTLS on {host}:{port} was refused ({result}{diagnostic}): directory traffic, binds included, would cross the network in clear text.',
    'directory.starttls-refused.fix':
      'Enable StartTLS on the directory server (a certificate for {host}), or point the IM platform at LDAPS (port 636). Never let it bind over plain LDAP.',
    'directory.plaintext':
      '{endpoint}: plain LDAP on {host}:{port} without StartTLS: binds and directory data cross the network in clear text.',
    'directory.plaintext.fix': 'Use ldaps:// (port 636) or enable StartTLS (ldap.startTls: require).',
    'directory.bind-not-tried': '{endpoint}: the service account bind was not tried, because the connection is not encrypted.',
    'directory.invalid-credentials':
      '{endpoint}: the directory refused the service account {bindDn}: invalid credentials (49){diagnostic}.',
    'directory.invalid-credentials.fix':
      'Check the bind DN and the password in the environment variable the site file names; an expired or locked service account answers 49 as well (Active Directory puts the reason in the diagnostic: data 52e wrong password, 532 expired, 533 disabled, 775 locked).',
    'directory.bind-failed': '{endpoint}: binding as {bindDn} failed: {result}{diagnostic}.',
    'directory.bind-failed.fix':
      'Read the result code: strongerAuthRequired / confidentialityRequired mean the server wants TLS or signing, unwillingToPerform often a policy on simple binds; fix the account or the server policy the IM platform depends on.',
    'directory.anonymous-allowed': '{endpoint}: the directory accepts anonymous binds.',
    'directory.anonymous-allowed.fix':
      "If anonymous binds can read users and groups, anyone on the network can harvest the organisation's directory: restrict anonymous access (AD: dsHeuristics; OpenLDAP: disallow bind_anon or limit its ACLs).",
    'directory.diagnostic-withheld': " (the server's message repeats the password and is not shown)",
    'directory.detail-withheld': "the server's message repeats the password and is not shown",
    'directory.diagnostic.colon': ': {text}',
    'directory.diagnostic.paren': ' ({text})',
    'directory.block.directory': 'Directory',
    'directory.item.mode': 'Transport security',
    'directory.mode.ldaps': 'LDAPS (implicit TLS)',
    'directory.mode.starttls': 'LDAP + StartTLS',
    'directory.mode.plain': 'plain LDAP (no TLS)',
    'directory.item.starttls': 'StartTLS',
    'directory.item.anonymous': 'Anonymous bind',
    'directory.anonymous.allowed': 'allowed',
    'directory.anonymous.refused': 'refused',
    'directory.item.bind': 'Service-account bind',
    'directory.bind.as': '{bindDn}: {result}',
    'directory.bind.not-encrypted': 'not tried: the connection is not encrypted',
    'directory.bind.starttls-refused': 'not tried: StartTLS was refused',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    ...integrationMessages['zh-CN'],
    'directory.not-ldap': '{endpoint}：{host}:{port} 接受连接，但不以 LDAP 应答（{detail}）。',
    'directory.not-ldap.fix':
      '确认目录服务在该端口（{port}）上监听：636 为 LDAPS，389 为支持 StartTLS 的 LDAP，3268/3269 为 Active Directory 全局编录。',
    'directory.starttls-refused':
      '{endpoint}：{host}:{port} 拒绝了 StartTLS（{result}{diagnostic}）：目录流量（包括绑定凭据）将以明文在网络上传输。',
    'directory.starttls-refused.fix':
      '在目录服务器上启用 StartTLS（为 {host} 配置证书），或让 IM 平台改用 LDAPS（端口 636）。切勿通过明文 LDAP 绑定。',
    'directory.plaintext': '{endpoint}：{host}:{port} 使用未启用 StartTLS 的明文 LDAP：绑定凭据和目录数据以明文传输。',
    'directory.plaintext.fix': '使用 ldaps://（端口 636）或启用 StartTLS（ldap.startTls: require）。',
    'directory.bind-not-tried': '{endpoint}：连接未加密，因此未尝试服务账号绑定。',
    'directory.invalid-credentials': '{endpoint}：目录拒绝了服务账号 {bindDn}：凭据无效（49）{diagnostic}。',
    'directory.invalid-credentials.fix':
      '核对绑定 DN 以及站点文件所指环境变量中的密码；服务账号过期或被锁定时同样返回 49（Active Directory 会在诊断信息中说明原因：data 52e 密码错误，532 已过期，533 已禁用，775 已锁定）。',
    'directory.bind-failed': '{endpoint}：以 {bindDn} 绑定失败：{result}{diagnostic}。',
    'directory.bind-failed.fix':
      '根据结果码处理：strongerAuthRequired / confidentialityRequired 表示服务器要求 TLS 或签名，unwillingToPerform 通常是针对简单绑定的策略；请修正 IM 平台所依赖的账号或服务器策略。',
    'directory.anonymous-allowed': '{endpoint}：目录允许匿名绑定。',
    'directory.anonymous-allowed.fix':
      '如果匿名绑定可以读取用户和组，网络上的任何人都能获取整个组织的目录：请限制匿名访问（AD：dsHeuristics；OpenLDAP：禁用 bind_anon 或收紧其 ACL）。',
    'directory.diagnostic-withheld': '（服务器的消息中重复了密码，不予显示）',
    'directory.detail-withheld': '服务器的消息中重复了密码，不予显示',
    'directory.diagnostic.colon': '：{text}',
    'directory.diagnostic.paren': '（{text}）',
    'directory.block.directory': '目录',
    'directory.item.mode': '传输安全',
    'directory.mode.ldaps': 'LDAPS（隐式 TLS）',
    'directory.mode.starttls': 'LDAP + StartTLS',
    'directory.mode.plain': '明文 LDAP（无 TLS）',
    'directory.item.starttls': 'StartTLS',
    'directory.item.anonymous': '匿名绑定',
    'directory.anonymous.allowed': '允许',
    'directory.anonymous.refused': '拒绝',
    'directory.item.bind': '服务账号绑定',
    'directory.bind.as': '{bindDn}：{result}',
    'directory.bind.not-encrypted': '未尝试：连接未加密',
    'directory.bind.starttls-refused': '未尝试：StartTLS 被拒绝',
  },
};

interface Credentials {
  bindDn?: string;
  username?: string;
  password?: string;
}

/** An LDAP result as facts: the code, its RFC 4511 name, and the server's own text when it may be kept. */
export interface LdapAnswer {
  resultCode: number;
  result: string;
  /** The diagnosticMessage, bounded and cleaned. */
  diagnostic?: string;
  /** The diagnosticMessage repeated the bind password: not kept. */
  diagnosticWithheld?: true;
}

export type BindFacts =
  ({ attempted: true; bindDn: string } & LdapAnswer) | { attempted: false; reason: 'not-encrypted' | 'starttls-refused' };

export interface DirectoryFacts extends IntegrationFacts {
  /** How the connection was to be secured: implicit TLS, StartTLS, or none (startTls: off). */
  mode: 'ldaps' | 'starttls' | 'plain';
  connectMs?: number;
  /** The LDAPS handshake, or the one after StartTLS. */
  tlsHandshakeMs?: number;
  tls?: TlsFacts;
  startTls?: LdapAnswer;
  anonymousBind?: 'allowed' | 'refused';
  anonymousBindResult?: string;
  bind?: BindFacts;
  bindMs?: number;
}

const answerProperties = {
  resultCode: { type: 'integer' },
  result: { type: 'string' },
  diagnostic: { type: 'string' },
  diagnosticWithheld: { const: true },
} as const;

const factsSchema = integrationFactsSchema(
  {
    mode: { enum: ['ldaps', 'starttls', 'plain'] },
    connectMs: { type: 'number', minimum: 0 },
    tlsHandshakeMs: { type: 'number', minimum: 0 },
    tls: tlsFactsSchema,
    startTls: { type: 'object', required: ['resultCode', 'result'], properties: answerProperties },
    anonymousBind: { enum: ['allowed', 'refused'] },
    anonymousBindResult: { type: 'string' },
    bind: {
      type: 'object',
      required: ['attempted'],
      properties: {
        attempted: { type: 'boolean' },
        bindDn: { type: 'string' },
        reason: { enum: ['not-encrypted', 'starttls-refused'] },
        ...answerProperties,
      },
      if: { properties: { attempted: { const: true } } },
      then: { required: ['bindDn', 'resultCode', 'result'] },
      else: { required: ['reason'] },
    },
    bindMs: { type: 'number', minimum: 0 },
  },
  ['mode'],
);

/** LDAPS / StartTLS reachability and TLS, optional service-account bind, anonymous bind policy. */
export default defineCheck<Options, DirectoryFacts>({
  ...planning,
  facts: { version: 1, schema: factsSchema },
  messages,

  async measure(ctx, target) {
    const ep = target.endpoint!;
    const implicitTls = isImplicitTls(ep);
    const creds = (ep.extra.credentials ?? {}) as Credentials;
    const bindDn = creds.bindDn ?? creds.username;
    const secret = repeatsPassword(bindDn, creds.password);
    const mode: DirectoryFacts['mode'] = implicitTls ? 'ldaps' : startTlsPolicy(ep, ctx.options) === 'off' ? 'plain' : 'starttls';
    let socket: Socket | TLSSocket | undefined;
    let nextId = 1;
    const exchange = (request: (id: number) => Buffer, expect: 'bind' | 'extended'): Promise<LdapResult> => {
      const id = nextId++;
      return ldapExchange(socket as Socket, request(id), id, expect, Math.max(100, probeBudgetMs(ctx)), ctx.signal);
    };
    try {
      return await measureAlong<DirectoryFacts>(
        ctx,
        ep,
        async (route, facts) => {
          const tls = await endpointTls(ctx, ep);
          const opened = await opener(
            ctx,
            route,
            facts.connectTimeoutMs,
          )({ host: ep.host, port: ep.port, ...(implicitTls ? { tls } : {}) });
          socket = opened.socket;
          keepErrors(socket);
          if (opened.timings.connectMs !== undefined) facts.connectMs = opened.timings.connectMs;
          if (opened.tls) facts.tls = opened.tls;
          if (opened.timings.tlsMs !== undefined) facts.tlsHandshakeMs = opened.timings.tlsMs;
          let encrypted = implicitTls;

          if (mode === 'starttls') {
            const answer = await exchange(startTlsRequest, 'extended');
            facts.startTls = ldapAnswer(answer, secret);
            if (answer.resultCode === 0) {
              const t0 = performance.now();
              const secured = await tlsOver(
                socket as Socket,
                { host: ep.host, ...tls },
                Math.max(1000, Math.min(10_000, probeBudgetMs(ctx))),
                ctx.signal,
              );
              socket = secured.socket;
              keepErrors(socket);
              facts.tls = secured.tls;
              facts.tlsHandshakeMs = round(performance.now() - t0);
              encrypted = true;
            } else {
              // Whatever the policy says of it, this path gives no TLS.
              facts.classification = 'tls-failure';
            }
          }

          // After a refused StartTLS some servers hang up; the refusal is the answer, so nothing more is asked.
          const usable = !(facts.startTls && !encrypted);
          if (ctx.options.anonymousBind && usable) {
            const anon = await exchange((id) => bindRequest(id, '', ''), 'bind');
            facts.anonymousBind = anon.resultCode === 0 ? 'allowed' : 'refused';
            facts.anonymousBindResult = resultName(anon.resultCode);
          }
          if (bindDn && creds.password !== undefined) {
            // A password is never sent over a connection that is not encrypted.
            if (!usable) facts.bind = { attempted: false, reason: 'starttls-refused' };
            else if (!encrypted) facts.bind = { attempted: false, reason: 'not-encrypted' };
            else {
              const t0 = performance.now();
              const answer = await exchange((id) => bindRequest(id, bindDn, creds.password!), 'bind');
              facts.bindMs = round(performance.now() - t0);
              facts.bind = { attempted: true, bindDn, ...ldapAnswer(answer, secret) };
              if (answer.resultCode !== 0) facts.classification = 'auth-refused';
            }
          }
          unbind(socket, nextId);
        },
        { init: { mode }, secret },
      );
    } finally {
      socket?.destroy();
    }
  },

  judge(facts, { options, target }) {
    const ep = target.endpoint!;
    const base = { endpoint: ep.name, host: ep.host, port: ep.port };
    if (facts.failure) {
      const severity = unreachableSeverity(ep);
      if (facts.failure.classification !== 'server-error')
        return { score: 0, findings: [failureFinding('directory', { ...facts, failure: facts.failure }, ep, severity)] };
      const detail: Message | string = facts.messageWithheld ? { id: 'directory.detail-withheld' } : facts.failure.message;
      return {
        score: 0,
        findings: [
          {
            id: 'directory.not-ldap',
            severity,
            message: { id: 'directory.not-ldap', params: { ...base, detail } },
            remediation: { id: 'directory.not-ldap.fix', params: base },
            evidence: { code: facts.failure.code ?? '-', ...(facts.failure.detail ?? {}) },
          },
        ],
      };
    }
    const policy = startTlsPolicy(ep, options);
    const findings: Finding[] = [];
    let score = 1;
    let failed = false;
    if (facts.startTls && facts.startTls.resultCode !== 0) {
      findings.push({
        id: 'directory.starttls-refused',
        severity: policy === 'require' ? 'high' : 'medium',
        message: {
          id: 'directory.starttls-refused',
          params: { ...base, result: facts.startTls.result, diagnostic: diagnostic(facts.startTls, 'colon') },
        },
        remediation: { id: 'directory.starttls-refused.fix', params: base },
      });
      if (policy === 'require') failed = true;
      else score = Math.min(score, 0.6);
    } else if (facts.mode === 'plain') {
      findings.push({
        id: 'directory.plaintext',
        severity: 'high',
        message: { id: 'directory.plaintext', params: base },
        remediation: { id: 'directory.plaintext.fix' },
      });
      score = Math.min(score, 0.5);
    }
    if (facts.anonymousBind === 'allowed') {
      findings.push({
        id: 'directory.anonymous-allowed',
        severity: 'low',
        message: { id: 'directory.anonymous-allowed', params: base },
        remediation: { id: 'directory.anonymous-allowed.fix' },
      });
      score = Math.min(score, 0.8);
    }
    const bind = facts.bind;
    if (bind && !bind.attempted && bind.reason === 'not-encrypted') {
      findings.push({ id: 'directory.bind-not-tried', severity: 'info', message: { id: 'directory.bind-not-tried', params: base } });
    }
    if (bind?.attempted && bind.resultCode !== 0) {
      const params = { ...base, bindDn: bind.bindDn, result: bind.result, diagnostic: diagnostic(bind, 'paren') };
      const id = bind.resultCode === 49 ? 'directory.invalid-credentials' : 'directory.bind-failed';
      findings.push({ id, severity: 'high', message: { id, params }, remediation: { id: `${id}.fix` } });
      failed = true;
    }
    return { score: failed ? 0 : score, measurements: timings(facts), findings };
  },

  present(facts) {
    const bind = facts.bind;
    return integrationBlocks(
      { id: 'directory.block.directory' },
      [
        { label: { id: 'directory.item.mode' }, value: { id: `directory.mode.${facts.mode}` } },
        addressesItem(facts),
        facts.startTls && { label: { id: 'directory.item.starttls' }, value: facts.startTls.result },
        facts.anonymousBind && { label: { id: 'directory.item.anonymous' }, value: { id: `directory.anonymous.${facts.anonymousBind}` } },
        bind && {
          label: { id: 'directory.item.bind' },
          value: bind.attempted
            ? { id: 'directory.bind.as', params: { bindDn: bind.bindDn, result: bind.result } }
            : { id: `directory.bind.${bind.reason}` },
        },
      ],
      facts,
    );
  },
});

/** 636 and 3269 (AD global catalog over TLS) are implicit-TLS ports even when written as tcp. */
function isImplicitTls(ep: Endpoint): boolean {
  return ep.protocol === 'ldaps' || ep.protocol === 'tls' || (ep.protocol === 'tcp' && (ep.port === 636 || ep.port === 3269));
}

/** The endpoint's `ldap.startTls`, else the check's option. */
function startTlsPolicy(ep: Endpoint, options: Options): StartTlsPolicy {
  return (ep.extra.ldap as { startTls?: StartTlsPolicy } | undefined)?.startTls ?? options.startTls;
}

function timings(facts: DirectoryFacts): Measurement[] {
  return [...timingMeasurements(facts), ...(facts.bindMs !== undefined ? [{ id: 'bindMs', value: facts.bindMs, unit: 'ms' }] : [])];
}

/** The server's diagnostic for a finding: quoted as the message wants it, or said to be withheld. */
function diagnostic(answer: LdapAnswer, wrap: 'colon' | 'paren'): Message | string {
  if (answer.diagnosticWithheld) return { id: 'directory.diagnostic-withheld' };
  return answer.diagnostic ? { id: `directory.diagnostic.${wrap}`, params: { text: answer.diagnostic } } : '';
}

/**
 * True for a server's text that repeats the password in any form a server might echo it (some
 * servers quote the failed bind back): raw, JSON-escaped, URL-encoded, base64, base64 of dn:password.
 */
function repeatsPassword(bindDn: string | undefined, password: string | undefined): (text: string) => boolean {
  const forms =
    password && password.length >= 4
      ? [
          password,
          JSON.stringify(password).slice(1, -1),
          encodeURIComponent(password),
          Buffer.from(password).toString('base64'),
          ...(bindDn ? [Buffer.from(`${bindDn}:${password}`).toString('base64')] : []),
        ]
      : [];
  return (text) => forms.some((f) => text.includes(f));
}

/** An LDAP result as facts: the server's text tested whole for the password, then bounded and cleaned. */
function ldapAnswer(answer: LdapResult, secret: (text: string) => boolean): LdapAnswer {
  const text = answer.diagnosticMessage;
  return {
    resultCode: answer.resultCode,
    result: resultName(answer.resultCode),
    ...(text ? (secret(text) ? { diagnosticWithheld: true as const } : { diagnostic: peerText(text, 200) }) : {}),
  };
}

/** A polite goodbye (RFC 4511 §4.3); the server sends no answer, so nothing is awaited. */
function unbind(socket: Socket | TLSSocket, id: number): void {
  if (!socket.destroyed) socket.end(unbindRequest(id));
}
