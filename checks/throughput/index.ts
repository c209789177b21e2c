import { defineCheck, type Block, type Finding, type Measurement, type Site } from '../../src/plugin-api.js';
import { probeMessages } from '../../src/probe/messages.js';
import { throughputOnce } from '../../src/probe/context.js';
import {
  floorScore,
  probeFactsProperties,
  probeFactsRequired,
  probeFailureFacts,
  probeFailureJudgement,
  reflectorOf,
  type ProbeFacts,
} from '../../src/probe/check-support.js';
import type { Direction, ThroughputResult, Transport } from '../../src/probe/throughput.js';
import { round } from '../../src/util/number.js';
import planning, { type Options } from './plan.js';

const messages = {
  en: {
    ...probeMessages.en,
    'throughput.low': '{direction} goodput over {transport} is {mbps} Mbit/s, under the expected {expected} Mbit/s ({basis}).',
    'throughput.low.fix':
      "Find the bottleneck between this site and the reflector (link rate, shaping or policing, a proxy or firewall throughput limit); compare with the provider's committed rate.",
    'throughput.ws-slower':
      'WebSocket goodput ({ws} Mbit/s) is well under raw TCP ({tcp} Mbit/s) {direction}: something on the path handles WebSocket traffic specially.',
    'throughput.ws-slower.fix':
      'Check firewall and IPS policies for WebSocket / long-lived connection handling between this site and the reflector.',
    'basis.declared': '80 % of the declared link capacity',
    'basis.threshold': "the site's threshold",
    'dir.down': 'download',
    'dir.up': 'upload',
    'throughput.block.down': 'Download over {transport}',
    'throughput.block.up': 'Upload over {transport}',
    'throughput.block.samples': 'Goodput per interval over {transport}',
    'throughput.bar.measured': 'measured',
    'throughput.bar.p10': '10th percentile of intervals',
    'throughput.bar.declared': 'declared link capacity',
    'throughput.bar.expected': 'expected',
    'throughput.block.queue': "Turn on the reflector's schedule",
    'throughput.queue.value': 'waited {seconds} s ({position} in line when asked)',
    'throughput.queue.free': 'the reflector was free: no wait',
  },
  'zh-CN': {
    ...probeMessages['zh-CN'],
    'throughput.low': '{transport} {direction} 有效吞吐为 {mbps} Mbit/s，低于预期的 {expected} Mbit/s（{basis}）。',
    'throughput.low.fix': '查找本站点与反射器之间的瓶颈（链路速率、整形或限速、代理或防火墙吞吐上限）；与运营商承诺速率对比。',
    'throughput.ws-slower':
      '{direction} WebSocket 有效吞吐（{ws} Mbit/s）明显低于原始 TCP（{tcp} Mbit/s）：路径上有设备对 WebSocket 流量做了特殊处理。',
    'throughput.ws-slower.fix': '检查本站点与反射器之间的防火墙和 IPS 策略对 WebSocket / 长连接的处理。',
    'basis.declared': '声明链路容量的 80%',
    'basis.threshold': '站点设定的阈值',
    'dir.down': '下载',
    'dir.up': '上传',
    'throughput.block.down': '{transport} 下载',
    'throughput.block.up': '{transport} 上传',
    'throughput.block.samples': '{transport} 逐区间有效吞吐',
    'throughput.bar.measured': '实测',
    'throughput.bar.p10': '区间第 10 百分位',
    'throughput.bar.declared': '声明的链路容量',
    'throughput.bar.expected': '预期',
    'throughput.block.queue': '反射器测试排队',
    'throughput.queue.value': '等待 {seconds} 秒（请求时排第 {position} 位）',
    'throughput.queue.free': '反射器空闲：无需等待',
  },
};

const DIRECTIONS: readonly Direction[] = ['down', 'up'];

export interface ThroughputFacts extends ProbeFacts {
  transport: Transport;
  /** Each direction measured, as the test reported it. */
  /** With `queue`: where the test stood in the reflector's schedule and how long it waited for its turn. */
  results: Partial<Record<Direction, ThroughputResult>>;
  /** Σ of `network.links` rates per direction when the test ran, Mbit/s; null when no link declares one. */
  declaredMbps: Record<Direction, number | null>;
  /** WebSocket target: the raw TCP goodput of the same run per direction, Mbit/s, when TCP was measured too. */
  tcpMbps?: Partial<Record<Direction, number>>;
}

