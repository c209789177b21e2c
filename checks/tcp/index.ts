// TCP connect to every address of every TCP endpoint: open / refused / filtered / unreachable.
// Written against the public plugin API only (siteready/plugin), as a third-party check would be.

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  defineArtifact,
  defineCheck,
  dial,
  DnsLookupError,
  errorCode,
  errorSeen,
  lookupOnce,
  openTunnel,
  PathError,
  pathDetails,
  pathFailureFinding,
  pathFailureOf,
  pathFailureSchema,
  pathMessages,
  round,
  routeFor,
  serverLabel,
  timingScore,
  unreachableSeverity,
  type Block,
  type Classification,
  type Endpoint,
  type Finding,
  type MeasureContext,
  type PathFailure,
  type Route,
} from '../../src/plugin.js';
import planning, { type Options } from './plan.js';

const messages = {
  en: {
    ...pathMessages.en,
    'tcp.slow': '{endpoint}: TCP connect took {ms} ms (target ≤ {limit} ms).',
    'tcp.slow.fix':
      'A slow handshake usually means a long or congested path: check routing to {host}, and for real-time media the Teams target of < 100 ms RTT to the service edge.',
    'tcp.partial': '{endpoint}: {failed} of {total} addresses of {host} do not accept connections.',
    'tcp.partial.fix':
      'Clients that pick a failing address stall until they fall back: fix or remove the DNS records of the failing addresses ({addresses}).',
    'tcp.reset-after-accept':
      '{endpoint}: {host}:{port} completes the TCP handshake and then resets the connection at once, before anything is sent.',
    'tcp.reset-after-accept.fix':
      'Something accepts for the service and then refuses it: a load balancer with no healthy backend, a firewall or proxy that rejects the flow after the handshake, or a service at its connection limit. Check the service and its pool behind {host}:{port}, then the rules between this site and it.',
    'tcp.block.addresses': 'Addresses',
    'tcp.col.address': 'Address',
    'tcp.col.result': 'Result',
    'tcp.col.connect': 'Connect (ms)',
    'tcp.col.code': 'Code',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    'tcp.slow': '{endpoint}：TCP 建连用时 {ms} 毫秒（目标 ≤ {limit} 毫秒）。',
    'tcp.slow.fix': '握手缓慢通常意味着路径过长或拥塞：检查到 {host} 的路由；实时媒体的 Teams 目标是到服务边缘 RTT < 100 毫秒。',
    'tcp.partial': '{endpoint}：{host} 的 {total} 个地址中有 {failed} 个不接受连接。',
    'tcp.partial.fix': '选中故障地址的客户端会卡住直到回退：修复或删除故障地址的 DNS 记录（{addresses}）。',
    'tcp.reset-after-accept': '{endpoint}：{host}:{port} 完成了 TCP 握手，随即在任何数据发送之前重置了连接。',
    'tcp.reset-after-accept.fix':
      '有设备代替服务接受了连接，随后又拒绝了它：没有健康后端的负载均衡器、在握手后拒绝该流量的防火墙或代理，或已达连接上限的服务。请检查 {host}:{port} 后面的服务及其后端池，再检查本站点与它之间的规则。',
    'tcp.block.addresses': '地址',
    'tcp.col.address': '地址',
    'tcp.col.result': '结果',
    'tcp.col.connect': '建连（毫秒）',
    'tcp.col.code': '代码',
  },
};

/** One address of the endpoint's host, dialled. */
export interface TcpAttempt {
  address: string;
  classification: Classification;
  connectMs?: number;
  code?: string;
}

/** How one path (direct, or through the proxy's CONNECT tunnel) to the endpoint went. */
export interface TcpPath {
  classification: Classification;
  /** Best handshake time over the addresses that accepted (through a proxy: proxy connect + tunnel). */
  connectMs?: number;
  failure?: PathFailure;
  /** Direct path only: every address of the host. */
  attempts?: TcpAttempt[];
}

export interface TcpFacts {
  host: string;
  port: number;
  /** The primary path's classification: the proxy tunnel's when the endpoint goes through a proxy. */
  classification: Classification;
  path: 'direct' | 'proxy';
  proxy?: string;
  proxySource?: string;
  route?: string;
  /** The connect deadline the handshakes had. */
  connectTimeoutMs: number;
  /** The route itself could not be decided (a proxy that does not resolve, a PAC file that fails). */
  routeFailure?: PathFailure;
  direct?: TcpPath;
  viaProxy?: TcpPath;
  /** When the first handshake was slower than `slowMs`, the two more taken (best of three counts). */
  retriesMs?: number[];
  /** The server connected to: route and host:port. Endpoints on it share one measurement per run. */
  auditKey?: string;
  /** The endpoint whose task measured this server, when it is another one. */
  sameServerAs?: string;
}

