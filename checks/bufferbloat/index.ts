import { defineCheck, type Finding } from '../../src/plugin-api.js';
import { probeMessages } from '../../src/probe/messages.js';
import { MEDIA_PROFILES, nextStreamId, probeSession, probeTargets } from '../../src/probe/context.js';
import {
  limitScore,
  percentilesSchema,
  probeFactsProperties,
  probeFactsRequired,
  probeFailureFacts,
  probeFailureJudgement,
  reflectorOf,
  type ProbeFacts,
} from '../../src/probe/check-support.js';
import { runThroughput } from '../../src/probe/run-throughput.js';
import type { Direction } from '../../src/probe/throughput.js';
import { abortableDelay, runUdpStream, type Percentiles } from '../../src/probe/udp-stream.js';
import { round } from '../../src/util/number.js';

const messages = {
  en: {
    ...probeMessages.en,
    'bufferbloat.dir.down': 'downstream',
    'bufferbloat.dir.up': 'upstream',
    'bufferbloat.high':
      'Round trips grow by {delta} ms while the link is saturated {direction} ({idle} ms idle → {loaded} ms loaded): buffer bloat.',
    'bufferbloat.high.fix':
      'A full queue delays every packet behind it: enable smart queue management (fq_codel / CAKE) on the WAN edge, shape slightly below the line rate, and prioritise media (DSCP EF/AF41).',
    'bufferbloat.block': 'Median round trip of an audio stream, idle and with the link saturated',
    'bufferbloat.col.load': 'Load',
    'bufferbloat.col.rtt-p50': 'Round trip, median',
    'bufferbloat.col.rtt-p95': 'Round trip, 95th percentile',
    'bufferbloat.col.increase': 'Increase',
    'bufferbloat.col.replies': 'Replies',
    'bufferbloat.col.load-rate': 'Load goodput',
    'bufferbloat.idle': 'idle',
    'bufferbloat.no-replies': 'none came back',
  },
  'zh-CN': {
    ...probeMessages['zh-CN'],
    'bufferbloat.dir.down': '下行',
    'bufferbloat.dir.up': '上行',
    'bufferbloat.high': '链路{direction}饱和时往返时延增加 {delta} 毫秒（空闲 {idle} 毫秒 → 负载 {loaded} 毫秒）：存在缓冲膨胀。',
    'bufferbloat.high.fix':
      '满队列会延迟其后的每个数据包：在 WAN 边缘启用智能队列管理（fq_codel / CAKE），整形速率略低于线路速率，并为媒体设置优先级（DSCP EF/AF41）。',
    'bufferbloat.block': '音频流往返时延中位数：空闲时与链路饱和时',
    'bufferbloat.col.load': '负载',
    'bufferbloat.col.rtt-p50': '往返时延中位数',
    'bufferbloat.col.rtt-p95': '往返时延第 95 百分位',
    'bufferbloat.col.increase': '增加',
    'bufferbloat.col.replies': '应答',
    'bufferbloat.col.load-rate': '负载有效吞吐',
    'bufferbloat.idle': '空闲',
    'bufferbloat.no-replies': '无应答',
  },
};

interface Options {
  idleMs: number;
  loadMs: number;
  streams: number;
  directions: Direction[];
}

const DIRECTIONS: readonly Direction[] = ['down', 'up'];

/** The audio stream while TCP streams saturated one direction. */
export interface LoadedRtt {
  /** The load's goodput, Mbit/s. */
  mbps: number;
  /** How long the probe stream ran inside the load, ms. */
  probeMs: number;
  sent: number;
  replies: number;
  /** Null when no reply came back while loaded. */
  rttMs: Percentiles | null;
}

export interface BufferbloatFacts extends ProbeFacts {
  /** The test as run: idle stream length, load length per direction, TCP streams of the load. */
  idleMs: number;
  loadMs: number;
  streams: number;
  /** The idle stream's round trips; null when UDP got no answer (nothing to compare). */
  idle: Percentiles | null;
  loaded: Partial<Record<Direction, LoadedRtt>>;
}

