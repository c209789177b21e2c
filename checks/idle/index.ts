// How long an idle flow survives on the endpoint's path, and how it dies: one WebSocket per rung
// of a ladder of idle times, held at once (and, with a reflector, server push after the same
// times). Measuring records each rung's fate; judging brackets the timeout and holds it against
// the IM client's keep-alive interval.

import {
  defineCheck,
  type Block,
  type Endpoint,
  type Finding,
  type MeasureContext,
  type Message,
  type Target,
} from '../../src/plugin-api.js';
import { PathError, ProtocolError } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { bracket, holdForPush, holdWebSocket, type IdleStepResult } from '../../src/net/idle.js';
import { pathFailureFinding, pathFailureOf, pathFailureSchema, pathMessages, type PathFailure } from '../../src/net/path-messages.js';
import {
  connectionBlock,
  failureBlock,
  reach,
  reachFactsProperties,
  reachFactsRequired,
  reachMessages,
  type EndpointTls,
  type ReachFacts,
} from '../../src/net/reach.js';
import { opener, type OpenTarget, type Opened } from '../../src/net/route-connect.js';
import { probeBudgetMs } from '../../src/net/shared.js';
import { unreachableSeverity } from '../../src/net/endpoint-severity.js';
import { openWebSocket } from '../../src/net/websocket.js';
import { openTcpStream } from '../../src/probe/client.js';
import { probeSession } from '../../src/probe/context.js';
import { PUSH_MESSAGE } from '../../src/probe/protocol.js';
import { parseDuration } from '../../src/util/duration.js';
import planning, { type Options } from './plan.js';

const FATES = ['alive', 'rst', 'fin', 'silent', 'error'] as const;

const messages = {
  en: {
    ...pathMessages.en,
    ...reachMessages.en,
    'idle.timeout':
      '{endpoint}: an idle connection survives {survived} but not {died} ({death}); the IM client sends a keep-alive only every {client}.',
    'idle.timeout.fix':
      "Make the client send a keep-alive at least every {keepAlive} (WebSocket ping or an application heartbeat), or raise the idle timeout on the firewall / NAT / proxy for the platform's hosts to at least 2 × the client's interval.",
    'idle.short':
      '{endpoint}: idle connections survive {survived} but not {died} ({death}); clients stay connected only because they send keep-alives every {client}.',
    'idle.short.fix':
      "Mobile clients stretch their keep-alives to save battery: consider raising the idle timeout for the platform's hosts to at least 5 minutes.",
    // Fates and "unknown" keep the ids that findings of reports saved earlier name.
    'death.alive': 'alive',
    'death.rst': 'reset (RST)',
    'death.fin': 'closed (FIN)',
    'death.silent': 'silently dropped — no reply, no reset',
    'death.error': 'failed',
    'idle.duration.ms': '{n} ms',
    'idle.duration.s': '{n} s',
    'idle.duration.min': '{n} min',
    'fmt.unknown': 'an unknown time',
    'idle.direction': 'Direction',
    'idle.direction.client-probe': 'client probes after the hold (WebSocket ping)',
    'idle.direction.server-push': 'server pushes after the hold (reflector)',
    'idle.block.rungs': 'Idle holds',
    'idle.block.direct': 'Idle holds on the direct path',
    'idle.col.hold': 'Held (s)',
    'idle.col.fate': 'Fate',
    'idle.col.diedAfter': 'Died after (ms)',
    'idle.col.reply': 'Reply (ms)',
    'idle.col.code': 'Code',
    'idle.direct.failed': 'The direct path could not be held: {message}',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    ...reachMessages['zh-CN'],
    'idle.timeout': '{endpoint}：空闲连接能保持 {survived}，但保持不了 {died}（{death}）；IM 客户端每 {client} 才发送一次保活。',
    'idle.timeout.fix':
      '让客户端至少每 {keepAlive} 发送一次保活（WebSocket ping 或应用层心跳），或将防火墙 / NAT / 代理对平台主机的空闲超时提高到至少客户端间隔的 2 倍。',
    'idle.short': '{endpoint}：空闲连接能保持 {survived}，但保持不了 {died}（{death}）；客户端仅因每 {client} 发送保活而得以维持。',
    'idle.short.fix': '移动客户端为省电会拉长保活间隔：建议将平台主机的空闲超时提高到至少 5 分钟。',
    'death.alive': '存活',
    'death.rst': '被重置（RST）',
    'death.fin': '被关闭（FIN）',
    'death.silent': '被静默丢弃——无应答、无重置',
    'death.error': '失败',
    'idle.duration.ms': '{n} 毫秒',
    'idle.duration.s': '{n} 秒',
    'idle.duration.min': '{n} 分钟',
    'fmt.unknown': '未知时长',
    'idle.direction': '方向',
    'idle.direction.client-probe': '保持后由客户端探测（WebSocket ping）',
    'idle.direction.server-push': '保持后由服务器推送（反射器）',
    'idle.block.rungs': '空闲保持',
    'idle.block.direct': '直连路径上的空闲保持',
    'idle.col.hold': '保持（秒）',
    'idle.col.fate': '结果',
    'idle.col.diedAfter': '断开于（毫秒）',
    'idle.col.reply': '应答（毫秒）',
    'idle.col.code': '代码',
    'idle.direct.failed': '无法在直连路径上保持连接：{message}',
  },
};

