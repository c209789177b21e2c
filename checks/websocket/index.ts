import { commonOptions, defineCheck, type Endpoint, type Finding } from '../../src/plugin-api.js';
import { PathError, failureDetails } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { pathDetails, pathFinding, pathMessages } from '../../src/net/path-messages.js';
import { lookupOnce, probeBudgetMs, median, timingScore, trustFor, unreachableSeverity } from '../../src/net/shared.js';
import { routeFor, type Route } from '../../src/net/proxy.js';
import { opener } from '../../src/net/route-connect.js';
import { NO_SUBPROTOCOL, wsProbe } from '../../src/net/websocket.js';

const messages = {
  en: {
    ...pathMessages.en,
    'websocket.no-subprotocol': '{endpoint}: asked for subprotocol {wanted}, the server agreed to none.',
    'websocket.no-subprotocol.fix': 'The client will not speak to this server: check the signalling URL and the server version (or a proxy that strips Sec-WebSocket-Protocol).',
    'websocket.slow': '{endpoint}: ping/pong round trip {ms} ms (target ≤ {limit} ms).',
    'websocket.slow.fix': 'Signalling round trips add to every call setup and message: check the path to {host}; Teams asks for < 100 ms RTT to the service edge.',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    'websocket.no-subprotocol': '{endpoint}：请求子协议 {wanted}，服务器未同意任何子协议。',
    'websocket.no-subprotocol.fix': '客户端无法与此服务器通信：检查信令 URL 和服务器版本（或是否有代理去掉了 Sec-WebSocket-Protocol）。',
    'websocket.slow': '{endpoint}：ping/pong 往返 {ms} 毫秒（目标 ≤ {limit} 毫秒）。',
    'websocket.slow.fix': '信令往返时间会累加到每次呼叫建立和每条消息：检查到 {host} 的路径；Teams 要求到服务边缘 RTT < 100 毫秒。',
  },
};

interface Options {
  connectTimeoutMs: number;
  pings: number;
  slowMs: number;
}

/** WebSocket upgrade (ws/wss), negotiated subprotocol, ping/pong round trips. */
export default defineCheck<Options>({
  meta: {
    id: 'websocket',
    title: 'WebSocket signalling works',
    failureTitle: 'WebSocket signalling fails',
    description:
      'Opens every ws/wss endpoint (RFC 6455 upgrade) over the addresses the dns check found, records the upgrade time, ' +
      'the subprotocol the server chose (`subprotocols` in the endpoint), and the round trip of several ping/pong ' +
      'control frames. Failures are classified like the http check; an upgrade answered with another HTTP status is ' +
      '`http-error` (often a proxy that does not pass Upgrade). RTT threshold: Teams target < 100 ms to the service edge.',
    category: 'network',
    severity: 'critical',
    weight: 3,
    timeoutMs: 15000,
    references: [
      { title: 'RFC 6455 — The WebSocket Protocol', clause: '§4 (opening handshake), §5.5.2–5.5.3 (ping/pong)' },
      { title: 'Microsoft Teams: prepare your organization\'s network', url: 'https://learn.microsoft.com/microsoftteams/prepare-network' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        pings: { type: 'integer', minimum: 1, maximum: 100 },
        slowMs: { type: 'number', minimum: 1 },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000, pings: 5, slowMs: 100 },
  },
  messages,
  targets(site) {
    return site.platform.endpoints
      .filter((ep) => (ep.protocol === 'ws' || ep.protocol === 'wss') && ep.expect === 'reachable')
      .map((ep) => ({ id: ep.name, endpoint: ep, location: ep.location }));
  },
  async run(ctx, target) {
    const ep = target.endpoint!;
    const severity = unreachableSeverity(ep);
    const connectTimeoutMs = Math.min(ctx.options.connectTimeoutMs, Math.max(50, ctx.remainingMs() - 200));
    const slowMs = ctx.threshold('rttMs', ctx.options.slowMs);
    // Unset only when the route decision itself failed: a via: proxy endpoint with no usable proxy.
    let route: Route | undefined;
    try {
      route = await routeFor(ctx, ep);
      if (route.path === 'direct') await lookupOnce(ctx, ep.host);
      const ca = await trustFor(ctx, ep);
      const serverName = (ep.extra.tls as { serverName?: string } | undefined)?.serverName;
      const res = await wsProbe({
        url: ep.url!,
        open: opener(ctx, route, connectTimeoutMs),
        ...(ep.subprotocols ? { subprotocols: ep.subprotocols } : {}),
        ...(ca || serverName ? { tls: { ...(ca ? { secureContext: ca } : {}), ...(serverName ? { servername: serverName } : {}) } } : {}),
        connectTimeoutMs,
        timeoutMs: probeBudgetMs(ctx),
        pings: ctx.options.pings,
        signal: ctx.signal,
      });
      const rtt = median(res.pingRttMs);
      const findings: Finding[] = [];
      let score = timingScore(rtt, slowMs, slowMs * 3);
      if (ep.subprotocols?.length && !res.protocol) {
        score = 0;
        findings.push(noSubprotocol(ep));
      }
      if (rtt > slowMs) {
        findings.push({
          id: 'websocket.slow',
          severity: 'medium',
          message: { id: 'websocket.slow', params: { endpoint: ep.name, ms: Math.round(rtt * 10) / 10, limit: slowMs } },
          remediation: { id: 'websocket.slow.fix', params: { host: ep.host } },
        });
      }
      return {
        status: score === 0 ? 'fail' : findings.length ? 'warn' : 'pass',
        score,
        measurements: [
          { id: 'upgradeMs', value: res.timings.upgradeMs, unit: 'ms' },
          { id: 'rttMs', value: rtt, unit: 'ms', threshold: { max: slowMs, source: 'Teams: RTT < 100 ms client → edge' } },
          { id: 'rttMaxMs', value: Math.max(...res.pingRttMs), unit: 'ms' },
        ],
        findings,
        details: {
          classification: 'ok',
          expect: ep.expect,
          ...pathDetails(route),
          address: res.address,
          protocol: res.protocol,
          extensions: res.extensions,
          pingRttMs: res.pingRttMs,
          timings: res.timings,
          ...(res.tls ? { tls: res.tls } : {}),
        },
      };
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (!(err instanceof PathError) && !(err instanceof DnsLookupError)) throw err;
      // The path and the upgrade worked; the server just would not speak any protocol we asked for.
      if (err instanceof PathError && err.code === NO_SUBPROTOCOL && ep.subprotocols?.length) {
        return { status: 'fail', score: 0, findings: [noSubprotocol(ep)], details: { classification: 'ok', expect: ep.expect, protocol: '' } };
      }
      return {
        status: 'fail',
        score: 0,
        findings: [pathFinding('websocket', err, ep, severity, connectTimeoutMs)],
        details: {
          classification: err instanceof DnsLookupError ? 'dns-failure' : err.classification,
          expect: ep.expect,
          ...(route ? pathDetails(route) : { path: 'proxy' }),
          ...(err instanceof PathError ? failureDetails(err) : { dnsKind: err.kind }),
        },
      };
    }
  },
});

function noSubprotocol(ep: Endpoint): Finding {
  return {
    id: 'websocket.no-subprotocol',
    severity: 'high',
    message: { id: 'websocket.no-subprotocol', params: { endpoint: ep.name, wanted: (ep.subprotocols ?? []).join(', ') } },
    remediation: { id: 'websocket.no-subprotocol.fix' },
  };
}