const attemptSchema = {
  type: 'object',
  required: ['address', 'classification'],
  properties: { address: { type: 'string' }, classification: { type: 'string' }, connectMs: { type: 'number' }, code: { type: 'string' } },
} as const;

const pathSchema = {
  type: 'object',
  required: ['classification'],
  properties: {
    classification: { type: 'string' },
    connectMs: { type: 'number', minimum: 0 },
    failure: pathFailureSchema,
    attempts: { type: 'array', items: attemptSchema },
  },
} as const;

const factsSchema = {
  type: 'object',
  required: ['host', 'port', 'classification', 'path', 'connectTimeoutMs'],
  properties: {
    host: { type: 'string' },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    classification: { type: 'string' },
    path: { enum: ['direct', 'proxy'] },
    proxy: { type: 'string' },
    proxySource: { type: 'string' },
    route: { type: 'string' },
    connectTimeoutMs: { type: 'number', minimum: 0 },
    routeFailure: pathFailureSchema,
    direct: pathSchema,
    viaProxy: pathSchema,
    retriesMs: { type: 'array', items: { type: 'number' } },
    auditKey: { type: 'string' },
    sameServerAs: { type: 'string' },
  },
} as const;

// Best first: when addresses disagree, the endpoint is as good as its best address.
const ORDER: Classification[] = ['ok', 'refused', 'unreachable', 'filtered', 'timeout', 'dns-failure'];
const RESET_AFTER_ACCEPT = 'RESET_AFTER_ACCEPT';