export type { IdleStepResult };

/** The rungs held on one path, or why they could not be. */
export interface IdleFacts extends ReachFacts {
  /** client-probe: WebSocket rungs along the endpoint's route, pinged after the hold; server-push: reflector streams that push after it. */
  direction: 'client-probe' | 'server-push';
  /** How long the reply to each rung's probe (or the push) could take, ms. */
  replyTimeoutMs: number;
  /** Every rung, shortest hold first. */
  steps?: IdleStepResult[];
  /** Through a proxy, with compareDirect: the same ladder held on the direct path, at the same time. */
  direct?: { steps: IdleStepResult[] } | { failure: PathFailure };
}

const stepSchema = {
  type: 'object',
  required: ['holdMs', 'fate'],
  properties: {
    holdMs: { type: 'number', minimum: 0 },
    fate: { enum: FATES },
    diedAfterMs: { type: 'number', minimum: 0 },
    replyMs: { type: 'number', minimum: 0 },
    detail: { type: 'string' },
    code: { type: 'string' },
  },
} as const;

const factsSchema = {
  type: 'object',
  required: [...reachFactsRequired, 'direction', 'replyTimeoutMs'],
  properties: {
    ...reachFactsProperties,
    direction: { enum: ['client-probe', 'server-push'] },
    replyTimeoutMs: { type: 'number', minimum: 0 },
    steps: { type: 'array', items: stepSchema, minItems: 1 },
    direct: {
      anyOf: [
        { type: 'object', required: ['steps'], properties: { steps: { type: 'array', items: stepSchema } } },
        { type: 'object', required: ['failure'], properties: { failure: pathFailureSchema } },
      ],
    },
  },
} as const;

/** The deadline the reflector's push streams get to open. */
const PUSH_OPEN_TIMEOUT_MS = 5000;

