import { commonOptions, defineCheck, type CheckContext, type Classification, type Finding } from '../../src/plugin-api.js';
import { openTunnel, routeFor, type Route } from '../../src/net/proxy.js';
import { PathError } from '../../src/net/classify.js';
import { dial } from '../../src/net/dial.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { pathDetails, pathFinding, pathMessages } from '../../src/net/path-messages.js';
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

const TCP_PROTOCOLS = new Set(['tcp', 'tls', 'http', 'https', 'ws', 'wss', 'turns', 'ldap', 'ldaps', 'smb']);
// Best first: when addresses disagree, the endpoint is as good as its best address.
const ORDER: Classification[] = ['ok', 'refused', 'unreachable', 'filtered', 'timeout', 'dns-failure'];

/** TCP connect to every address of every TCP endpoint: open / refused / filtered / unreachable. */
export default defineCheck<Options>({
  meta: {
    id: 'tcp',
    title: 'Endpoints accept TCP connections',
    failureTitle: 'Endpoints do not accept TCP connections',
    description:
      'Opens a TCP connection to every resolved address of every TCP-based endpoint (tcp, tls, http(s), ws(s), turns, ldap(s), smb) ' +
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
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        slowMs: { type: 'number', minimum: 1 },
        timeoutMs: commonOptions.timeoutMs,
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
    const route: Route | PathError = await routeFor(ctx, ep).catch((err: unknown) => {
      if (err instanceof PathError) return err;
      throw err;
    });
    if (route instanceof PathError) {
      return { status: 'fail', score: 0, findings: [pathFinding('tcp', route, ep, severity, connectTimeoutMs)], details: { classification: route.classification, expect: ep.expect, path: 'proxy', host: ep.host, port: ep.port } };
    }
    // The direct path is always tried; through a proxy, the CONNECT tunnel is the path that counts.
    const direct = await directPath(ctx, ep.host, ep.port, connectTimeoutMs);
    const viaProxy = route.path === 'proxy' ? await proxyPath(ctx, route, ep.host, ep.port, connectTimeoutMs) : undefined;
    const primary = viaProxy ?? direct;
    const details = {
      classification: primary.classification,
      expect: ep.expect,
      ...pathDetails(route),
      host: ep.host,
      port: ep.port,
      ...(direct.attempts ? { addresses: direct.attempts } : {}),
      ...(viaProxy ? { direct: { classification: direct.classification } } : {}),
      ...(viaProxy?.error instanceof PathError && viaProxy.error.detail ? { proxyAnswer: viaProxy.error.detail } : {}),
    };

    if (ep.expect === 'blocked') {
      const openOn = [direct, viaProxy].filter((p) => p?.classification === 'ok').map((p) => (p === viaProxy ? 'proxy' : 'direct'));
      if (openOn.length === 0) return { status: 'pass', score: 1, details };
      return {
        status: 'fail',
        score: 0,
        findings: [
          {
            id: 'tcp.unexpectedly-open',
            severity: ep.severity ?? 'high',
            message: { id: 'path.unexpectedly-open', params: { endpoint: ep.name, host: ep.host, port: ep.port } },
            remediation: { id: 'path.unexpectedly-open.fix', params: { host: ep.host, port: ep.port } },
            evidence: { openOn, ...(direct.attempts ? { openAddresses: direct.attempts.filter((a) => a.classification === 'ok').map((a) => a.address) } : {}) },
          },
        ],
        details,
      };
    }

    if (primary.classification !== 'ok') {
      return { status: 'fail', score: 0, findings: [pathFinding('tcp', primary.error!, ep, severity, connectTimeoutMs)], details };
    }
    let connectMs = primary.connectMs ?? 0;
    if (connectMs > slowMs && !viaProxy) {
      // One slow handshake can be local scheduling noise: like ping's "min", take the best of three.
      const again = await directPath(ctx, ep.host, ep.port, connectTimeoutMs);
      const third = await directPath(ctx, ep.host, ep.port, connectTimeoutMs);
      connectMs = Math.min(connectMs, again.connectMs ?? Infinity, third.connectMs ?? Infinity);
    }
    const findings: Finding[] = [];
    let score = timingScore(connectMs, slowMs, slowMs * 3);
    if (connectMs > slowMs) {
      findings.push({
        id: 'tcp.slow',
        severity: 'medium',
        message: { id: 'tcp.slow', params: { endpoint: ep.name, ms: round(connectMs), limit: slowMs } },
        remediation: { id: 'tcp.slow.fix', params: { host: ep.host } },
      });
    }
    const failed = !viaProxy ? (direct.attempts ?? []).filter((a) => a.classification !== 'ok') : [];
    if (failed.length) {
      score = Math.min(score, 0.7);
      findings.push({
        id: 'tcp.partial',
        severity: 'medium',
        message: { id: 'tcp.partial', params: { endpoint: ep.name, host: ep.host, failed: failed.length, total: direct.attempts!.length } },
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

interface PathOutcome {
  classification: Classification;
  connectMs?: number;
  error?: PathError | DnsLookupError;
  attempts?: Array<{ address: string; classification: Classification; connectMs?: number; code?: string }>;
}

/** TCP handshake to every address of the host, in parallel; the host is as good as its best address. */
async function directPath(ctx: CheckContext<any>, host: string, port: number, connectTimeoutMs: number): Promise<PathOutcome> {
  let addresses: string[];
  try {
    addresses = (await lookupOnce(ctx, host)).addresses.map((a) => a.address);
  } catch (err) {
    if (!(err instanceof DnsLookupError)) throw err;
    return { classification: 'dns-failure', error: err };
  }
  const attempts = await Promise.all(
    addresses.map(async (address) => {
      try {
        const d = await dial({ address, port, connectTimeoutMs, signal: ctx.signal });
        d.socket.destroy();
        return { address, classification: 'ok' as Classification, connectMs: d.timings.connectMs ?? 0 };
      } catch (err) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        const pe = err instanceof PathError ? err : new PathError('unreachable', 'connect', String(err));
        return { address, classification: pe.classification, ...(pe.code ? { code: pe.code } : {}), error: pe };
      }
    }),
  );
  const best = [...attempts].sort((a, b) => ORDER.indexOf(a.classification) - ORDER.indexOf(b.classification))[0]!;
  const open = attempts.filter((a) => a.classification === 'ok');
  return {
    classification: best.classification,
    ...(open.length ? { connectMs: Math.min(...open.map((a) => a.connectMs ?? Infinity)) } : {}),
    ...(errorOf(best) ? { error: errorOf(best)! } : {}),
    attempts: attempts.map((a) => {
      const { error: _e, ...rest } = a as typeof a & { error?: unknown };
      return rest;
    }),
  };
}

function errorOf(a: object): PathError | undefined {
  return 'error' in a && a.error instanceof PathError ? a.error : undefined;
}

/** A CONNECT tunnel to host:port through the endpoint's proxy: what a proxied client gets. */
async function proxyPath(ctx: CheckContext<any>, route: Extract<Route, { path: 'proxy' }>, host: string, port: number, connectTimeoutMs: number): Promise<PathOutcome> {
  try {
    const t = await openTunnel(ctx, route.proxy, { host, port }, { connectTimeoutMs, timeoutMs: Math.max(1000, ctx.remainingMs() - 300) });
    t.socket.destroy();
    return { classification: 'ok', connectMs: t.timings.proxyConnectMs + t.timings.tunnelMs };
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (!(err instanceof PathError)) throw err;
    return { classification: err.classification, error: err };
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
