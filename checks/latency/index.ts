import { defineCheck, type Block, type Finding, type Judgement, type MeasureContext, type Measurement } from '../../src/plugin-api.js';
import { probeMessages } from '../../src/probe/messages.js';
import { latencyOnce, probeSession, mediaStreamSchema, type MediaStream } from '../../src/probe/context.js';
import { tcpEchoRtt, type TcpRttResult } from '../../src/probe/tcp-rtt.js';
import { PathError } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { pathFailureFinding, pathFailureOf, pathMessages, type PathFailure } from '../../src/net/path-messages.js';
import {
  STUN_FIRST_REPLY_TIMEOUT_MS,
  stunFarEndSchema,
  stunJunkSchema,
  stunLatencyOnce,
  type StunFarEnd,
} from '../../src/probe/stun-far-end.js';
import { junkTotal, type StunStreamJunk, type StunStreamResult } from '../../src/probe/stun-stream.js';
import {
  limitScore,
  percentilesSchema,
  probeFactsProperties,
  probeFactsRequired,
  probeFailureFacts,
  probeFailureJudgement,
  reflectorOf,
  type ProbeFacts,
  type ReflectorFacts,
} from '../../src/probe/check-support.js';
import type { Endpoint, Site } from '../../src/site/types.js';
import type { Percentiles, UdpStreamResult } from '../../src/probe/udp-stream.js';
import planning, { type Options } from './plan.js';