export default defineCheck<Options, IdleFacts>({
  ...planning,
  facts: { version: 1, schema: factsSchema },
  messages,

  async measure(ctx, target) {
    if (isPush(target)) return serverPush(ctx);
    const ep = target.endpoint!;
    const ladder = ladderOf(ctx.options);
    const got = await reach(ctx, ep, ctx.options.connectTimeoutMs, async ({ route, open, tls, connectTimeoutMs }) => {
      // Through a proxy, the direct path is held too (at the same time): which hop forgets idle flows?
      const [steps, direct] = await Promise.all([
        holdLadder(ctx, ep, open, tls, connectTimeoutMs, ladder),
        route.path === 'proxy' && ctx.options.compareDirect ? holdDirect(ctx, ep, tls, connectTimeoutMs, ladder) : undefined,
      ]);
      return { steps, direct };
    });
    const base = { ...got.facts, direction: 'client-probe' as const, replyTimeoutMs: ctx.options.replyTimeoutMs };
    if (!got.value) return base;
    return { ...base, steps: got.value.steps, ...(got.value.direct ? { direct: got.value.direct } : {}) };
  },

  judge(facts, { options, threshold, target }) {
    const ep = target.endpoint;
    const name = ep?.name ?? target.id;
    if (facts.failure || !facts.steps?.length) {
      // The server broke the WebSocket protocol: nothing about idle flows can be learnt from it, and
      // no client can use it — a failure, not "unreachable".
      if (facts.failure?.protocol && ep)
        return { score: 0, findings: [pathFailureFinding('idle', facts.failure, ep, unreachableSeverity(ep), facts.connectTimeoutMs)] };
      // Not reachable at all: the websocket (or probe) checks report that.
      return { score: null, notApplicable: 'unreachable' };
    }
    const v = bracket(facts.steps);
    const client = threshold('clientKeepAliveMs', options.clientKeepAliveMs);
    const measurements = [
      {
        id: 'idle-survived',
        value: (v.survivedMs ?? 0) / 1000,
        unit: 's',
        threshold: { min: client / 1000, source: "the IM client's keep-alive interval" },
      },
      ...(v.diedMs !== undefined ? [{ id: 'idle-died', value: v.diedMs / 1000, unit: 's' }] : []),
      ...(v.keepAliveMs !== undefined ? [{ id: 'keepalive-recommended', value: v.keepAliveMs / 1000, unit: 's' }] : []),
    ];
    if (v.diedMs === undefined) return { score: 1, measurements };
    const params = {
      endpoint: name,
      survived: v.survivedMs !== undefined ? duration(v.survivedMs) : { id: 'fmt.unknown' },
      died: duration(v.diedMs),
      death: { id: `death.${v.death ?? 'error'}` },
      client: duration(client),
      keepAlive: duration(v.keepAliveMs ?? 0),
    };
    // The client survives when its keep-alives come before the path forgets the flow.
    if ((v.survivedMs ?? 0) >= client) {
      const finding: Finding = {
        id: 'idle.short',
        severity: 'low',
        message: { id: 'idle.short', params },
        remediation: { id: 'idle.short.fix' },
      };
      return { score: v.diedMs < 300_000 ? 0.8 : 1, measurements, findings: [finding] };
    }
    // A silent drop is what clients cannot notice: as severe as losing the endpoint.
    const silentSeverity = ep && !isPush(target) ? unreachableSeverity(ep) : 'high';
    const finding: Finding = {
      id: 'idle.timeout',
      severity: v.death === 'silent' ? silentSeverity : 'high',
      message: { id: 'idle.timeout', params },
      remediation: { id: 'idle.timeout.fix', params },
    };
    // Died at or before the client's interval: the client loses the flow. Otherwise the timeout lies between
    // the survived and the failed rung, around the client's interval: a risk, not yet a certainty.
    return { score: v.diedMs <= client ? 0 : 0.6, measurements, findings: [finding] };
  },

  present(facts) {
    const connection = connectionBlock(facts);
    connection.items.unshift({ label: { id: 'idle.direction' }, value: { id: `idle.direction.${facts.direction}` } });
    if (facts.direct && 'failure' in facts.direct) {
      connection.items.push({
        label: { id: 'idle.block.direct' },
        value: { id: 'idle.direct.failed', params: { message: facts.direct.failure.message } },
      });
    }
    const blocks: Block[] = [connection];
    if (facts.steps?.length) blocks.push(rungTable('idle.block.rungs', facts.steps));
    if (facts.direct && 'steps' in facts.direct && facts.direct.steps.length)
      blocks.push(rungTable('idle.block.direct', facts.direct.steps));
    if (facts.failure) blocks.push(failureBlock(facts.failure));
    return blocks;
  },
});

function isPush(target: Target): boolean {
  return target.data?.suffix === 'push';
}

function ladderOf(options: Options): number[] {
  return options.ladder.map((t) => parseDuration(t)!).sort((a, b) => a - b);
}

