import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import { commonOptions, defineCheck, type Finding } from '../../src/plugin-api.js';
import { keepErrors, tlsOver } from '../../src/net/dial.js';
import { bindRequest, resultName, startTlsRequest, unbindRequest, type LdapResult } from '../../src/net/ldap.js';
import { ldapExchange } from '../../src/net/ldap-client.js';
import { pathDetails, pathMessages } from '../../src/net/path-messages.js';
import { routeFor, type Route } from '../../src/net/proxy.js';
import { opener } from '../../src/net/route-connect.js';
import { lookupOnce, probeBudgetMs, unreachableSeverity } from '../../src/net/shared.js';
import { connectBudgetMs, endpointTls, isProtocolError, pathFailure, peerText, residency } from '../../src/integration/common.js';

const messages = {
  en: {
    ...pathMessages.en,
    'directory.not-ldap': '{endpoint}: {host}:{port} accepts connections but does not answer in LDAP ({detail}).',
    'directory.not-ldap.fix': 'Check that the directory service listens on this port ({port}); 636 is LDAPS, 389 is LDAP with StartTLS, 3268/3269 the Active Directory global catalog.',
    'directory.starttls-refused': '{endpoint}: StartTLS on {host}:{port} was refused ({result}{diagnostic}): directory traffic, binds included, would cross the network in clear text.',
    'directory.starttls-refused.fix': 'Enable StartTLS on the directory server (a certificate for {host}), or point the IM platform at LDAPS (port 636). Never let it bind over plain LDAP.',
    'directory.plaintext': '{endpoint}: plain LDAP on {host}:{port} without StartTLS: binds and directory data cross the network in clear text.',
    'directory.plaintext.fix': 'Use ldaps:// (port 636) or enable StartTLS (ldap.startTls: require).',
    'directory.bind-not-tried': '{endpoint}: the service account bind was not tried, because the connection is not encrypted.',
    'directory.invalid-credentials': '{endpoint}: the directory refused the service account {bindDn}: invalid credentials (49){diagnostic}.',
    'directory.invalid-credentials.fix': 'Check the bind DN and the password in the environment variable the site file names; an expired or locked service account answers 49 as well (Active Directory puts the reason in the diagnostic: data 52e wrong password, 532 expired, 533 disabled, 775 locked).',
    'directory.bind-failed': '{endpoint}: binding as {bindDn} failed: {result}{diagnostic}.',
    'directory.bind-failed.fix': 'Read the result code: strongerAuthRequired / confidentialityRequired mean the server wants TLS or signing, unwillingToPerform often a policy on simple binds; fix the account or the server policy the IM platform depends on.',
    'directory.anonymous-allowed': '{endpoint}: the directory accepts anonymous binds.',
    'directory.anonymous-allowed.fix': 'If anonymous binds can read users and groups, anyone on the network can harvest the organisation\'s directory: restrict anonymous access (AD: dsHeuristics; OpenLDAP: disallow bind_anon or limit its ACLs).',
    'directory.diagnostic-withheld': ' (the server\'s message repeats the password and is not shown)',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    'directory.not-ldap': '{endpoint}：{host}:{port} 接受连接，但不以 LDAP 应答（{detail}）。',
    'directory.not-ldap.fix': '确认目录服务在该端口（{port}）上监听：636 为 LDAPS，389 为支持 StartTLS 的 LDAP，3268/3269 为 Active Directory 全局编录。',
    'directory.starttls-refused': '{endpoint}：{host}:{port} 拒绝了 StartTLS（{result}{diagnostic}）：目录流量（包括绑定凭据）将以明文在网络上传输。',
    'directory.starttls-refused.fix': '在目录服务器上启用 StartTLS（为 {host} 配置证书），或让 IM 平台改用 LDAPS（端口 636）。切勿通过明文 LDAP 绑定。',
    'directory.plaintext': '{endpoint}：{host}:{port} 使用未启用 StartTLS 的明文 LDAP：绑定凭据和目录数据以明文传输。',
    'directory.plaintext.fix': '使用 ldaps://（端口 636）或启用 StartTLS（ldap.startTls: require）。',
    'directory.bind-not-tried': '{endpoint}：连接未加密，因此未尝试服务账号绑定。',
    'directory.invalid-credentials': '{endpoint}：目录拒绝了服务账号 {bindDn}：凭据无效（49）{diagnostic}。',
    'directory.invalid-credentials.fix': '核对绑定 DN 以及站点文件所指环境变量中的密码；服务账号过期或被锁定时同样返回 49（Active Directory 会在诊断信息中说明原因：data 52e 密码错误，532 已过期，533 已禁用，775 已锁定）。',
    'directory.bind-failed': '{endpoint}：以 {bindDn} 绑定失败：{result}{diagnostic}。',
    'directory.bind-failed.fix': '根据结果码处理：strongerAuthRequired / confidentialityRequired 表示服务器要求 TLS 或签名，unwillingToPerform 通常是针对简单绑定的策略；请修正 IM 平台所依赖的账号或服务器策略。',
    'directory.anonymous-allowed': '{endpoint}：目录允许匿名绑定。',
    'directory.anonymous-allowed.fix': '如果匿名绑定可以读取用户和组，网络上的任何人都能获取整个组织的目录：请限制匿名访问（AD：dsHeuristics；OpenLDAP：禁用 bind_anon 或收紧其 ACL）。',
    'directory.diagnostic-withheld': '（服务器的消息中重复了密码，不予显示）',
  },
};

