// WebSocket signalling along the endpoint's route: the RFC 6455 upgrade, the subprotocol the server
// chose, and ping/pong round trips. Measuring records them; judging applies the RTT threshold and
// whether a subprotocol that was asked for was agreed.

import { defineCheck, type Block, type Endpoint, type Finding, type KeyValueBlock } from '../../src/plugin-api.js';
import { pathMessages } from '../../src/net/path-messages.js';
import {
  connectionBlock,
  failureBlock,
  reach,
  reachFactsProperties,
  reachFactsRequired,
  reachFailureFinding,
  reachMessages,
  tlsFactsSchema,
  type ReachFacts,
  type TlsFacts,
} from '../../src/net/reach.js';
import { median, probeBudgetMs, timingScore } from '../../src/net/shared.js';
import { NO_SUBPROTOCOL, wsProbe } from '../../src/net/websocket.js';
import planning, { type Options } from './plan.js';

const messages = {
  en: {
    ...pathMessages.en,
    ...reachMessages.en,
    'websocket.no-subprotocol': '{endpoint}: asked for subprotocol {wanted}, the server agreed to none.',
    'websocket.no-subprotocol.fix':
      'The client will not speak to this server: check the signalling URL and the server version (or a proxy that strips Sec-WebSocket-Protocol).',
    'websocket.slow': '{endpoint}: ping/pong round trip {ms} ms (target ≤ {limit} ms).',
    'websocket.slow.fix':
      'Signalling round trips add to every call setup and message: check the path to {host}; Teams asks for < 100 ms RTT to the service edge.',
    'websocket.subprotocol': 'Subprotocol',
    'websocket.subprotocol.none': 'none',
    'websocket.extensions': 'Extensions',
    'websocket.upgradeMs': 'Upgrade done after (ms)',
    'websocket.block.pings': 'Ping/pong round trips',
    'websocket.series.rtt': 'Round trip',
    'websocket.limit.slow': 'Target',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    ...reachMessages['zh-CN'],
    'websocket.no-subprotocol': '{endpoint}：请求子协议 {wanted}，服务器未同意任何子协议。',
    'websocket.no-subprotocol.fix': '客户端无法与此服务器通信：检查信令 URL 和服务器版本（或是否有代理去掉了 Sec-WebSocket-Protocol）。',
    'websocket.slow': '{endpoint}：ping/pong 往返 {ms} 毫秒（目标 ≤ {limit} 毫秒）。',
    'websocket.slow.fix': '信令往返时间会累加到每次呼叫建立和每条消息：检查到 {host} 的路径；Teams 要求到服务边缘 RTT < 100 毫秒。',
    'websocket.subprotocol': '子协议',
    'websocket.subprotocol.none': '无',
    'websocket.extensions': '扩展',
    'websocket.upgradeMs': '升级完成用时（毫秒）',
    'websocket.block.pings': 'ping/pong 往返时间',
    'websocket.series.rtt': '往返',
    'websocket.limit.slow': '目标',
  },
};

export type { TlsFacts };

/** How the upgrade and the pings went. */
export interface WebSocketFacts extends ReachFacts {
  /** The URL asked for. */
  url: string;
  /** The subprotocols asked for (the endpoint's `subprotocols`). */
  subprotocols?: string[];
  /** Ping/pong round trips asked for. */
  pings: number;
  /** The address the connection went to (the proxy's, through one). */
  address?: string;
  /** The subprotocol the server chose; "" for none. */
  protocol?: string;
  extensions?: string;
  /** Every round trip, ms. */
  pingRttMs?: number[];
  /** ms from the start: TCP connect, proxy tunnel, TLS handshake, upgrade done. */
  timings?: { connectMs?: number; tunnelMs?: number; tlsMs?: number; upgradeMs: number };
  tls?: TlsFacts;
}

const factsSchema = {
  type: 'object',
  required: [...reachFactsRequired, 'url', 'pings'],
  properties: {
    ...reachFactsProperties,
    url: { type: 'string' },
    subprotocols: { type: 'array', items: { type: 'string' } },
    pings: { type: 'integer', minimum: 1 },
    address: { type: 'string' },
    protocol: { type: 'string' },
    extensions: { type: 'string' },
    pingRttMs: { type: 'array', items: { type: 'number', minimum: 0 } },
    timings: {
      type: 'object',
      required: ['upgradeMs'],
      properties: { connectMs: { type: 'number' }, tunnelMs: { type: 'number' }, tlsMs: { type: 'number' }, upgradeMs: { type: 'number' } },
    },
    tls: tlsFactsSchema,
  },
} as const;