/** Every rung of the ladder at once, along one path: the whole ladder takes as long as its longest rung. */
async function holdLadder(
  ctx: MeasureContext<Options>,
  ep: Endpoint,
  open: (t: OpenTarget) => Promise<Opened>,
  tls: EndpointTls | undefined,
  connectTimeoutMs: number,
  ladder: number[],
): Promise<IdleStepResult[]> {
  const opening = await Promise.allSettled(
    ladder.map(() =>
      openWebSocket({
        url: ep.url!,
        open,
        ...(ep.subprotocols ? { subprotocols: ep.subprotocols } : {}),
        ...(tls ? { tls } : {}),
        connectTimeoutMs,
        timeoutMs: Math.min(10_000, probeBudgetMs(ctx)),
        signal: ctx.signal,
      }),
    ),
  );
  const conns = opening.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const refused = opening.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (refused) {
    // One rung could not open: the ones that did are not held for nothing.
    for (const c of conns) c.ws.terminate();
    throw refused.reason;
  }
  const steps = await Promise.all(conns.map((c, i) => holdWebSocket(c, ladder[i]!, ctx.options.replyTimeoutMs, ctx.signal)));
  // A frame that breaks the protocol is the server's fault, not the path forgetting the flow.
  const broken = conns.map((c) => c.ended()).find((e) => e instanceof ProtocolError);
  if (broken) throw broken;
  return steps;
}

/** The same ladder on the direct path, for comparison; a direct path that cannot be held only says why. */
async function holdDirect(
  ctx: MeasureContext<Options>,
  ep: Endpoint,
  tls: EndpointTls | undefined,
  connectTimeoutMs: number,
  ladder: number[],
): Promise<IdleFacts['direct']> {
  try {
    return { steps: await holdLadder(ctx, ep, opener(ctx, { path: 'direct' }, connectTimeoutMs), tls, connectTimeoutMs, ladder) };
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (!(err instanceof PathError) && !(err instanceof DnsLookupError)) throw err;
    return { failure: pathFailureOf(err) };
  }
}

/** Server push after idle, against the reflector: one push stream per rung, all at once, direct as all reflector traffic goes. */
async function serverPush(ctx: MeasureContext<Options>): Promise<IdleFacts> {
  const ladder = ladderOf(ctx.options);
  const base = {
    direction: 'server-push' as const,
    path: 'direct' as const,
    connectTimeoutMs: PUSH_OPEN_TIMEOUT_MS,
    replyTimeoutMs: ctx.options.replyTimeoutMs,
  };
  try {
    const { endpoint, session } = await probeSession(ctx);
    const streams = await Promise.all(
      ladder.map((holdMs) =>
        openTcpStream(endpoint, session, 'push', holdMs, {
          timeoutMs: PUSH_OPEN_TIMEOUT_MS,
          signal: ctx.signal,
          headers: { 'x-sr-push-after-ms': String(holdMs) },
        }),
      ),
    );
    const steps = await Promise.all(
      streams.map((sock, i) => holdForPush(sock, PUSH_MESSAGE, ladder[i]!, ctx.options.replyTimeoutMs, ctx.signal)),
    );
    return { ...base, classification: 'ok', steps };
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (!(err instanceof PathError) && !(err instanceof DnsLookupError)) throw err;
    const failure = pathFailureOf(err);
    return { ...base, classification: failure.classification, failure };
  }
}

function rungTable(title: string, steps: IdleStepResult[]): Block {
  return {
    kind: 'table',
    title: { id: title },
    columns: [
      { key: 'hold', label: { id: 'idle.col.hold' }, numeric: true },
      { key: 'fate', label: { id: 'idle.col.fate' } },
      { key: 'diedAfter', label: { id: 'idle.col.diedAfter' }, numeric: true },
      { key: 'reply', label: { id: 'idle.col.reply' }, numeric: true },
      { key: 'code', label: { id: 'idle.col.code' } },
    ],
    rows: [...steps]
      .sort((a, b) => a.holdMs - b.holdMs)
      .map((s) => ({
        hold: s.holdMs / 1000,
        fate: { id: `death.${s.fate}` },
        diedAfter: s.diedAfterMs ?? null,
        reply: s.replyMs ?? null,
        code: s.code ?? null,
      })),
  };
}

/** A duration as a reader says it: ms under a second, seconds under two minutes, then minutes. */
function duration(ms: number): Message {
  if (ms < 1000) return { id: 'idle.duration.ms', params: { n: ms } };
  if (ms < 120_000) return { id: 'idle.duration.s', params: { n: Math.round(ms / 100) / 10 } };
  return { id: 'idle.duration.min', params: { n: Math.round(ms / 6000) / 10 } };
}
