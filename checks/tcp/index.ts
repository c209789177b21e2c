import { defineCheck, type Classification, type Finding } from '../../src/plugin-api.js';
import { PathError } from '../../src/net/classify.js';
import { dial } from '../../src/net/dial.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { pathFinding, pathMessages } from '../../src/net/path-messages.js';
import { lookupOnce, timingScore, unreachableSeverity } from '../../src/net/shared.js';

const messages = {
  en: {
    ...pathMessages.en,
    'tcp.slow': '{endpoint}: TCP connect took {ms} ms (target ≤ {limit} ms).',
    'tcp.slow.fix': 'A slow handshake usually means a long or congested path: check routing to {host}, and for real-time media the Teams target of < 100 ms RTT to the service edge.',
    'tcp.partial': '{endpoint}: {failed} of {total} addresses of {host} do not accept connections.',
    'tcp.partial.fix': 'Clients that pick a failing address stall until they fall back: fix or remove the DNS records of the failing addresses ({addresses}).',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    'tcp.slow': '{endpoint}：TCP 建连用时 {ms} 毫秒（目标 ≤ {limit} 毫秒）。',
    'tcp.slow.fix': '握手缓慢通常意味着路径过长或拥塞：检查到 {host} 的路由；实时媒体的 Teams 目标是到服务边缘 RTT < 100 毫秒。',
    'tcp.partial': '{endpoint}：{host} 的 {total} 个地址中有 {failed} 个不接受连接。',
    'tcp.partial.fix': '选中故障地址的客户端会卡住直到回退：修复或删除故障地址的 DNS 记录（{addresses}）。',
  },
};

interface Options {
  connectTimeoutMs: number;
  slowMs: number;
}

const TCP_PROTOCOLS = new Set(['tcp', 'tls', 'http', 'https', 'ws', 'wss', 'turns']);
// Best first: when addresses disagree, the endpoint is as good as its best address.
const ORDER: Classification[] = ['ok', 'refused', 'unreachable', 'filtered', 'timeout', 'dns-failure'];

