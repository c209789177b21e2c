import { commonOptions, defineCheck, type CheckContext, type CheckOutcome, type Finding, type Severity } from '../../src/plugin-api.js';
import { PathError, ProtocolError, failureDetails } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { bracket, holdForPush, holdWebSocket, parseDuration, type IdleStepResult } from '../../src/net/idle.js';
import { openTcpStream } from '../../src/probe/client.js';
import { probeSession, probeTargets } from '../../src/probe/context.js';
import { PUSH_MESSAGE } from '../../src/probe/protocol.js';
import { pathDetails, pathFinding, pathMessages } from '../../src/net/path-messages.js';
import { routeFor, type Route } from '../../src/net/proxy.js';
import { opener } from '../../src/net/route-connect.js';
import { lookupOnce, probeBudgetMs, trustFor, unreachableSeverity } from '../../src/net/shared.js';
import { openWebSocket } from '../../src/net/websocket.js';

const messages = {
  en: {
    ...pathMessages.en,
    'idle.timeout': '{endpoint}: an idle connection survives {survived} but not {died} ({death}); the IM client sends a keep-alive only every {client}.',
    'idle.timeout.fix': 'Make the client send a keep-alive at least every {keepAlive} (WebSocket ping or an application heartbeat), or raise the idle timeout on the firewall / NAT / proxy for the platform\'s hosts to at least 2 × the client\'s interval.',
    'idle.short': '{endpoint}: idle connections survive {survived} but not {died} ({death}); clients stay connected only because they send keep-alives every {client}.',
    'idle.short.fix': 'Mobile clients stretch their keep-alives to save battery: consider raising the idle timeout for the platform\'s hosts to at least 5 minutes.',
    'death.rst': 'reset (RST)',
    'death.fin': 'closed (FIN)',
    'death.silent': 'silently dropped — no reply, no reset',
    'death.error': 'failed',
    'fmt.unknown': 'an unknown time',
  },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    'idle.timeout': '{endpoint}：空闲连接能保持 {survived}，但保持不了 {died}（{death}）；IM 客户端每 {client} 才发送一次保活。',
    'idle.timeout.fix': '让客户端至少每 {keepAlive} 发送一次保活（WebSocket ping 或应用层心跳），或将防火墙 / NAT / 代理对平台主机的空闲超时提高到至少客户端间隔的 2 倍。',
    'idle.short': '{endpoint}：空闲连接能保持 {survived}，但保持不了 {died}（{death}）；客户端仅因每 {client} 发送保活而得以维持。',
    'idle.short.fix': '移动客户端为省电会拉长保活间隔：建议将平台主机的空闲超时提高到至少 5 分钟。',
    'death.rst': '被重置（RST）',
    'death.fin': '被关闭（FIN）',
    'death.silent': '被静默丢弃——无应答、无重置',
    'death.error': '失败',
    'fmt.unknown': '未知时长',
  },
};

interface Options {
  compareDirect: boolean;
  ladder: string[];
  replyTimeoutMs: number;
  clientKeepAliveMs: number;
  connectTimeoutMs: number;
}