export default defineCheck<Options, TcpFacts>({
  ...planning,
  facts: { version: 1, schema: factsSchema },
  messages,

  async measure(ctx, target) {
    const ep = target.endpoint!;
    const connectTimeoutMs = Math.min(ctx.options.connectTimeoutMs, Math.max(50, ctx.remainingMs() - 200));
    const base = { host: ep.host, port: ep.port, connectTimeoutMs };
    const route: Route | PathError = await routeFor(ctx, ep).catch((err: unknown) => {
      if (err instanceof PathError) return err;
      throw err;
    });
    if (route instanceof PathError) {
      return { ...base, classification: route.classification, path: 'proxy', routeFailure: pathFailureOf(route) };
    }
    // Every endpoint on this host, port and route gets the same answers: one measurement per run.
    const auditKey = serverLabel(route, ep.host, ep.port, undefined);
    const shared = await ctx.use(connects, { key: `${auditKey}|${connectTimeoutMs}`, ctx, ep, route, connectTimeoutMs });
    return {
      ...base,
      ...shared.facts,
      ...pathDetails(route),
      auditKey,
      ...(shared.owner !== ep.name ? { sameServerAs: shared.owner } : {}),
    };
  },

  judge(facts, { options, threshold, target }) {
    const ep = target.endpoint!;
    const severity = unreachableSeverity(ep);
    if (facts.routeFailure)
      return { score: 0, findings: [pathFailureFinding('tcp', facts.routeFailure, ep, severity, facts.connectTimeoutMs)] };
    const primary = facts.viaProxy ?? facts.direct!;
    if (ep.expect === 'blocked') {
      const openOn = [facts.direct, facts.viaProxy].flatMap((p, i) => (p?.classification === 'ok' ? [i === 0 ? 'direct' : 'proxy'] : []));
      if (openOn.length === 0) return { score: 1 };
      const openAddresses = (facts.direct?.attempts ?? []).filter((a) => a.classification === 'ok').map((a) => a.address);
      return {
        score: 0,
        findings: [
          {
            id: 'tcp.unexpectedly-open',
            severity: ep.severity ?? 'high',
            message: { id: 'path.unexpectedly-open', params: { endpoint: ep.name, host: ep.host, port: ep.port } },
            remediation: { id: 'path.unexpectedly-open.fix', params: { host: ep.host, port: ep.port } },
            evidence: { openOn, ...(facts.direct?.attempts ? { openAddresses } : {}) },
          },
        ],
      };
    }
    if (primary.classification !== 'ok') {
      const finding: Finding =
        primary.failure?.code === RESET_AFTER_ACCEPT
          ? {
              id: 'tcp.reset-after-accept',
              severity,
              message: { id: 'tcp.reset-after-accept', params: { endpoint: ep.name, host: ep.host, port: ep.port } },
              remediation: { id: 'tcp.reset-after-accept.fix', params: { host: ep.host, port: ep.port } },
              evidence: { code: RESET_AFTER_ACCEPT },
            }
          : pathFailureFinding(
              'tcp',
              primary.failure ?? { classification: primary.classification, message: primary.classification },
              ep,
              severity,
              facts.connectTimeoutMs,
            );
      return { score: 0, findings: [finding] };
    }
    const slowMs = threshold('connectMs', options.slowMs);
    const connectMs = Math.min(primary.connectMs ?? 0, ...(facts.retriesMs ?? []));
    const findings: Finding[] = [];
    let score = timingScore(connectMs, slowMs, slowMs * 3);
    if (connectMs > slowMs) {
      findings.push({
        id: 'tcp.slow',
        severity: 'medium',
        message: { id: 'tcp.slow', params: { endpoint: ep.name, ms: round(connectMs), limit: slowMs } },
        remediation: { id: 'tcp.slow.fix', params: { host: ep.host } },
      });
      // A handshake over the target is a finding, so never a pass whatever the curve says.
      score = Math.min(score, 0.89);
    }
    const failed = !facts.viaProxy ? (facts.direct?.attempts ?? []).filter((a) => a.classification !== 'ok') : [];
    if (failed.length) {
      score = Math.min(score, 0.7);
      findings.push({
        id: 'tcp.partial',
        severity: 'medium',
        message: {
          id: 'tcp.partial',
          params: { endpoint: ep.name, host: ep.host, failed: failed.length, total: facts.direct!.attempts!.length },
        },
        remediation: { id: 'tcp.partial.fix', params: { addresses: failed.map((f) => `${f.address} ${f.classification}`).join(', ') } },
      });
    }
    return {
      score,
      measurements: [
        { id: 'connectMs', value: round(connectMs), unit: 'ms', threshold: { max: slowMs, source: 'Teams: RTT < 100 ms client → edge' } },
      ],
      findings,
    };
  },

  present(facts) {
    const attempts = facts.direct?.attempts ?? [];
    if (attempts.length < 2) return [];
    const block: Block = {
      kind: 'table',
      title: { id: 'tcp.block.addresses' },
      columns: [
        { key: 'address', label: { id: 'tcp.col.address' } },
        { key: 'result', label: { id: 'tcp.col.result' } },
        { key: 'connect', label: { id: 'tcp.col.connect' }, numeric: true },
        { key: 'code', label: { id: 'tcp.col.code' } },
      ],
      rows: attempts.map((a) => ({ address: a.address, result: a.classification, connect: a.connectMs ?? null, code: a.code ?? null })),
    };
    return [block];
  },
});

/** TCP handshake to every address of the host, in parallel; the host is as good as its best address. */
async function directPath(ctx: MeasureContext<Options>, host: string, port: number, connectTimeoutMs: number): Promise<TcpPath> {
  let addresses: string[];
  try {
    addresses = (await lookupOnce(ctx, host)).addresses.map((a) => a.address);
  } catch (err) {
    if (!(err instanceof DnsLookupError)) throw err;
    return { classification: 'dns-failure', failure: pathFailureOf(err) };
  }
  const attempts = await Promise.all(addresses.map((address) => attempt(ctx, address, port, connectTimeoutMs)));
  const best = [...attempts].sort((a, b) => ORDER.indexOf(a.fact.classification) - ORDER.indexOf(b.fact.classification))[0]!;
  const open = attempts.filter((a) => a.fact.classification === 'ok');
  return {
    classification: best.fact.classification,
    ...(open.length ? { connectMs: Math.min(...open.map((a) => a.fact.connectMs ?? Infinity)) } : {}),
    ...(best.failure ? { failure: best.failure } : {}),
    attempts: attempts.map((a) => a.fact),
  };
}

async function attempt(
  ctx: MeasureContext<Options>,
  address: string,
  port: number,
  connectTimeoutMs: number,
): Promise<{ fact: TcpAttempt; failure?: PathFailure }> {
  try {
    const d = await dial({ address, port, connectTimeoutMs, signal: ctx.signal });
    const connectMs = d.timings.connectMs ?? 0;
    const reset = await resetAfterAccept(
      d.socket,
      Math.min(RESET_WINDOW_MAX_MS, Math.max(RESET_WINDOW_MIN_MS, 2 * connectMs + 50), ctx.remainingMs() - 100),
      ctx.signal,
    );
    d.socket.destroy();
    if (reset) return resetAttempt(address, port);
    return { fact: { address, classification: 'ok', connectMs } };
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const pe = err instanceof PathError ? err : new PathError('unreachable', 'connect', String(err));
    // The reset beat the connect callback: the handshake completed all the same.
    if (pe.code === 'ECONNRESET') return resetAttempt(address, port);
    return { fact: { address, classification: pe.classification, ...(pe.code ? { code: pe.code } : {}) }, failure: pathFailureOf(pe) };
  }
}