/** TCP connect to every address of every TCP endpoint: open / refused / filtered / unreachable. */
export default defineCheck<Options>({
  meta: {
    id: 'tcp',
    title: 'Endpoints accept TCP connections',
    failureTitle: 'Endpoints do not accept TCP connections',
    description:
      'Opens a TCP connection to every resolved address of every TCP-based endpoint (tcp, tls, http(s), ws(s), turns) ' +
      'and tells apart **open** (handshake completed, time recorded), **refused** (RST: nothing listens or a firewall rejects), ' +
      '**filtered** (no answer before the connect timeout: packets dropped) and **unreachable** (ICMP host/net unreachable). ' +
      'Endpoints marked `expect: blocked` pass when they are *not* reachable. Connect time is one round trip; the threshold ' +
      'follows the Microsoft Teams network target of < 100 ms RTT from client to service edge.',
    category: 'network',
    severity: 'critical',
    weight: 3,
    timeoutMs: 10000,
    references: [
      { title: 'RFC 9293 — Transmission Control Protocol', clause: '§3.5 (connection establishment, reset)' },
      { title: 'Microsoft Teams: prepare your organization\'s network', url: 'https://learn.microsoft.com/microsoftteams/prepare-network', clause: 'network performance requirements' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: { type: 'integer', minimum: 50, maximum: 60000 },
        slowMs: { type: 'number', minimum: 1 },
        timeoutMs: { type: 'integer', minimum: 100 },
      },
    },
    defaults: { connectTimeoutMs: 3000, slowMs: 100 },
  },
  messages,
  targets(site) {
    return site.platform.endpoints
      .filter((ep) => TCP_PROTOCOLS.has(ep.protocol))
      .map((ep) => ({ id: ep.name, endpoint: ep, location: ep.location }));
  },
  async run(ctx, target) {
    const ep = target.endpoint!;
    const connectTimeoutMs = Math.min(ctx.options.connectTimeoutMs, Math.max(50, ctx.remainingMs() - 200));
    const slowMs = ctx.threshold('connectMs', ctx.options.slowMs);
    const severity = unreachableSeverity(ep);
    let addresses: string[];
    try {
      addresses = (await lookupOnce(ctx, ep.host)).addresses.map((a) => a.address);
    } catch (err) {
      if (!(err instanceof DnsLookupError)) throw err;
      const blocked = ep.expect === 'blocked';
      return {
        status: blocked ? 'pass' : 'fail',
        score: blocked ? 1 : 0,
        findings: blocked ? [] : [pathFinding('tcp', err, ep, severity, connectTimeoutMs)],
        details: { classification: 'dns-failure', expect: ep.expect, host: ep.host, port: ep.port },
      };
    }

    const attempts = await Promise.all(
      addresses.map(async (address) => {
        try {
          const d = await dial({ address, port: ep.port, connectTimeoutMs, signal: ctx.signal });
          d.socket.destroy();
          return { address, classification: 'ok' as Classification, connectMs: d.timings.connectMs ?? 0 };
        } catch (err) {
          if (ctx.signal.aborted) throw ctx.signal.reason;
          const pe = err instanceof PathError ? err : new PathError('unreachable', 'connect', String(err));
          return { address, classification: pe.classification, code: pe.code, error: pe };
        }
      }),
    );
    const best = [...attempts].sort((a, b) => ORDER.indexOf(a.classification) - ORDER.indexOf(b.classification))[0]!;
    const open = attempts.filter((a) => a.classification === 'ok');
    const details = {
      classification: best.classification,
      expect: ep.expect,
      host: ep.host,
      port: ep.port,
      addresses: attempts.map(({ error: _e, ...a }) => a),
    };

    if (ep.expect === 'blocked') {
      if (open.length === 0) return { status: 'pass', score: 1, details };
      return {
        status: 'fail',
        score: 0,
        findings: [
          {
            id: 'tcp.unexpectedly-open',
            severity: ep.severity ?? 'high',
            message: { id: 'path.unexpectedly-open', params: { endpoint: ep.name, host: ep.host, port: ep.port } },
            remediation: { id: 'path.unexpectedly-open.fix', params: { host: ep.host, port: ep.port } },
            evidence: { openAddresses: open.map((a) => a.address) },
          },
        ],
        details,
      };
    }

    if (open.length === 0) {
      return { status: 'fail', score: 0, findings: [pathFinding('tcp', best.error!, ep, severity, connectTimeoutMs)], details };
    }
    const connectMs = Math.min(...open.map((a) => a.connectMs ?? Infinity));
    const findings: Finding[] = [];
    let score = timingScore(connectMs, slowMs, slowMs * 3);
    if (connectMs > slowMs) {
      findings.push({
        id: 'tcp.slow',
        severity: 'medium' as const,
        message: { id: 'tcp.slow', params: { endpoint: ep.name, ms: round(connectMs), limit: slowMs } },
        remediation: { id: 'tcp.slow.fix', params: { host: ep.host } },
      });
    }
    const failed = attempts.filter((a) => a.classification !== 'ok');
    if (failed.length) {
      score = Math.min(score, 0.7);
      findings.push({
        id: 'tcp.partial',
        severity: 'medium' as const,
        message: { id: 'tcp.partial', params: { endpoint: ep.name, host: ep.host, failed: failed.length, total: attempts.length } },
        remediation: { id: 'tcp.partial.fix', params: { addresses: failed.map((f) => `${f.address} ${f.classification}`).join(', ') } },
      });
    }
    return {
      status: findings.length ? 'warn' : 'pass',
      score,
      measurements: [{ id: 'connectMs', value: round(connectMs), unit: 'ms', threshold: { max: slowMs, source: 'Teams: RTT < 100 ms client → edge' } }],
      findings,
      details,
    };
  },
});

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