const resultSchema = {
  type: 'object',
  required: ['direction', 'transport', 'streams', 'mbps', 'bytes', 'measuredMs', 'omitMs', 'samples', 'p10', 'p50', 'p90', 'countedBy'],
  properties: {
    direction: { enum: ['down', 'up'] },
    transport: { enum: ['tcp', 'ws'] },
    streams: { type: 'integer', minimum: 1 },
    mbps: { type: 'number', minimum: 0 },
    bytes: { type: 'number', minimum: 0 },
    measuredMs: { type: 'number', minimum: 0 },
    omitMs: { type: 'number', minimum: 0 },
    samples: { type: 'array', items: { type: 'number' } },
    p10: { type: 'number' },
    p50: { type: 'number' },
    p90: { type: 'number' },
    countedBy: { enum: ['client', 'reflector'] },
    queue: {
      type: 'object',
      required: ['position', 'waitedMs'],
      properties: { position: { type: 'integer', minimum: 0 }, waitedMs: { type: 'number', minimum: 0 } },
    },
  },
} as const;
const perDirection = (schema: object) =>
  ({ type: 'object', additionalProperties: false, properties: { down: schema, up: schema } }) as const;
const nullableMbps = { type: ['number', 'null'], minimum: 0 } as const;

const factsSchema = {
  type: 'object',
  required: [...probeFactsRequired, 'transport', 'results', 'declaredMbps'],
  properties: {
    ...probeFactsProperties,
    transport: { enum: ['tcp', 'ws'] },
    results: perDirection(resultSchema),
    declaredMbps: { type: 'object', required: ['down', 'up'], properties: { down: nullableMbps, up: nullableMbps } },
    tcpMbps: perDirection({ type: 'number', minimum: 0 }),
  },
} as const;