function resetAttempt(address: string, port: number): { fact: TcpAttempt; failure: PathFailure } {
  const pe = new PathError(
    'refused',
    'application',
    `${address}:${port} completed the TCP handshake and reset the connection at once`,
    RESET_AFTER_ACCEPT,
  );
  return { fact: { address, classification: pe.classification, code: RESET_AFTER_ACCEPT }, failure: pathFailureOf(pe) };
}

interface ConnectsInput {
  key: string;
  /** The task that asks first: the connects run under its deadline. */
  ctx: MeasureContext<Options>;
  ep: Endpoint;
  route: Route;
  connectTimeoutMs: number;
}

type Connects = Pick<TcpFacts, 'classification' | 'direct' | 'viaProxy' | 'retriesMs'>;

const connects = defineArtifact<ConnectsInput, { owner: string; facts: Connects }>({
  id: 'tcp-connects',
  key: ({ key }) => key,
  compute: async (_actx, { ctx, ep, route, connectTimeoutMs }) => {
    // The direct path is always tried; through a proxy, the CONNECT tunnel is the path that counts.
    const direct = await directPath(ctx, ep.host, ep.port, connectTimeoutMs);
    const viaProxy = route.path === 'proxy' ? await proxyPath(ctx, route, ep.host, ep.port, connectTimeoutMs) : undefined;
    const facts: Connects = { classification: (viaProxy ?? direct).classification, direct, ...(viaProxy ? { viaProxy } : {}) };
    if (!viaProxy && direct.classification === 'ok' && (direct.connectMs ?? 0) > ctx.options.slowMs) {
      // One slow handshake can be local scheduling noise: like ping's "min", the best of three counts.
      const again = await directPath(ctx, ep.host, ep.port, connectTimeoutMs);
      const third = await directPath(ctx, ep.host, ep.port, connectTimeoutMs);
      facts.retriesMs = [again.connectMs, third.connectMs].filter((x): x is number => x !== undefined);
    }
    return { owner: ep.name, facts };
  },
});

/**
 * How long an open connection is watched for a reset before it counts as open: about one round trip
 * after the handshake, when the RST of a server that accepts and resets at once arrives.
 */
const RESET_WINDOW_MIN_MS = 100;
const RESET_WINDOW_MAX_MS = 1000;

/**
 * True when the peer resets the connection within `windowMs` of the handshake, before either side
 * sent a byte: a load balancer with no healthy backend, a firewall that rejects after the handshake,
 * a service at its connection limit. A FIN is not counted: services that accept and close are open.
 */
function resetAfterAccept(socket: Socket | TLSSocket, windowMs: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (reset: boolean) => {
      clearTimeout(timer);
      socket.off('close', onClose);
      socket.off('data', onData);
      signal.removeEventListener('abort', onAbort);
      resolve(reset);
    };
    const onClose = () => finish(errorCode(errorSeen(socket)) === 'ECONNRESET');
    // A peer that speaks first (a banner) serves: whatever it does next is its protocol's business.
    const onData = () => finish(false);
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(false), Math.max(0, windowMs));
    if (socket.destroyed) return onClose();
    socket.once('close', onClose);
    socket.once('data', onData);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A CONNECT tunnel to host:port through the endpoint's proxy: what a proxied client gets. */
async function proxyPath(
  ctx: MeasureContext<Options>,
  route: Extract<Route, { path: 'proxy' }>,
  host: string,
  port: number,
  connectTimeoutMs: number,
): Promise<TcpPath> {
  try {
    const t = await openTunnel(ctx, route.proxy, { host, port }, { connectTimeoutMs, timeoutMs: Math.max(1000, ctx.remainingMs() - 300) });
    t.socket.destroy();
    return { classification: 'ok', connectMs: t.timings.proxyConnectMs + t.timings.tunnelMs };
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (!(err instanceof PathError)) throw err;
    return { classification: err.classification, failure: pathFailureOf(err) };
  }
}