export default defineCheck<Options, WebSocketFacts>({
  ...planning,
  facts: { version: 1, schema: factsSchema },
  messages,

  async measure(ctx, target) {
    const ep = target.endpoint!;
    const asked = { url: ep.url!, pings: ctx.options.pings, ...(ep.subprotocols?.length ? { subprotocols: ep.subprotocols } : {}) };
    const got = await reach(ctx, ep, ctx.options.connectTimeoutMs, ({ open, tls, connectTimeoutMs }) =>
      wsProbe({
        url: ep.url!,
        open,
        ...(ep.subprotocols ? { subprotocols: ep.subprotocols } : {}),
        ...(tls ? { tls } : {}),
        connectTimeoutMs,
        timeoutMs: probeBudgetMs(ctx),
        pings: ctx.options.pings,
        signal: ctx.signal,
      }),
    );
    if (!got.value) {
      // The path and the upgrade worked; the server just would not speak any protocol we asked for.
      if (got.facts.failure.code === NO_SUBPROTOCOL) {
        const { failure: _agreedNone, ...facts } = got.facts;
        return { ...facts, ...asked, classification: 'ok', protocol: '' };
      }
      return { ...got.facts, ...asked };
    }
    const res = got.value;
    return {
      ...got.facts,
      ...asked,
      address: res.address,
      protocol: res.protocol,
      extensions: res.extensions,
      pingRttMs: res.pingRttMs,
      timings: res.timings,
      ...(res.tls ? { tls: res.tls } : {}),
    };
  },

  judge(facts, { options, threshold, target }) {
    const ep = target.endpoint!;
    if (facts.failure) return { score: 0, findings: [reachFailureFinding('websocket', facts, ep)] };
    if (facts.subprotocols?.length && !facts.protocol) return { score: 0, findings: [noSubprotocol(ep, facts.subprotocols)] };
    const rtts = facts.pingRttMs ?? [];
    if (!rtts.length) return { score: null, error: 'the WebSocket opened, but no ping round trip was recorded' };
    const slowMs = threshold('rttMs', options.slowMs);
    const rtt = median(rtts);
    const measurements = [
      ...(facts.timings ? [{ id: 'upgradeMs', value: facts.timings.upgradeMs, unit: 'ms' }] : []),
      { id: 'rttMs', value: rtt, unit: 'ms', threshold: { max: slowMs, source: 'Teams: RTT < 100 ms client → edge' } },
      { id: 'rttMaxMs', value: Math.max(...rtts), unit: 'ms' },
    ];
    if (rtt <= slowMs) return { score: 1, measurements };
    return {
      // A round trip over the target is a finding, so never a pass whatever the curve says.
      score: Math.min(timingScore(rtt, slowMs, slowMs * 3), 0.89),
      measurements,
      findings: [
        {
          id: 'websocket.slow',
          severity: 'medium',
          message: { id: 'websocket.slow', params: { endpoint: ep.name, ms: Math.round(rtt * 10) / 10, limit: slowMs } },
          remediation: { id: 'websocket.slow.fix', params: { host: ep.host } },
        },
      ],
    };
  },

  present(facts, { judgement }) {
    const connection = connectionBlock(facts, {
      ...(facts.address ? { address: facts.address } : {}),
      ...(facts.timings ? { timings: facts.timings } : {}),
      ...(facts.tls ? { tls: facts.tls } : {}),
    });
    const items: KeyValueBlock['items'] = [];
    if (facts.timings) items.push({ label: { id: 'websocket.upgradeMs' }, value: facts.timings.upgradeMs });
    if (facts.protocol !== undefined)
      items.push({ label: { id: 'websocket.subprotocol' }, value: facts.protocol || { id: 'websocket.subprotocol.none' } });
    if (facts.extensions) items.push({ label: { id: 'websocket.extensions' }, value: facts.extensions });
    const blocks: Block[] = [{ ...connection, items: [...connection.items, ...items] }];
    if (facts.pingRttMs?.length) {
      const limit = judgement.measurements?.find((m) => m.id === 'rttMs')?.threshold?.max;
      blocks.push({
        kind: 'series',
        title: { id: 'websocket.block.pings' },
        unit: 'ms',
        series: [{ label: { id: 'websocket.series.rtt' }, values: facts.pingRttMs }],
        ...(limit !== undefined ? { limits: [{ value: limit, label: { id: 'websocket.limit.slow' } }] } : {}),
      });
    }
    if (facts.failure) blocks.push(failureBlock(facts.failure));
    return blocks;
  },
});

function noSubprotocol(ep: Endpoint, wanted: string[]): Finding {
  return {
    id: 'websocket.no-subprotocol',
    severity: 'high',
    message: { id: 'websocket.no-subprotocol', params: { endpoint: ep.name, wanted: wanted.join(', ') } },
    remediation: { id: 'websocket.no-subprotocol.fix' },
  };
}