const messages = {
  en: {
    ...probeMessages.en,
    ...pathMessages.en,
    'latency.over': '{profile} stream: {metric} is {value} {unit}, over the target of {limit} {unit}.',
    'latency.over.fix': '{fix}',
    'fix.rtt': 'Shorten the path to the service edge (local internet breakout instead of backhaul over VPN/MPLS, nearer media relays).',
    'fix.jitter':
      'Jitter comes from queueing: prioritise real-time media (DSCP EF/AF41 honoured end to end) and avoid saturating the link.',
    'fix.loss':
      "Find where packets are dropped (congested uplink, Wi-Fi, policers, a firewall's UDP flood protection); QoS for media helps when the link is full.",
    'fix.reorder': 'Reordering usually comes from per-packet load balancing over unequal paths (ECMP, bonded links): balance per flow.',
    'metric.rtt-p95': 'the 95th percentile round trip',
    'metric.jitter': 'jitter (RFC 3550)',
    'metric.loss': 'loss in the worst 15 s',
    'metric.burst-loss': 'loss in the worst 200 ms',
    'metric.reorder': 'reordering',
    'latency.block.rtt': 'Round trip per probe, {profile} stream (UDP)',
    'latency.block.targets': 'Against the targets ({source}), {profile} stream ({transport})',
    'latency.series.rtt': 'Round trip',
    'latency.limit.rtt': 'Target (95th percentile)',
    'latency.col.metric': 'Metric',
    'latency.col.value': 'Measured',
    'latency.col.target': 'Target',
    'latency.m.rtt-p50': 'Round trip, median',
    'latency.m.rtt-p95': 'Round trip, 95th percentile',
    'latency.m.jitter': 'Jitter, worse direction',
    'latency.m.jitter-up': 'Jitter upstream',
    'latency.m.jitter-down': 'Jitter downstream',
    'latency.m.loss': 'Loss, whole stream',
    'latency.m.loss-up': 'Loss upstream',
    'latency.m.loss-down': 'Loss downstream',
    'latency.m.loss-15s-max': 'Loss, worst 15 s',
    'latency.m.burst-loss-200ms-max': 'Loss, worst 200 ms',
    'latency.m.reorder': 'Reordering',
    'latency.m.duplicates': 'Duplicates',
    'latency.m.jitter-rtt': 'Jitter, round trip',
    'latency.block.rtt-stun': 'Round trip per STUN Binding request, {profile} stream',
    'latency.block.stun-note': 'What a STUN server as the far end cannot tell',
    'latency.col.note': 'Note',
    'latency.stun.limits':
      'The far end is a STUN server, not a reflector: loss and jitter are round-trip totals (jitter from successive round trips), ' +
      'with no upstream/downstream split, and there is no DSCP echo, so whether QoS marks survive the path is not measured here.',
    'latency.stun-udp-blocked':
      'UDP to the STUN server {server} ({host}:{port}) gets no answer: media would have to fall back to TCP/TLS relays.',
    'latency.stun-udp-blocked.fix':
      "Allow UDP {port} (and the platform's media ports, e.g. 3478–3481) outbound from this site to the platform's media relays; real-time media over TCP suffers from head-of-line blocking.",
    'latency.stun-refused':
      '{endpoint}: {host}:{port} answers STUN requests with ICMP port unreachable: nothing listens there over UDP, or a firewall rejects it.',
    'latency.stun-refused.fix': 'Check the STUN server address and port, and that UDP {port} to it is allowed from this site.',
  },
  'zh-CN': {
    ...probeMessages['zh-CN'],
    ...pathMessages['zh-CN'],
    'latency.over': '{profile} 流：{metric}为 {value} {unit}，超过目标值 {limit} {unit}。',
    'latency.over.fix': '{fix}',
    'fix.rtt': '缩短到服务边缘的路径（本地互联网出口而非经 VPN/MPLS 回传，使用更近的媒体中继）。',
    'fix.jitter': '抖动来自排队：为实时媒体设置优先级（端到端保留 DSCP EF/AF41），并避免链路饱和。',
    'fix.loss': '查找丢包位置（上行拥塞、Wi-Fi、限速器、防火墙的 UDP 洪泛防护）；链路满载时媒体 QoS 有帮助。',
    'fix.reorder': '乱序通常来自在不等长路径上逐包负载均衡（ECMP、链路聚合）：改为按流均衡。',
    'metric.rtt-p95': '第 95 百分位往返时延',
    'metric.jitter': '抖动（RFC 3550）',
    'metric.loss': '最差 15 秒内的丢包率',
    'metric.burst-loss': '最差 200 毫秒内的丢包率',
    'metric.reorder': '乱序率',
    'latency.block.rtt': '逐包往返时延，{profile} 流（UDP）',
    'latency.block.targets': '与目标对比（{source}），{profile} 流（{transport}）',
    'latency.series.rtt': '往返时延',
    'latency.limit.rtt': '目标（第 95 百分位）',
    'latency.col.metric': '指标',
    'latency.col.value': '实测',
    'latency.col.target': '目标',
    'latency.m.rtt-p50': '往返时延中位数',
    'latency.m.rtt-p95': '往返时延第 95 百分位',
    'latency.m.jitter': '抖动（较差方向）',
    'latency.m.jitter-up': '上行抖动',
    'latency.m.jitter-down': '下行抖动',
    'latency.m.loss': '丢包率（整条流）',
    'latency.m.loss-up': '上行丢包率',
    'latency.m.loss-down': '下行丢包率',
    'latency.m.loss-15s-max': '丢包率（最差 15 秒）',
    'latency.m.burst-loss-200ms-max': '丢包率（最差 200 毫秒）',
    'latency.m.reorder': '乱序率',
    'latency.m.duplicates': '重复包',
    'latency.m.jitter-rtt': '抖动（往返）',
    'latency.block.rtt-stun': '逐个 STUN Binding 请求的往返时延，{profile} 流',
    'latency.block.stun-note': '以 STUN 服务器为远端时无法测得的内容',
    'latency.col.note': '说明',
    'latency.stun.limits':
      '远端是 STUN 服务器而非反射器：丢包率和抖动都是往返合计值（抖动由相邻往返时延计算），无法区分上行与下行；' +
      '也没有 DSCP 回显，因此无法在此测量 QoS 标记能否在路径上保留。',
    'latency.stun-udp-blocked': '发往 STUN 服务器 {server}（{host}:{port}）的 UDP 没有应答：媒体只能回退到 TCP/TLS 中继。',
    'latency.stun-udp-blocked.fix':
      '允许本站点出站访问平台媒体中继的 UDP {port}（以及平台的媒体端口，例如 3478–3481）；基于 TCP 的实时媒体会受到队头阻塞影响。',
    'latency.stun-refused': '{endpoint}：{host}:{port} 以 ICMP 端口不可达回应 STUN 请求：该 UDP 端口未监听，或被防火墙拒绝。',
    'latency.stun-refused.fix': '检查 STUN 服务器的地址和端口，并确认本站点可以访问其 UDP {port}。',
  },
};