/** Download and upload goodput against the reflector, TCP (N streams) and WebSocket (ndt7-style). */
export default defineCheck<Options, ThroughputFacts>({
  ...planning,
  facts: { version: 1, schema: factsSchema },
  messages,

  async measure(ctx, target) {
    const transport = target.data!.suffix as Transport;
    const base = { transport, declaredMbps: declaredMbps(ctx.site) };
    const results: ThroughputFacts['results'] = {};
    try {
      for (const direction of ctx.options.directions) results[direction] = await throughputOnce(ctx, direction, transport, ctx.options);
    } catch (err) {
      return { ...probeFailureFacts(ctx, err), ...base, results };
    }
    const facts: ThroughputFacts = { reflector: reflectorOf(ctx.site), classification: 'ok', ...base, results };
    if (transport === 'ws' && ctx.options.transports.includes('tcp')) {
      // The same run's raw TCP figure (usually measured already, by the tcp target): a WebSocket
      // rate well under it says the path treats WebSocket specially.
      const tcpMbps: Partial<Record<Direction, number>> = {};
      for (const direction of ctx.options.directions) {
        const tcp = await throughputOnce(ctx, direction, 'tcp', ctx.options).catch(() => undefined);
        if (tcp) tcpMbps[direction] = tcp.mbps;
      }
      facts.tcpMbps = tcpMbps;
    }
    return facts;
  },

  judge(facts, { threshold }) {
    const failed = probeFailureJudgement('throughput', facts);
    if (failed) return failed;
    const measurements: Measurement[] = [];
    const findings: Finding[] = [];
    const scores: number[] = [];
    for (const direction of DIRECTIONS) {
      const r = facts.results[direction];
      if (!r) continue;
      const expected = expectation(facts, direction, threshold);
      measurements.push(
        {
          id: `throughput-${direction}`,
          value: r.mbps,
          unit: 'Mbit/s',
          ...(expected ? { threshold: { min: expected.mbps, source: expected.source } } : {}),
        },
        { id: `throughput-${direction}-p10`, value: r.p10, unit: 'Mbit/s' },
        { id: `throughput-${direction}-p90`, value: r.p90, unit: 'Mbit/s' },
      );
      if (!expected) continue;
      const score = floorScore(r.mbps, expected.mbps);
      scores.push(score);
      if (score < 1) {
        findings.push({
          id: 'throughput.low',
          severity: score < 0.5 ? 'high' : 'medium',
          message: {
            id: 'throughput.low',
            params: {
              direction: { id: `dir.${direction}` },
              transport: facts.transport,
              mbps: r.mbps,
              expected: expected.mbps,
              basis: { id: expected.basis },
            },
          },
          remediation: { id: 'throughput.low.fix' },
          evidence: { samples: r.samples.length, p10: r.p10, p90: r.p90 },
        });
      }
      const tcp = facts.tcpMbps?.[direction];
      // Only worth a finding when the WebSocket rate is also short of what the site needs.
      if (facts.transport === 'ws' && tcp !== undefined && r.mbps < 0.5 * tcp && r.mbps < expected.mbps) {
        findings.push({
          id: 'throughput.ws-slower',
          severity: 'medium',
          message: { id: 'throughput.ws-slower', params: { direction: { id: `dir.${direction}` }, ws: r.mbps, tcp } },
          remediation: { id: 'throughput.ws-slower.fix' },
        });
      }
    }
    return { score: scores.length ? Math.min(...scores) : null, measurements, findings };
  },

  present(facts, { judgement }) {
    const blocks: Block[] = [];
    const measured = DIRECTIONS.filter((d) => facts.results[d]);
    for (const direction of measured) {
      const r = facts.results[direction]!;
      const declared = facts.declaredMbps[direction];
      const expected = judgement.measurements?.find((m) => m.id === `throughput-${direction}`)?.threshold?.min;
      blocks.push({
        kind: 'bars',
        title: { id: `throughput.block.${direction}`, params: { transport: facts.transport } },
        unit: 'Mbit/s',
        bars: [
          { label: { id: 'throughput.bar.measured' }, value: r.mbps, role: 'measured' },
          { label: { id: 'throughput.bar.p10' }, value: r.p10, role: 'measured' },
          ...(declared !== null ? [{ label: { id: 'throughput.bar.declared' }, value: declared, role: 'capacity' as const }] : []),
          ...(expected !== undefined ? [{ label: { id: 'throughput.bar.expected' }, value: expected, role: 'limit' as const }] : []),
        ],
      });
    }
    const sampled = measured.filter((d) => facts.results[d]!.samples.length >= 2);
    if (sampled.length) {
      blocks.push({
        kind: 'series',
        title: { id: 'throughput.block.samples', params: { transport: facts.transport } },
        unit: 'Mbit/s',
        series: sampled.map((d) => ({ label: { id: `dir.${d}` }, values: facts.results[d]!.samples })),
      });
    }
    // Other sites' tests go first on a busy reflector: the wait is part of what this run was.
    const queued = measured.filter((d) => facts.results[d]!.queue);
    if (queued.length) {
      blocks.push({
        kind: 'key-value',
        title: { id: 'throughput.block.queue' },
        items: queued.map((d) => {
          const q = facts.results[d]!.queue!;
          return {
            label: { id: `throughput.block.${d}`, params: { transport: facts.transport } },
            value:
              q.position === 0
                ? { id: 'throughput.queue.free' }
                : { id: 'throughput.queue.value', params: { seconds: round(q.waitedMs / 1000, 1), position: q.position } },
          };
        }),
      });
    }
    return blocks;
  },
});

/** What a direction should reach: the site's threshold, else 80 % of the declared capacity, else nothing. */
function expectation(
  facts: ThroughputFacts,
  direction: Direction,
  threshold: (name: string, fallback: number) => number,
): { mbps: number; source: string; basis: string } | undefined {
  const explicit = threshold(`${direction}Mbps`, NaN);
  if (Number.isFinite(explicit)) return { mbps: explicit, source: 'site threshold', basis: 'basis.threshold' };
  const declared = facts.declaredMbps[direction];
  if (declared === null) return undefined;
  return { mbps: round(0.8 * declared), source: '80 % of declared link capacity', basis: 'basis.declared' };
}

/** Σ of the links' declared rates per direction (backup links included), null when none declares one. */
function declaredMbps(site: Site): Record<Direction, number | null> {
  const sum = (d: Direction) => site.network.links.reduce((a, l) => a + ((d === 'down' ? l.downMbps : l.upMbps) ?? 0), 0);
  return { down: sum('down') > 0 ? sum('down') : null, up: sum('up') > 0 ? sum('up') : null };
}