interface Options {
  connectTimeoutMs: number;
  startTls: 'require' | 'try' | 'off';
  anonymousBind: boolean;
}

interface Credentials {
  bindDn?: string;
  username?: string;
  password?: string;
}

const DIRECTORY_PROTOCOLS = new Set(['ldap', 'ldaps', 'tls']);
/** A bare `tcp` endpoint is taken for LDAP only on the LDAP ports (RFC 4511 389, LDAPS 636, AD global catalog 3268/3269). */
const LDAP_PORTS = new Set([389, 636, 3268, 3269]);

/** LDAPS / StartTLS reachability and TLS, optional service-account bind, anonymous bind policy. */
export default defineCheck<Options>({
  meta: {
    id: 'directory',
    title: 'The directory (LDAP) is reachable over TLS and accepts the service account',
    failureTitle: 'The directory (LDAP) is not usable by the IM platform',
    description:
      'For every endpoint with role `directory` (ldaps:// or ldap:// URLs, or host:port with protocol ldaps / ldap / ' +
      'tls, or tcp on 389 / 636 / 3268 / 3269; also `directory-sync` endpoints with ldap(s) URLs), along its route (direct or through the proxy\'s CONNECT ' +
      'tunnel): LDAPS — the TLS handshake with ' +
      'certificate verification (trust, host name, validity, protocol), classified like the http check; ldap:// — the ' +
      'StartTLS extended operation (RFC 4511 §4.14, OID 1.3.6.1.4.1.1466.20037) and then the same TLS handshake. Then an ' +
      'anonymous simple bind (allowed or refused is recorded) and, with `credentials.bindDn` and `credentials.password: ' +
      '${ENV}`, a simple bind as the service account: success, `invalidCredentials` (49) and other result codes are told ' +
      'apart. A password is never sent over an unencrypted connection. The full TLS audit (versions, ciphers) is the tls check\'s.',
    category: 'integration',
    severity: 'high',
    weight: 3,
    timeoutMs: 15_000,
    references: [
      { title: 'RFC 4511 — LDAP: The Protocol', clause: '§4.2 (Bind), §4.14 (StartTLS), Appendix A (result codes)' },
      { title: 'RFC 4513 — LDAP: Authentication Methods and Security Mechanisms', clause: '§3 (StartTLS), §5.1 (simple bind, anonymous)' },
      { title: 'RFC 8314 — Cleartext Considered Obsolete', clause: '§3 (implicit TLS preferred)' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        startTls: { type: 'string', enum: ['require', 'try', 'off'] },
        anonymousBind: { type: 'boolean', description: 'Try an anonymous bind and report whether it is allowed (default true).' },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000, startTls: 'require', anonymousBind: true },
  },
  messages,
  targets(site) {
    return site.platform.endpoints
      // An org-structure sync source that is a directory gets the same LDAP tests.
      .filter((ep) => (ep.role === 'directory' || (ep.role === 'directory-sync' && (ep.protocol === 'ldap' || ep.protocol === 'ldaps'))) && (DIRECTORY_PROTOCOLS.has(ep.protocol) || (ep.protocol === 'tcp' && LDAP_PORTS.has(ep.port))) && ep.expect === 'reachable')
      .map((ep) => ({ id: ep.name, endpoint: ep, location: ep.location }));
  },
  async run(ctx, target) {
    const ep = target.endpoint!;
    const severity = unreachableSeverity(ep);
    const connectTimeoutMs = connectBudgetMs(ctx);
    // 636 and 3269 (AD global catalog over TLS) are implicit-TLS ports even when written as tcp.
    const implicitTls = ep.protocol === 'ldaps' || ep.protocol === 'tls' || (ep.protocol === 'tcp' && (ep.port === 636 || ep.port === 3269));
    const startTls = (ep.extra.ldap as { startTls?: Options['startTls'] } | undefined)?.startTls ?? ctx.options.startTls;
    const creds = (ep.extra.credentials ?? {}) as Credentials;
    const bindDn = creds.bindDn ?? creds.username;
    const where = await residency(ctx, ep.host);
    let route: Route | undefined;
    let socket: Socket | TLSSocket | undefined;
    let nextId = 1;
    const exchange = (request: (id: number) => Buffer, expect: 'bind' | 'extended'): Promise<LdapResult> => {
      const id = nextId++;
      return ldapExchange(socket as Socket, request(id), id, expect, Math.max(100, probeBudgetMs(ctx)), ctx.signal);
    };
    const quote = serverText(bindDn, creds.password);
    const findings: Finding[] = [];
    const base = { endpoint: ep.name, host: ep.host, port: ep.port };
    try {
      route = await routeFor(ctx, ep);
      if (route.path === 'direct') await lookupOnce(ctx, ep.host);
      const tls = await endpointTls(ctx, ep);
      const open = opener(ctx, route, connectTimeoutMs);
      const opened = await open({ host: ep.host, port: ep.port, ...(implicitTls ? { tls } : {}) });
      socket = opened.socket;
      keepErrors(socket);
      const details: Record<string, unknown> = {
        classification: 'ok',
        ...pathDetails(route),
        mode: implicitTls ? 'ldaps' : startTls === 'off' ? 'plain' : 'starttls',
        ...where,
      };
      const measurements = [
        ...(opened.timings.connectMs !== undefined ? [{ id: 'connectMs', value: opened.timings.connectMs, unit: 'ms' }] : []),
      ];
      let encrypted = implicitTls;
      let tlsFacts = opened.tls;
      let tlsMs = opened.timings.tlsMs;
      let score = 1;
      let failed = false;

      if (!implicitTls && startTls !== 'off') {
        const answer = await exchange(startTlsRequest, 'extended');
        details.startTls = { resultCode: answer.resultCode, result: resultName(answer.resultCode) };
        if (answer.resultCode === 0) {
          const t0 = performance.now();
          const secured = await tlsOver(socket as Socket, { host: ep.host, ...tls }, Math.max(1000, Math.min(10_000, probeBudgetMs(ctx))), ctx.signal);
          socket = secured.socket;
          keepErrors(socket);
          tlsFacts = secured.tls;
          tlsMs = Math.round((performance.now() - t0) * 100) / 100;
          encrypted = true;
        } else {
          findings.push({
            id: 'directory.starttls-refused',
            severity: startTls === 'require' ? 'high' : 'medium',
            message: { id: 'directory.starttls-refused', params: { ...base, result: resultName(answer.resultCode), diagnostic: answer.diagnosticMessage ? quote(answer.diagnosticMessage, (t) => `: ${t}`) : '' } },
            remediation: { id: 'directory.starttls-refused.fix', params: base },
          });
          if (startTls === 'require') {
            failed = true;
            details.classification = 'tls-failure';
          } else score = Math.min(score, 0.6);
        }
      } else if (!implicitTls) {
        findings.push({ id: 'directory.plaintext', severity: 'high', message: { id: 'directory.plaintext', params: base }, remediation: { id: 'directory.plaintext.fix' } });
        score = Math.min(score, 0.5);
      }
      if (tlsFacts) details.tls = tlsFacts;
      if (tlsMs !== undefined) measurements.push({ id: 'tlsHandshakeMs', value: tlsMs, unit: 'ms' });

      // After a refused StartTLS some servers hang up; the refusal is the finding, so nothing more is asked.
      const usable = !(details.startTls && !encrypted);
      if (ctx.options.anonymousBind && usable) {
        const anon = await exchange((id) => bindRequest(id, '', ''), 'bind');
        details.anonymousBind = anon.resultCode === 0 ? 'allowed' : 'refused';
        details.anonymousBindResult = resultName(anon.resultCode);
        if (anon.resultCode === 0) {
          findings.push({ id: 'directory.anonymous-allowed', severity: 'low', message: { id: 'directory.anonymous-allowed', params: base }, remediation: { id: 'directory.anonymous-allowed.fix' } });
          score = Math.min(score, 0.8);
        }
      }

      if (bindDn && creds.password !== undefined && !usable) details.bind = { attempted: false, reason: 'starttls-refused' };
      if (bindDn && creds.password !== undefined && usable) {
        if (!encrypted) {
          details.bind = { attempted: false, reason: 'not-encrypted' };
          findings.push({ id: 'directory.bind-not-tried', severity: 'info', message: { id: 'directory.bind-not-tried', params: base } });
        } else {
          const t0 = performance.now();
          const answer = await exchange((id) => bindRequest(id, bindDn, creds.password!), 'bind');
          const bindMs = Math.round((performance.now() - t0) * 100) / 100;
          measurements.push({ id: 'bindMs', value: bindMs, unit: 'ms' });
          details.bind = { attempted: true, bindDn, resultCode: answer.resultCode, result: resultName(answer.resultCode) };
          const params = { ...base, bindDn, result: resultName(answer.resultCode), diagnostic: answer.diagnosticMessage ? quote(answer.diagnosticMessage, (t) => ` (${t})`) : '' };
          if (answer.resultCode === 49) {
            details.classification = 'auth-refused';
            failed = true;
            findings.push({ id: 'directory.invalid-credentials', severity: 'high', message: { id: 'directory.invalid-credentials', params }, remediation: { id: 'directory.invalid-credentials.fix' } });
          } else if (answer.resultCode !== 0) {
            details.classification = 'auth-refused';
            failed = true;
            findings.push({ id: 'directory.bind-failed', severity: 'high', message: { id: 'directory.bind-failed', params }, remediation: { id: 'directory.bind-failed.fix' } });
          }
        }
      }
      unbind(socket, nextId);
      if (failed) return { status: 'fail', score: 0, measurements, findings, details };
      return { status: findings.some((f) => f.severity !== 'info') ? 'warn' : 'pass', score, measurements, findings, details };
    } catch (err) {
      if (isProtocolError(err)) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        return {
          status: 'fail',
          score: 0,
          findings: [
            {
              id: 'directory.not-ldap',
              severity,
              message: { id: 'directory.not-ldap', params: { ...base, detail: quote(err.message, (t) => t) } },
              remediation: { id: 'directory.not-ldap.fix', params: base },
              evidence: { code: err.code ?? '-', ...(err.detail ?? {}) },
            },
          ],
          details: { classification: 'server-error', ...(route ? pathDetails(route) : {}), phase: err.phase, code: err.code, ...where },
        };
      }
      return pathFailure('directory', ctx, err, ep, severity, connectTimeoutMs, route, where);
    } finally {
      socket?.destroy();
    }
  },
});

/**
 * How a server's own text (diagnosticMessage, a notice of disconnection) is quoted: bounded and
 * cleaned like any peer text, and withheld whole when it repeats the password in any form a
 * server might echo it (some servers quote the failed bind back).
 */
function serverText(bindDn: string | undefined, password: string | undefined): (text: string, wrap: (quoted: string) => string) => string {
  const forms = password && password.length >= 4 ? [password, JSON.stringify(password).slice(1, -1), encodeURIComponent(password), Buffer.from(password).toString('base64'), ...(bindDn ? [Buffer.from(`${bindDn}:${password}`).toString('base64')] : [])] : [];
  // A message reference must be the whole parameter for the report to translate it.
  return (text, wrap) => (forms.some((f) => text.includes(f)) ? '@directory.diagnostic-withheld' : wrap(peerText(text, 200)));
}

/** A polite goodbye (RFC 4511 §4.3); the server sends no answer, so nothing is awaited. */
function unbind(socket: Socket | TLSSocket, id: number): void {
  if (!socket.destroyed) socket.end(unbindRequest(id));
}