/**
 * One media stream's round trips to the reflector, or to a STUN server marked as the media path.
 * The UDP stream's own numbers sit at the top level (as `UdpStreamResult` has them); `tcp` holds
 * the echo round trips when UDP got no answer. A STUN far end leaves every per-direction figure
 * null and gives the round-trip jitter (`rttJitterMs`) instead.
 */
export interface LatencyFacts extends Omit<ProbeFacts, 'reflector'>, Partial<UdpStreamResult> {
  /** The reflector measured against (absent when the far end is a STUN server). */
  reflector?: ReflectorFacts;
  /** The STUN server measured against (absent when the far end is the reflector). */
  farEnd?: StunFarEnd;
  profile: string;
  /**
   * How the round trips were measured: UDP probes to the reflector, its TCP echo (UDP blocked),
   * STUN Binding requests to a STUN server, or not at all.
   */
  transport?: 'udp' | 'tcp-fallback' | 'stun' | 'none';
  /** STUN far end: RFC 3550's jitter formula over successive round trips, ms. */
  rttJitterMs?: number | null;
  /** STUN far end: datagrams that were not a valid answer to a request sent, by why. */
  junk?: StunStreamJunk;
  /** The stream as it was sent (the latency and call-quality checks share it; the first to ask sets its length). */
  stream?: MediaStream;
  tcp?: TcpRttResult;
}

const nullableNumber = { type: ['number', 'null'] } as const;

const factsSchema = {
  type: 'object',
  required: [...probeFactsRequired.filter((k) => k !== 'reflector'), 'profile'],
  // Measured against one far end: the reflector, or a STUN server.
  oneOf: [{ required: ['reflector'] }, { required: ['farEnd'] }],
  properties: {
    ...probeFactsProperties,
    farEnd: stunFarEndSchema,
    profile: { type: 'string' },
    transport: { enum: ['udp', 'tcp-fallback', 'stun', 'none'] },
    rttJitterMs: nullableNumber,
    junk: stunJunkSchema,
    stream: mediaStreamSchema,
    sent: { type: 'integer', minimum: 0 },
    replies: { type: 'integer', minimum: 0 },
    blocked: { type: 'boolean' },
    rttMs: percentilesSchema,
    jitterUpMs: nullableNumber,
    jitterDownMs: nullableNumber,
    lossPercent: { type: 'number' },
    lossUpPercent: nullableNumber,
    lossDownPercent: nullableNumber,
    worstLoss15sPercent: { type: 'number' },
    worstBurst200msPercent: { type: 'number' },
    reorderPercent: { type: 'number' },
    reorderUpPercent: nullableNumber,
    duplicates: { type: 'integer', minimum: 0 },
    burstRatio: { type: 'number' },
    series: { type: 'array', items: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 } },
    tcp: {
      type: 'object',
      required: ['samples', 'rttMs'],
      properties: { samples: { type: 'integer', minimum: 0 }, rttMs: percentilesSchema },
    },
  },
} as const;

// Microsoft Teams network targets, client → Microsoft edge (DESIGN §6).
const LIMITS = { rtt: 100, jitter: 30, loss: 1, burst: 10, reorder: 0.05 };
const DEFAULT_SOURCE = 'real-time media targets (Microsoft Teams): client → edge';

/** Whose targets judge the stream: the site's platform catalog's where it publishes them, else Teams'. */
function sourceOf(site: Site): string {
  const catalog = site.platform.catalogs?.find((c) => c.id === site.platform.preset);
  return catalog?.targets ? `${catalog.name}: ${catalog.targets.scope}` : DEFAULT_SOURCE;
}