const loadedSchema = {
  type: 'object',
  required: ['mbps', 'probeMs', 'sent', 'replies', 'rttMs'],
  properties: {
    mbps: { type: 'number', minimum: 0 },
    probeMs: { type: 'number', minimum: 0 },
    sent: { type: 'integer', minimum: 0 },
    replies: { type: 'integer', minimum: 0 },
    rttMs: percentilesSchema,
  },
} as const;
const factsSchema = {
  type: 'object',
  required: [...probeFactsRequired, 'idleMs', 'loadMs', 'streams', 'idle', 'loaded'],
  properties: {
    ...probeFactsProperties,
    idleMs: { type: 'number', minimum: 0 },
    loadMs: { type: 'number', minimum: 0 },
    streams: { type: 'integer', minimum: 1 },
    idle: percentilesSchema,
    loaded: { type: 'object', additionalProperties: false, properties: { down: loadedSchema, up: loadedSchema } },
  },
} as const;

/** RTT while the link is saturated vs idle (latency under load), per direction. */
export default defineCheck<Options, BufferbloatFacts>({
  meta: {
    id: 'bufferbloat',
    title: 'Latency stays low under load',
    failureTitle: 'Latency rises under load (buffer bloat)',
    description:
      'Measures the median round trip of an audio-cadence UDP stream to the reflector while idle, then while TCP ' +
      'streams saturate the link downstream and upstream in turn. The increase is buffer bloat: queueing delay that ' +
      'every call suffers whenever someone downloads or uploads. Flagged at ≥ 100 ms, as the Microsoft 365 network ' +
      'connectivity test does.',
    category: 'network',
    severity: 'high',
    weight: 2,
    // Fixing it takes new links, more capacity or another network path, not a setting.
    fixKind: 'infrastructure',
    timeoutMs: 90_000,
    exclusive: 'probe',
    references: [
      { title: 'Microsoft 365 network connectivity test', url: 'https://connectivity.office.com', clause: 'buffer bloat ≥ 100 ms' },
      { title: 'RFC 8290 — FQ-CoDel', clause: '§1 (bufferbloat)' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        idleMs: {
          type: 'integer',
          minimum: 500,
          maximum: 60000,
          description: 'Length of the idle audio-cadence UDP stream that gives the baseline RTT, ms (500–60000).',
        },
        loadMs: {
          type: 'integer',
          minimum: 1000,
          maximum: 60000,
          description: 'Length of the TCP load in each direction, the loaded RTT probed inside it, ms (1000–60000).',
        },
        streams: { type: 'integer', minimum: 1, maximum: 32, description: 'parallel TCP streams (the reflector allows 32 per session)' },
        directions: {
          type: 'array',
          items: { enum: ['down', 'up'] },
          minItems: 1,
          description: 'Directions loaded, in this order: down, up (at least one).',
        },
        timeoutMs: {
          type: 'integer',
          minimum: 1000,
          description: "Deadline of each task, ms (≥ 1000; over the check's default, computed from idleMs, loadMs and directions).",
        },
      },
    },
    defaults: { idleMs: 5000, loadMs: 10000, streams: 4, directions: ['down', 'up'] },
  },
  facts: { version: 1, schema: factsSchema },
  messages,
  targets(site) {
    return probeTargets(site);
  },
  deadlineMs: (o) => o.idleMs + o.directions.length * (o.loadMs + 4000) + 15_000,

  async measure(ctx) {
    const { idleMs, loadMs, streams } = ctx.options;
    const run = { idleMs, loadMs, streams };
    const audio = MEDIA_PROFILES.audio!;
    try {
      const { endpoint, session } = await probeSession(ctx);
      const facts: BufferbloatFacts = {
        reflector: reflectorOf(ctx.site, session.udpPort),
        classification: 'ok',
        ...run,
        idle: null,
        loaded: {},
      };
      const stream = (durationMs: number) =>
        runUdpStream({
          endpoint,
          session,
          stream: nextStreamId(),
          ...audio,
          durationMs,
          drainMs: 500,
          firstReplyTimeoutMs: 2000,
          signal: ctx.signal,
        });
      const idle = await stream(idleMs);
      if (!idle.rttMs) return { ...facts, classification: 'filtered' };
      facts.idle = idle.rttMs;
      for (const direction of ctx.options.directions) {
        // The probe stream starts after the load has left slow start, and ends before it stops.
        const omit = Math.min(1000, Math.floor(loadMs / 4));
        const load = runThroughput(
          { endpoint, session, direction, transport: 'tcp', streams, durationMs: loadMs, omitMs: omit },
          ctx.signal,
        );
        // Awaited below, after the probe stream: a load that fails first must not be an unhandled rejection meanwhile.
        load.catch(() => undefined);
        // The worker needs a moment to start and the streams to leave slow start before probing.
        const startup = 300;
        await abortableDelay(omit + startup, ctx.signal);
        const probeMs = Math.max(500, loadMs - omit - startup - 500);
        const during = await stream(probeMs);
        const t = await load;
        facts.loaded[direction] = { mbps: t.mbps, probeMs, sent: during.sent, replies: during.replies, rttMs: during.rttMs };
      }
      return facts;
    } catch (err) {
      return { ...probeFailureFacts(ctx, err), ...run, idle: null, loaded: {} };
    }
  },

  judge(facts, { threshold }) {
    const failed = probeFailureJudgement('bufferbloat', facts);
    if (failed) return failed;
    // No answer over UDP at all: the latency check says so; there is nothing to load.
    if (!facts.idle) return { score: null, notApplicable: 'udp-blocked' };
    const limit = threshold('bufferbloatMs', 100);
    const rows = loadedRows(facts, facts.idle);
    if (!rows.length) return { score: null };
    const worst = Math.max(0, ...rows.map((r) => r.delta));
    // "≥ 100 ms" is flagged: limitScore passes only values under the limit.
    const score = limitScore(worst, limit);
    const findings: Finding[] = rows
      .filter((r) => r.delta >= limit)
      .map((r) => ({
        id: 'bufferbloat.high',
        // Same steps as the score: beyond twice the limit is a failure.
        severity: r.delta > 2 * limit ? 'high' : 'medium',
        message: {
          id: 'bufferbloat.high',
          params: { direction: { id: `bufferbloat.dir.${r.direction}` }, delta: r.delta, idle: facts.idle!.p50, loaded: r.p50 },
        },
        remediation: { id: 'bufferbloat.high.fix' },
      }));
    return {
      score,
      measurements: [
        {
          id: 'bufferbloat',
          value: worst,
          unit: 'ms',
          threshold: { max: limit, source: 'Microsoft 365 connectivity test: ≥ 100 ms flagged' },
        },
        { id: 'rtt-idle-p50', value: facts.idle.p50, unit: 'ms' },
        ...rows.map((r) => ({ id: `rtt-loaded-${r.direction}-p50`, value: r.p50, unit: 'ms' })),
      ],
      findings,
    };
  },

  present(facts) {
    if (!facts.idle) return [];
    const ms = (v: number) => ({ value: v, unit: 'ms' });
    return [
      {
        kind: 'table',
        title: { id: 'bufferbloat.block' },
        columns: [
          { key: 'load', label: { id: 'bufferbloat.col.load' } },
          { key: 'p50', label: { id: 'bufferbloat.col.rtt-p50' }, numeric: true },
          { key: 'p95', label: { id: 'bufferbloat.col.rtt-p95' }, numeric: true },
          { key: 'increase', label: { id: 'bufferbloat.col.increase' }, numeric: true },
          { key: 'replies', label: { id: 'bufferbloat.col.replies' }, numeric: true },
          { key: 'mbps', label: { id: 'bufferbloat.col.load-rate' }, numeric: true },
        ],
        rows: [
          { load: { id: 'bufferbloat.idle' }, p50: ms(facts.idle.p50), p95: ms(facts.idle.p95), increase: null, replies: null, mbps: null },
          ...loadedRows(facts, facts.idle).map((r) => {
            const l = facts.loaded[r.direction]!;
            return {
              load: { id: `bufferbloat.dir.${r.direction}` },
              p50: l.rttMs ? ms(l.rttMs.p50) : { id: 'bufferbloat.no-replies' },
              p95: l.rttMs ? ms(l.rttMs.p95) : null,
              increase: ms(r.delta),
              replies: `${l.replies} / ${l.sent}`,
              mbps: { value: l.mbps, unit: 'Mbit/s' },
            };
          }),
        ],
      },
    ];
  },
});

interface LoadedRow {
  direction: Direction;
  /** Median round trip while loaded, ms. */
  p50: number;
  /** Its increase over idle, ms. */
  delta: number;
}

function loadedRows(facts: BufferbloatFacts, idle: Percentiles): LoadedRow[] {
  return DIRECTIONS.flatMap((direction) => {
    const l = facts.loaded[direction];
    if (!l) return [];
    // No reply at all while loaded is the worst bloat: the round trip grew by at least the probe's length.
    const p50 = l.rttMs ? l.rttMs.p50 : idle.p50 + l.probeMs;
    return [{ direction, p50, delta: round(p50 - idle.p50) }];
  });
}