/** How long an idle WebSocket survives on this path, how it dies, and the keep-alive that beats it. */
export default defineCheck<Options>({
  meta: {
    id: 'idle',
    title: 'Idle connections survive long enough',
    failureTitle: 'Idle connections are dropped too early',
    description:
      'Opens one WebSocket per rung of a ladder of idle times (default 30 s … 20 min) at the same time, along the ' +
      'endpoint\'s route (direct or through the proxy), keeps each completely idle (no TCP keep-alive, no pings), and ' +
      'then pings it with a reply deadline. The first rung that fails brackets the idle timeout of the firewall, NAT or ' +
      'proxy on the path, and how it failed is recorded: reset (RST), closed (FIN), or silently dropped (no reply, no ' +
      'reset — the case clients cannot notice). Passes when the longest idle time that survives is longer than the IM ' +
      'client\'s keep-alive interval (`clientKeepAliveMs`). It takes as long as the longest rung, so it runs only ' +
      'when the site file has a `checks.idle` section (or with `siteready run idle`).',
    category: 'network',
    severity: 'high',
    weight: 2,
    timeoutMs: 25 * 60_000,
    quiet: true,
    optIn: true,
    references: [
      { title: 'RFC 5382 — NAT behavioral requirements for TCP', clause: 'REQ-5 (established idle timeout ≥ 2 h 4 min)' },
      { title: 'RFC 6455 — The WebSocket Protocol', clause: '§5.5.2 (ping)' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ladder: { type: 'array', items: { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|sec|m|min|h)?\\s*$' }, minItems: 1, maxItems: 20 },
        replyTimeoutMs: { type: 'integer', minimum: 100, maximum: 60000 },
        clientKeepAliveMs: { type: 'integer', minimum: 100 },
        compareDirect: { type: 'boolean', description: 'Through a proxy, also hold the direct path (informative).' },
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        timeoutMs: { type: 'integer', minimum: 1000 },
      },
    },
    defaults: { ladder: ['30s', '60s', '120s', '300s', '600s', '1200s'], replyTimeoutMs: 5000, clientKeepAliveMs: 30_000, connectTimeoutMs: 3000, compareDirect: true },
  },
  messages,
  targets(site) {
    return [
      ...site.platform.endpoints
        .filter((ep) => (ep.protocol === 'ws' || ep.protocol === 'wss') && ep.expect === 'reachable')
        .map((ep) => ({ id: ep.name, endpoint: ep, location: ep.location })),
      // With a reflector, server push after idle is tested too (it speaks first when the rung ends).
      ...probeTargets(site, ['push']),
    ];
  },
  deadlineMs: (o) => Math.max(...o.ladder.map((t) => parseDuration(t) ?? 0)) + o.replyTimeoutMs + 30_000,
  async run(ctx, target) {
    if (target.data?.suffix === 'push') return serverPush(ctx, target.id);
    const ep = target.endpoint!;
    const ladder = ctx.options.ladder.map((t) => parseDuration(t)!).sort((a, b) => a - b);
    const connectTimeoutMs = Math.min(ctx.options.connectTimeoutMs, Math.max(50, ctx.remainingMs() - 200));
    let route: Route = { path: 'direct' };
    const trust = await trustFor(ctx, ep);
    const serverName = (ep.extra.tls as { serverName?: string } | undefined)?.serverName;
    // All rungs of one path at once: the whole ladder takes as long as its longest rung.
    const ladderOn = async (r: Route): Promise<IdleStepResult[]> => {
      if (r.path === 'direct') await lookupOnce(ctx, ep.host);
      const open = opener(ctx, r, connectTimeoutMs);
      const opening = await Promise.allSettled(
        ladder.map(() =>
          openWebSocket({
            url: ep.url!,
            open,
            ...(ep.subprotocols ? { subprotocols: ep.subprotocols } : {}),
            ...(trust || serverName ? { tls: { ...(trust ? { secureContext: trust } : {}), ...(serverName ? { servername: serverName } : {}) } } : {}),
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
    };
    let steps: IdleStepResult[];
    let direct: { steps?: IdleStepResult[]; error?: string } | undefined;
    try {
      route = await routeFor(ctx, ep);
      // Through a proxy, the direct path is held too (at the same time): which hop forgets idle flows?
      const [onRoute, onDirect] = await Promise.all([
        ladderOn(route),
        route.path === 'proxy' && ctx.options.compareDirect
          ? ladderOn({ path: 'direct' }).then(
              (s) => ({ steps: s }),
              (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
            )
          : Promise.resolve(undefined),
      ]);
      steps = onRoute;
      direct = onDirect;
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (!(err instanceof PathError) && !(err instanceof DnsLookupError)) throw err;
      // The server broke the WebSocket protocol: nothing about idle flows can be learnt from it, and
      // no client can use it — a failure, not "unreachable".
      if (err instanceof ProtocolError) {
        return {
          status: 'fail',
          score: 0,
          findings: [pathFinding('idle', err, ep, unreachableSeverity(ep), connectTimeoutMs)],
          details: { classification: err.classification, expect: ep.expect, ...pathDetails(route), ...failureDetails(err), error: err.message },
        };
      }
      return {
        status: 'skipped',
        score: null,
        details: { reason: 'unreachable', classification: err instanceof DnsLookupError ? 'dns-failure' : err.classification, ...pathDetails(route), ...(err instanceof PathError ? failureDetails(err) : {}), error: err.message },
      };
    }
    const directDetails = direct ? { direct: direct.steps ? { steps: direct.steps, ...bracket(direct.steps) } : { error: direct.error } } : {};
    return judge(ctx, ep.name, steps, { classification: 'ok', expect: ep.expect, ...pathDetails(route), direction: 'client-probe', ...directDetails }, unreachableSeverity(ep));
  },
});

/** Server push after idle, against the reflector: one push stream per rung, all at once. */
async function serverPush(ctx: CheckContext<Options>, name: string): Promise<CheckOutcome> {
  const ladder = ctx.options.ladder.map((t) => parseDuration(t)!).sort((a, b) => a - b);
  let steps: IdleStepResult[];
  try {
    const { endpoint, session } = await probeSession(ctx);
    const streams = await Promise.all(
      ladder.map((holdMs) => openTcpStream(endpoint, session, 'push', holdMs, { timeoutMs: 5000, signal: ctx.signal, headers: { 'x-sr-push-after-ms': String(holdMs) } })),
    );
    steps = await Promise.all(streams.map((sock, i) => holdForPush(sock, PUSH_MESSAGE, ladder[i]!, ctx.options.replyTimeoutMs, ctx.signal)));
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (!(err instanceof PathError) && !(err instanceof DnsLookupError)) throw err;
    return { status: 'skipped', score: null, details: { reason: 'unreachable', classification: err instanceof DnsLookupError ? 'dns-failure' : err.classification, path: 'direct', error: err.message } };
  }
  return judge(ctx, name, steps, { classification: 'ok', path: 'direct', direction: 'server-push' }, 'high');
}

/** Brackets the timeout from the rungs and judges it against the client's keep-alive interval. */
function judge(ctx: CheckContext<Options>, name: string, steps: IdleStepResult[], base: Record<string, unknown>, silentSeverity: Severity): CheckOutcome {
  const v = bracket(steps);
  const client = ctx.options.clientKeepAliveMs;
  const details = { ...base, steps, ...v, clientKeepAliveMs: client };
  const measurements = [
    { id: 'idle-survived', value: (v.survivedMs ?? 0) / 1000, unit: 's', threshold: { min: client / 1000, source: 'the IM client\'s keep-alive interval' } },
    ...(v.diedMs !== undefined ? [{ id: 'idle-died', value: v.diedMs / 1000, unit: 's' }] : []),
    ...(v.keepAliveMs !== undefined ? [{ id: 'keepalive-recommended', value: v.keepAliveMs / 1000, unit: 's' }] : []),
  ];
  if (v.diedMs === undefined) return { status: 'pass', score: 1, measurements, details };
  const params = {
    endpoint: name,
    survived: v.survivedMs !== undefined ? fmt(v.survivedMs) : '@fmt.unknown',
    died: fmt(v.diedMs),
    death: `@death.${v.death}`,
    client: fmt(client),
    keepAlive: fmt(v.keepAliveMs ?? 0),
  };
  const findings: Finding[] = [];
  // The client survives when its keep-alives come before the path forgets the flow.
  if ((v.survivedMs ?? 0) >= client) {
    findings.push({ id: 'idle.short', severity: 'low', message: { id: 'idle.short', params }, remediation: { id: 'idle.short.fix' } });
    return { status: v.diedMs < 300_000 ? 'warn' : 'pass', score: v.diedMs < 300_000 ? 0.8 : 1, measurements, findings, details };
  }
  findings.push({
    id: 'idle.timeout',
    severity: v.death === 'silent' ? silentSeverity : 'high',
    message: { id: 'idle.timeout', params },
    remediation: { id: 'idle.timeout.fix', params },
  });
  // Died at or before the client's interval: the client loses the flow. Otherwise the timeout lies between
  // the survived and the failed rung, around the client's interval: a risk, not yet a certainty.
  return v.diedMs <= client
    ? { status: 'fail', score: 0, measurements, findings, details }
    : { status: 'warn', score: 0.6, measurements, findings, details };
}

function fmt(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6000) / 10} min`;
}