/** RTT, RFC 3550 jitter, loss, burst loss and reordering of RTP-like UDP streams, per direction. */
export default defineCheck<Options, LatencyFacts>({
  ...planning,
  facts: { version: 2, schema: factsSchema },
  messages,

  async measure(ctx, target) {
    const profile = target.data!.suffix as string;
    if (target.data?.farEnd === 'stun') return measureStun(ctx, target.endpoint!, profile);
    try {
      const { stream, result } = await latencyOnce(ctx, profile, ctx.options);
      const { endpoint, session } = await probeSession(ctx);
      const base = { reflector: reflectorOf(ctx.site, session.udpPort), profile, stream, ...result };
      if (!result.blocked && result.rttMs) return { ...base, classification: 'ok', transport: 'udp' };
      // UDP is blocked: still measure the round trip, over TCP, and say which transport it was.
      const count = Math.max(5, Math.min(50, Math.round(ctx.options.durationMs / 100)));
      const tcp = await tcpEchoRtt(endpoint, session, count, 50, ctx.signal).catch(() => undefined);
      return { ...base, classification: 'filtered', transport: tcp?.rttMs ? 'tcp-fallback' : 'none', ...(tcp ? { tcp } : {}) };
    } catch (err) {
      return { ...probeFailureFacts(ctx, err), profile };
    }
  },

  judge(facts, { threshold, target, site }) {
    const SOURCE = sourceOf(site);
    if (facts.farEnd) {
      const failed = stunFailureJudgement(facts, facts.farEnd, target.endpoint);
      if (failed) return failed;
    } else if (facts.reflector) {
      const failed = probeFailureJudgement('latency', { ...facts, reflector: facts.reflector });
      if (failed) return failed;
    }
    const rtt = threshold('rttMs', LIMITS.rtt);
    if (facts.farEnd && (facts.blocked || !facts.rttMs)) {
      const { host, port } = facts.farEnd;
      return {
        score: 0,
        findings: [
          {
            id: 'latency.stun-udp-blocked',
            severity: 'high',
            message: { id: 'latency.stun-udp-blocked', params: { server: target.endpoint?.name ?? host, host, port } },
            remediation: { id: 'latency.stun-udp-blocked.fix', params: { port } },
          },
        ],
      };
    }
    if (facts.blocked || !facts.rttMs) {
      const tcp = facts.tcp?.rttMs;
      const port = facts.reflector!.udpPort;
      return {
        score: 0,
        measurements: tcp
          ? [
              { id: 'rtt-p50', value: tcp.p50, unit: 'ms' },
              { id: 'rtt-p95', value: tcp.p95, unit: 'ms', threshold: { max: rtt, source: SOURCE } },
            ]
          : [],
        findings: [
          {
            id: 'latency.udp-blocked',
            severity: 'high',
            message: { id: 'probe.udp-blocked', params: { probe: facts.reflector!.name, port } },
            remediation: { id: 'probe.udp-blocked.fix', params: { port } },
          },
        ],
      };
    }
    const limits = {
      rtt,
      jitter: threshold('jitterMs', LIMITS.jitter),
      loss: threshold('lossPercent', LIMITS.loss),
      burst: threshold('burstLossPercent', LIMITS.burst),
      reorder: threshold('reorderPercent', LIMITS.reorder),
    };
    const s = stream(facts);
    // A STUN far end has no per-direction figures: its jitter is the round trip's.
    const jitter = facts.farEnd ? (facts.rttJitterMs ?? 0) : Math.max(s.jitterUpMs ?? 0, s.jitterDownMs ?? 0);
    const reorder = Math.max(s.reorderPercent, s.reorderUpPercent ?? 0);
    // A short stream cannot resolve 0.05 %: one reordered packet of 750 is 0.13 %. Judge against the
    // finest step the stream can see, so a single packet never fails a short test.
    const reorderLimit = Math.max(limits.reorder, 100 / Math.max(1, s.replies));
    const measurements: Measurement[] = [
      { id: 'rtt-p50', value: s.rttMs.p50, unit: 'ms' },
      { id: 'rtt-p95', value: s.rttMs.p95, unit: 'ms', threshold: { max: limits.rtt, source: SOURCE } },
      { id: 'jitter', value: jitter, unit: 'ms', threshold: { max: limits.jitter, source: SOURCE } },
      { id: 'loss', value: s.lossPercent, unit: '%' },
      { id: 'loss-15s-max', value: s.worstLoss15sPercent, unit: '%', threshold: { max: limits.loss, source: `${SOURCE}, any 15 s` } },
      {
        id: 'burst-loss-200ms-max',
        value: s.worstBurst200msPercent,
        unit: '%',
        threshold: { max: limits.burst, source: `${SOURCE}, any 200 ms` },
      },
      { id: 'reorder', value: reorder, unit: '%', threshold: { max: limits.reorder, source: SOURCE } },
      ...(s.jitterUpMs !== null ? [{ id: 'jitter-up', value: s.jitterUpMs, unit: 'ms' }] : []),
      ...(s.jitterDownMs !== null ? [{ id: 'jitter-down', value: s.jitterDownMs, unit: 'ms' }] : []),
      ...(s.lossUpPercent !== null ? [{ id: 'loss-up', value: s.lossUpPercent, unit: '%' }] : []),
      ...(s.lossDownPercent !== null ? [{ id: 'loss-down', value: s.lossDownPercent, unit: '%' }] : []),
      { id: 'duplicates', value: s.duplicates, unit: 'count' },
    ];
    const scored: Array<[metric: string, value: number, limit: number, unit: string, fix: string]> = [
      ['rtt-p95', s.rttMs.p95, limits.rtt, 'ms', 'fix.rtt'],
      ['jitter', jitter, limits.jitter, 'ms', 'fix.jitter'],
      ['loss', s.worstLoss15sPercent, limits.loss, '%', 'fix.loss'],
      ['burst-loss', s.worstBurst200msPercent, limits.burst, '%', 'fix.loss'],
      ['reorder', reorder, reorderLimit, '%', 'fix.reorder'],
    ];
    const findings: Finding[] = [];
    const scores: number[] = [];
    for (const [metric, value, limit, unit, fix] of scored) {
      const score = limitScore(value, limit);
      scores.push(score);
      if (score < 1) {
        findings.push({
          id: `latency.${metric}`,
          severity: score < 0.5 ? 'high' : 'medium',
          message: { id: 'latency.over', params: { profile: facts.profile, metric: { id: `metric.${metric}` }, value, limit, unit } },
          remediation: { id: 'latency.over.fix', params: { fix: { id: fix } } },
        });
      }
    }
    return { score: Math.min(...scores), measurements, findings };
  },

  present(facts, { judgement, site }) {
    const blocks: Block[] = [];
    const rttTarget = judgement.measurements?.find((m) => m.id === 'rtt-p95')?.threshold?.max;
    const points = facts.series ?? [];
    if (points.length >= 2) {
      blocks.push({
        kind: 'series',
        title: { id: facts.farEnd ? 'latency.block.rtt-stun' : 'latency.block.rtt', params: { profile: facts.profile } },
        unit: 'ms',
        series: [{ label: { id: 'latency.series.rtt' }, values: points.map((p) => p[1]) }],
        ...(rttTarget !== undefined ? { limits: [{ value: rttTarget, label: { id: 'latency.limit.rtt' } }] } : {}),
      });
    }
    const measured = judgement.measurements ?? [];
    if (measured.length) {
      const limitOf = (id: string) => measured.find((m) => m.id === id)?.threshold?.max;
      // The per-direction figures are judged through their worse direction.
      const targetOf = (id: string) => limitOf(id) ?? (id.startsWith('jitter-') ? limitOf('jitter') : undefined);
      blocks.push({
        kind: 'table',
        title: {
          id: 'latency.block.targets',
          params: { profile: facts.profile, transport: facts.transport ?? 'udp', source: sourceOf(site) },
        },
        columns: [
          { key: 'metric', label: { id: 'latency.col.metric' } },
          { key: 'value', label: { id: 'latency.col.value' }, numeric: true },
          { key: 'target', label: { id: 'latency.col.target' }, numeric: true },
        ],
        rows: measured.map((m) => {
          const unit = m.unit === 'count' ? undefined : m.unit;
          const target = targetOf(m.id);
          const cell = (v: number) => (unit ? { value: v, unit } : v);
          return {
            metric: { id: facts.farEnd && m.id === 'jitter' ? 'latency.m.jitter-rtt' : `latency.m.${m.id}` },
            value: typeof m.value === 'number' ? cell(m.value) : null,
            target: target !== undefined ? cell(target) : null,
          };
        }),
      });
    }
    if (facts.farEnd && facts.transport === 'stun') {
      blocks.push({
        kind: 'table',
        title: { id: 'latency.block.stun-note' },
        columns: [{ key: 'note', label: { id: 'latency.col.note' } }],
        rows: [{ note: { id: 'latency.stun.limits' } }],
      });
    }
    return blocks;
  },
});

/** A stream of STUN Binding requests to a server the site marks as the media path, as facts. */
async function measureStun(ctx: MeasureContext<Options>, ep: Endpoint, profile: string): Promise<LatencyFacts> {
  try {
    const { farEnd, stream, result } = await stunLatencyOnce(ctx, ep, profile, ctx.options);
    const base = { farEnd, profile, stream, ...stunStreamFields(result) };
    if (result.replies > 0) return { ...base, classification: 'ok', transport: 'stun' };
    if (result.blocked) return { ...base, classification: 'filtered', transport: 'none' };
    // Datagrams came back, none of them a valid success response to a request sent.
    const j = result.junk;
    const failure: PathFailure = {
      classification: 'server-error',
      phase: 'application',
      code: 'STUN_NO_VALID_RESPONSE',
      protocol: 'stun',
      message:
        `${junkTotal(j)} datagrams came back, none a valid Binding success response to a request sent ` +
        `(error responses ${j.errorResponses}, not STUN ${j.notStun}, bad FINGERPRINT ${j.badFingerprint}, ` +
        `other messages ${j.otherMessages}, unknown transactions ${j.foreignTransactions}, oversize ${j.oversize})`,
    };
    return { ...base, classification: 'server-error', kind: 'protocol-error', transport: 'none', failure };
  } catch (err) {
    // An abort or a bug is not a fact about the path.
    if (!(err instanceof PathError) && !(err instanceof DnsLookupError)) throw err;
    const failure = pathFailureOf(err);
    return {
      farEnd: { kind: 'stun', host: ep.host, port: ep.port },
      profile,
      classification: failure.classification,
      ...(failure.protocol ? { kind: 'protocol-error' as const } : {}),
      failure,
    };
  }
}

/** The STUN stream's numbers in the reflector stream's shape: what only a reflector knows is null. */
function stunStreamFields(r: StunStreamResult): Partial<LatencyFacts> {
  return {
    sent: r.sent,
    replies: r.replies,
    blocked: r.blocked,
    rttMs: r.rttMs,
    jitterUpMs: null,
    jitterDownMs: null,
    rttJitterMs: r.rttJitterMs,
    lossPercent: r.lossPercent,
    lossUpPercent: null,
    lossDownPercent: null,
    worstLoss15sPercent: r.worstLoss15sPercent,
    worstBurst200msPercent: r.worstBurst200msPercent,
    reorderPercent: r.reorderPercent,
    reorderUpPercent: null,
    duplicates: r.duplicates,
    burstRatio: r.burstRatio,
    series: r.series,
    junk: r.junk,
  };
}

/** The verdict on facts whose STUN server could not be used at all; undefined when it could. */
function stunFailureJudgement(facts: LatencyFacts, farEnd: StunFarEnd, endpoint: Endpoint | undefined): Judgement | undefined {
  const f = facts.failure;
  if (!f) return undefined;
  const { host, port } = farEnd;
  const ep = endpoint ?? ({ name: host, host, port } as Endpoint);
  // ICMP port unreachable, not a TCP reset: the generic "refused" text would say the wrong thing.
  const finding: Finding =
    f.classification === 'refused'
      ? {
          id: 'latency.stun-refused',
          severity: 'high',
          message: { id: 'latency.stun-refused', params: { endpoint: ep.name, host, port } },
          remediation: { id: 'latency.stun-refused.fix', params: { port } },
          evidence: { classification: f.classification, ...(f.code ? { code: f.code } : {}) },
        }
      : pathFailureFinding('latency', f, ep, 'high', STUN_FIRST_REPLY_TIMEOUT_MS);
  return { score: null, error: `the STUN server at ${host}:${port} could not be used: ${f.message}`, findings: [finding] };
}

/** The stream's numbers, once the judge knows UDP answered. */
function stream(f: LatencyFacts): UdpStreamResult & { rttMs: Percentiles } {
  return f as UdpStreamResult & { rttMs: Percentiles };
}
